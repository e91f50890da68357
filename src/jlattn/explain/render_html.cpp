#include "jlattn/explain/render_html.hpp"

#include <cctype>
#include <optional>
#include <sstream>
#include <variant>

namespace jlattn::walkthrough {

namespace {

// ---------------------------------------------------------------------------
// Inline text.

// A piece of inline markup found at some position: its HTML and where the
// text after it starts.
struct Markup {
  std::string html;
  std::size_t next = 0;
};

// `open`...`close` around a verbatim inside ($math$ or `code`) starting at s[i].
std::optional<Markup> verbatim_at(const std::string& s, std::size_t i, const std::string& open,
                                  const std::string& close) {
  const std::size_t end = s.find(s[i], i + 1);
  if (end == std::string::npos) return std::nullopt;
  return Markup{open + html_escape(s.substr(i + 1, end - i - 1)) + close, end + 1};
}

// [text](target) starting at s[i].
std::optional<Markup> link_at(const std::string& s, std::size_t i) {
  const std::size_t close = s.find("](", i + 1);
  const std::size_t end = close == std::string::npos ? close : s.find(')', close + 2);
  if (end == std::string::npos) return std::nullopt;
  return Markup{"<a href=\"" + html_escape(s.substr(close + 2, end - close - 2)) + "\">" +
                    inline_html(s.substr(i + 1, close - i - 1)) + "</a>",
                end + 1};
}

// The markup starting at s[i], if any; `**` toggles `strong`.
std::optional<Markup> markup_at(const std::string& s, std::size_t i, bool& strong) {
  switch (s[i]) {
    case '$': return verbatim_at(s, i, "\\(", "\\)");
    case '`': return verbatim_at(s, i, "<code>", "</code>");
    case '[': return link_at(s, i);
    case '*':
      if (i + 1 >= s.size() || s[i + 1] != '*') return std::nullopt;
      strong = !strong;
      return Markup{strong ? "<strong>" : "</strong>", i + 2};
    default: return std::nullopt;
  }
}

// ---------------------------------------------------------------------------
// The page.

// MathJax 2.7 (Debian's libjs-mathjax) from page.mathjax_url: no network
// when that is a local file.
void write_head(std::ostream& out, const HtmlPage& page) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>" << html_escape(page.title) << "</title>\n"
      << "<style>\n"
      << "body { font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }\n"
      << "table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }\n"
      << "th, td { border: 1px solid #bbb; padding: 0.15em 0.5em; text-align: right; }\n"
      << "th:first-child, td:first-child { text-align: left; }\n"
      << "pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; }\n"
      << "code { background: #f4f4f4; }\n"
      << ".math-note { color: #555; font-size: 0.9em; }\n"
      << "#mathjax-missing { color: #000; background: #fff6d5; border: 1px solid #c90; padding: 0.5em 0.8em; }\n"
      << "</style>\n"
      << "<script type=\"text/x-mathjax-config\">\n"
      << "MathJax.Hub.Config({ tex2jax: { inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']],"
      << " processEscapes: true }, messageStyle: 'none' });\n"
      << "</script>\n"
      << "<script type=\"text/javascript\" src=\"" << html_escape(page.mathjax_url)
      << "?config=TeX-AMS_SVG\"></script>\n"
      << "</head>\n";
}

// Visible unless MathJax loaded: the synchronous <script src> of the head
// has run (or failed) by the time the script below runs, so the notice is
// hidden before anything is drawn where MathJax is present, and says how to
// get it where it is missing, instead of leaving raw TeX unexplained.
void write_mathjax_notices(std::ostream& out, const HtmlPage& page) {
  out << "<noscript><p class=\"math-note\">The formulas on this page are rendered by MathJax, which needs "
      << "JavaScript.</p></noscript>\n"
      << "<p id=\"mathjax-missing\" class=\"math-note\"><strong>The formulas below are shown as TeX source:</strong> "
      << "MathJax 2 did not load from <code>" << html_escape(page.mathjax_url) << "</code>. "
      << "On Debian or Ubuntu, install it with <code>apt-get install libjs-mathjax</code>, "
      << "or regenerate this page with <code>jlattn explain ... --mathjax URL</code> naming a MathJax 2 "
      << "<code>MathJax.js</code> that this browser can load.</p>\n"
      << "<script>if (window.MathJax && window.MathJax.Hub) "
      << "document.getElementById('mathjax-missing').hidden = true;</script>\n";
}

// One function per kind of block; each writes the block and its final newline.

void write(std::ostream& out, const Heading& h) {
  out << "<h" << h.level << " id=\"" << html_escape(heading_anchor(h.text)) << "\">" << inline_html(h.text) << "</h"
      << h.level << ">\n";
}

void write(std::ostream& out, const Paragraph& p) { out << "<p>" << inline_html(p.text) << "</p>\n"; }

void write(std::ostream& out, const DisplayMath& m) { out << "<div>\\[" << html_escape(m.tex) << "\\]</div>\n"; }

void write(std::ostream& out, const CodeBlock& c) { out << "<pre><code>" << html_escape(c.text) << "</code></pre>\n"; }

void write(std::ostream& out, const BulletList& l) {
  out << "<ul>\n";
  for (const std::string& item : l.items) out << "<li>" << inline_html(item) << "</li>\n";
  out << "</ul>\n";
}

void write_row(std::ostream& out, const std::vector<std::string>& cells, const char* tag) {
  out << "<tr>";
  for (const std::string& cell : cells) out << '<' << tag << '>' << inline_html(cell) << "</" << tag << '>';
  out << "</tr>\n";
}

void write(std::ostream& out, const Table& t) {
  out << "<table>\n";
  write_row(out, t.header, "th");
  for (const auto& row : t.rows) write_row(out, row, "td");
  out << "</table>\n";
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string heading_anchor(const std::string& heading) {
  std::string out;
  for (unsigned char ch : heading) {
    if (std::isalnum(ch)) out += static_cast<char>(std::tolower(ch));
    else if (ch == ' ') out += '-';
    else if (ch == '-' || ch == '_') out += static_cast<char>(ch);
    else if (ch >= 0x80) out += static_cast<char>(ch);  // bytes of UTF-8 letters, kept as GitHub does
  }
  return out;
}

std::string inline_html(const std::string& s) {
  std::string out;
  bool strong = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (const std::optional<Markup> markup = markup_at(s, i, strong)) {
      out += markup->html;
      i = markup->next;
    } else {
      out += html_escape(std::string(1, s[i]));
      ++i;
    }
  }
  if (strong) out += "</strong>";
  return out;
}

std::string render_html(const Document& document, const HtmlPage& page) {
  std::ostringstream out;
  write_head(out, page);
  out << "<body>\n";
  write_mathjax_notices(out, page);
  for (const Block& block : document.blocks()) std::visit([&out](const auto& b) { write(out, b); }, block);
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace jlattn::walkthrough
