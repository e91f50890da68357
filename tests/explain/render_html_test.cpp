// Checks the HTML renderer of the walkthrough
// (src/jlattn/explain/render_html.hpp): escaping, GitHub's heading anchors,
// the inline subset ($math$ to \( \) for MathJax, `code`, **bold**, links)
// including unmatched delimiters, every kind of block, and the page around
// them (title, the one MathJax script, the missing-MathJax notice). Expected
// strings are written by hand.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "jlattn/explain/document.hpp"
#include "jlattn/explain/render_html.hpp"

namespace jlattn::walkthrough {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(RenderHtml, EscapesTheFourSpecialCharactersOnly) {
  EXPECT_EQ(html_escape("a < b && c > \"d\" 'e'"), "a &lt; b &amp;&amp; c &gt; &quot;d&quot; 'e'");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");  // text, not markup: escaped again
  EXPECT_EQ(html_escape("Johnson–Lindenstrauss ✓ $x$ `y`"), "Johnson–Lindenstrauss ✓ $x$ `y`");
  EXPECT_EQ(html_escape(""), "");
}

TEST(RenderHtml, HeadingAnchorsAreGitHubs) {
  EXPECT_EQ(heading_anchor("4. The projection R and the dimension d (Lemma 3, Theorems 1 and 2)"),
            "4-the-projection-r-and-the-dimension-d-lemma-3-theorems-1-and-2");
  EXPECT_EQ(heading_anchor("1. The target & its supports"), "1-the-target--its-supports");
  EXPECT_EQ(heading_anchor("snake_case and-hyphen"), "snake_case-and-hyphen");
  EXPECT_EQ(heading_anchor("Johnson–Lindenstrauss"), "johnson–lindenstrauss");
  EXPECT_EQ(heading_anchor("A <b> \"c\""), "a-b-c");
}

TEST(RenderHtml, InlineMathBecomesMathJaxDelimitersWithItsTexEscaped) {
  EXPECT_EQ(inline_html("$x$"), "\\(x\\)");
  EXPECT_EQ(inline_html("if $a < b$ then"), "if \\(a &lt; b\\) then");
  EXPECT_EQ(inline_html("$a$ and $\\lvert b \\rvert$"), "\\(a\\) and \\(\\lvert b \\rvert\\)");
  EXPECT_EQ(inline_html("$a`b*c$"), "\\(a`b*c\\)");  // no markup inside math
}

TEST(RenderHtml, InlineCodeBoldAndLinks) {
  EXPECT_EQ(inline_html("run `a && b`"), "run <code>a &amp;&amp; b</code>");
  EXPECT_EQ(inline_html("`$x$`"), "<code>$x$</code>");  // no math inside code
  EXPECT_EQ(inline_html("**Certified:** yes"), "<strong>Certified:</strong> yes");
  EXPECT_EQ(inline_html("[Lemma 1](../proofs/lemma1.md)"), "<a href=\"../proofs/lemma1.md\">Lemma 1</a>");
  EXPECT_EQ(inline_html("[**$B$** & c](p.md?a=1&b=\"2\")"),
            "<a href=\"p.md?a=1&amp;b=&quot;2&quot;\"><strong>\\(B\\)</strong> &amp; c</a>");
}

TEST(RenderHtml, UnmatchedDelimitersAreOrdinaryCharacters) {
  EXPECT_EQ(inline_html("costs $5"), "costs $5");
  EXPECT_EQ(inline_html("a ` b"), "a ` b");
  EXPECT_EQ(inline_html("a * b"), "a * b");
  EXPECT_EQ(inline_html("[not a link] <x>"), "[not a link] &lt;x&gt;");
  EXPECT_EQ(inline_html("[text](no end"), "[text](no end");
  EXPECT_EQ(inline_html("**left open"), "<strong>left open</strong>");  // closed at the end
}

TEST(RenderHtml, EveryKindOfBlockAfterTheNotice) {
  Document doc;
  doc.heading(2, "1. The target & its supports (Definition 1)");
  doc.paragraph("Row $i$: $a<b$ & `x<y` **bold** [Lemma $1$](../p.md?a=1&b=2) end");
  doc.math("x < y");
  doc.code("a && b");
  doc.list({"$x$", "plain"});
  doc.table({"$i$", "v"}, {{"0", "1.5"}});
  const std::string body =
      "<h2 id=\"1-the-target--its-supports-definition-1\">1. The target &amp; its supports (Definition 1)</h2>\n"
      "<p>Row \\(i\\): \\(a&lt;b\\) &amp; <code>x&lt;y</code> <strong>bold</strong> "
      "<a href=\"../p.md?a=1&amp;b=2\">Lemma \\(1\\)</a> end</p>\n"
      "<div>\\[x &lt; y\\]</div>\n"
      "<pre><code>a &amp;&amp; b</code></pre>\n"
      "<ul>\n<li>\\(x\\)</li>\n<li>plain</li>\n</ul>\n"
      "<table>\n<tr><th>\\(i\\)</th><th>v</th></tr>\n<tr><td>0</td><td>1.5</td></tr>\n</table>\n"
      "</body>\n</html>\n";
  const std::string page = render_html(doc, {"T", "file:///usr/share/javascript/mathjax/MathJax.js"});
  ASSERT_GE(page.size(), body.size());
  EXPECT_EQ(page.substr(page.size() - body.size()), body);
  // The blocks come after the notice, which comes right after <body>.
  const std::size_t notice = page.find("<p id=\"mathjax-missing\"");
  ASSERT_NE(notice, std::string::npos);
  EXPECT_LT(page.find("<body>\n"), notice);
  EXPECT_LT(notice, page.size() - body.size());
}

TEST(RenderHtml, PageLoadsOnlyItsMathJaxAndSaysHowToGetIt) {
  const std::string page = render_html(Document(), {"Theorem 1 on <A> & B", "file:///m&j/MathJax.js"});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>Theorem 1 on &lt;A&gt; &amp; B</title>\n", 0),
            0u);
  EXPECT_EQ(count(page, "src="), 1u);
  EXPECT_EQ(count(page, "<script type=\"text/javascript\" src=\"file:///m&amp;j/MathJax.js?config=TeX-AMS_SVG\">"
                        "</script>"),
            1u);
  // MathJax reads \( \) inline and \[ \] displayed, the delimiters inline_html and DisplayMath write.
  EXPECT_NE(page.find("inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']]"), std::string::npos);
  // The notice names the URL that failed and the package, and is hidden only when MathJax loaded.
  EXPECT_NE(page.find("MathJax 2 did not load from <code>file:///m&amp;j/MathJax.js</code>."), std::string::npos);
  EXPECT_NE(page.find("<code>apt-get install libjs-mathjax</code>"), std::string::npos);
  EXPECT_NE(page.find("if (window.MathJax && window.MathJax.Hub) "
                      "document.getElementById('mathjax-missing').hidden = true;"),
            std::string::npos);
  EXPECT_NE(page.find("<noscript>"), std::string::npos);
  EXPECT_EQ(page.substr(page.size() - 16), "</body>\n</html>\n");
}

// The characters html_escape replaces, back: an independent reading of its output.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    for (const auto& [entity, ch] : {std::pair<const char*, char>{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
                                     {"&quot;", '"'}})
      if (s.compare(i, std::string(entity).size(), entity) == 0) {
        out += ch;
        i += std::string(entity).size();
        replaced = true;
        break;
      }
    if (!replaced) out += s[i++];
  }
  return out;
}

RC_GTEST_PROP(RenderHtml, EscapedTextHasNoMarkupAndReadsBack, (const std::string& text)) {
  const std::string escaped = html_escape(text);
  RC_ASSERT(escaped.find_first_of("<>\"") == std::string::npos);
  RC_ASSERT(unescape(escaped) == text);
}

RC_GTEST_PROP(RenderHtml, TextWithoutMarkupIsOnlyEscaped, (const std::string& raw)) {
  std::string text;
  for (char ch : raw)
    if (ch != '$' && ch != '`' && ch != '*' && ch != '[') text += ch;
  RC_ASSERT(inline_html(text) == html_escape(text));
}

}  // namespace
}  // namespace jlattn::walkthrough
