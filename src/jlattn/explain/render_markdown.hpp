/// \file render_markdown.hpp
/// \brief The walkthrough's document (document.hpp) as Markdown with
/// GitHub-style math: `$...$` inline, `$$ ... $$` displayed.
///
/// Infrastructure of the walkthrough, not mathematics: it states no result
/// of the proof.
#pragma once

#include <string>

#include "jlattn/explain/document.hpp"

namespace jlattn::walkthrough {

/// The document as Markdown: blocks separated by one blank line, each ending
/// in a newline. A heading is `#`s, a space and its text; a paragraph its
/// inline text (already Markdown, copied verbatim); displayed math `$$`,
/// the TeX and `$$` on three lines; a code block fenced as ```` ```sh ````;
/// a list one `* item` line per item; a table a pipe table whose first
/// column is left-aligned (`---`) and the others right-aligned (`---:`).
/// \pre none (inline text is not checked: it is written as given).
/// Guarantee: exact (a pure function of the document; no escaping).
std::string render_markdown(const Document& document);

}  // namespace jlattn::walkthrough
