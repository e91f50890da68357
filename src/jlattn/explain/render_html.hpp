/// \file render_html.hpp
/// \brief The walkthrough's document (document.hpp) as one HTML page whose
/// formulas a local MathJax 2 typesets, with a notice that says how to get
/// MathJax where it does not load.
///
/// Infrastructure of the walkthrough, not mathematics: it states no result
/// of the proof.
#pragma once

#include <string>

#include "jlattn/explain/document.hpp"

namespace jlattn::walkthrough {

/// What the page needs besides its blocks.
struct HtmlPage {
  std::string title;        ///< the page title, plain text (escaped)
  std::string mathjax_url;  ///< the MathJax 2 `MathJax.js` the page loads (with ?config=TeX-AMS_SVG)
};

/// s with `&`, `<`, `>` and `"` replaced by their character references;
/// every other byte (UTF-8 included) as it is.
/// \pre none.
/// Guarantee: exact (a pure function of s).
std::string html_escape(const std::string& s);

/// GitHub's anchor of a heading: ASCII letters and digits lower-cased, spaces
/// to `-`, `-` and `_` kept, bytes of UTF-8 characters kept, every other
/// character dropped. The HTML page uses it as the heading's id, so a link
/// to `page.md#anchor` also works on `page.html#anchor`.
/// \pre none.
/// Guarantee: exact.
std::string heading_anchor(const std::string& heading);

/// Inline text (document.hpp) as HTML: `$tex$` becomes `\(tex\)` for
/// MathJax, `` `code` `` `<code>`, `**` toggles `<strong>` (closed at the
/// end if left open), `[text](target)` an `<a href>` whose text is itself
/// inline text; everything else, and the inside of math, code and targets,
/// is escaped by html_escape(). A `$`, `` ` `` or `[` without its closing
/// delimiter is an ordinary character.
/// \pre none.
/// Guarantee: exact (a pure function of s).
std::string inline_html(const std::string& s);

/// The document as one HTML5 page: the head (title, style, MathJax 2
/// configured for `\( \)` and `\[ \]` and loaded from page.mathjax_url), a
/// notice shown unless MathJax loaded (naming the URL and how to install
/// Debian's libjs-mathjax), then the blocks: headings with their
/// heading_anchor() as id, paragraphs and list items and table cells through
/// inline_html(), displayed math as `<div>\[tex\]</div>`, code as
/// `<pre><code>`.
/// \pre none.
/// Guarantee: exact (a pure function of its arguments); the page loads no
///   script but page.mathjax_url and its own inline ones.
std::string render_html(const Document& document, const HtmlPage& page);

}  // namespace jlattn::walkthrough
