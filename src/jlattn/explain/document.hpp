/// \file document.hpp
/// \brief The walkthrough's document model: a sequence of blocks (headings,
/// paragraphs, display math, code, bullet lists, tables) whose text is
/// written once and rendered twice, as Markdown (render_markdown.hpp) and
/// as HTML (render_html.hpp).
///
/// The text inside a block is *inline text*: plain characters plus the
/// small Markdown subset both renderers understand,
///
///   - `$tex$`            inline math (TeX between single dollars),
///   - `` `code` ``       code,
///   - `**strong**`       bold,
///   - `[text](target)`   a link (text may itself hold inline markup).
///
/// The helpers inline_math(), code_span(), strong() and link() write these
/// forms. Inline text is Markdown already, so the Markdown renderer copies it
/// verbatim; the HTML renderer translates the subset and escapes everything
/// else. Display math and code blocks are verbatim (TeX source, a shell
/// command) and never parsed for markup.
///
/// This is infrastructure of the walkthrough, not mathematics: it states no
/// result of the proof.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace jlattn::walkthrough {

/// A heading of level 1 (the title) to 6; `text` is inline text.
struct Heading {
  int level = 1;
  std::string text;
};

/// A paragraph of inline text.
struct Paragraph {
  std::string text;
};

/// A displayed formula: TeX source, verbatim.
struct DisplayMath {
  std::string tex;
};

/// A shell command shown verbatim.
struct CodeBlock {
  std::string text;
};

/// A bullet list; each item is inline text.
struct BulletList {
  std::vector<std::string> items;
};

/// A table with a header row; every cell is inline text. The first column
/// is the row label (left-aligned), the others hold numbers (right-aligned).
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// One block of a document.
using Block = std::variant<Heading, Paragraph, DisplayMath, CodeBlock, BulletList, Table>;

/// A document: its blocks in reading order.
class Document {
 public:
  /// Appends a heading.
  /// \pre 1 <= level <= 6.
  /// \throws std::logic_error when level is outside (a bug of the caller).
  /// Guarantee: exact (the block holds the arguments as given).
  void heading(int level, std::string text);
  /// Appends a paragraph of inline text.
  /// \pre none. Guarantee: exact.
  void paragraph(std::string text);
  /// Appends a displayed formula (TeX source).
  /// \pre none. Guarantee: exact.
  void math(std::string tex);
  /// Appends a shell command shown verbatim.
  /// \pre none. Guarantee: exact.
  void code(std::string text);
  /// Appends a bullet list.
  /// \pre none. Guarantee: exact.
  void list(std::vector<std::string> items);
  /// Appends a table.
  /// \pre every row has as many cells as the header.
  /// \throws std::logic_error when a row does not (a bug of the caller).
  /// Guarantee: exact.
  void table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows);

  /// The blocks in the order they were appended.
  const std::vector<Block>& blocks() const { return blocks_; }

 private:
  std::vector<Block> blocks_;
};

/// Inline math: `$tex$`.
/// \pre tex holds no '$'.
/// Guarantee: exact (a pure function of its argument).
std::string inline_math(const std::string& tex);

/// Inline code: `` `text` ``.
/// \pre text holds no '`'.
/// Guarantee: exact.
std::string code_span(const std::string& text);

/// Bold: `**text**`.
/// \pre text holds no "**".
/// Guarantee: exact.
std::string strong(const std::string& text);

/// A link: `[text](target)`.
/// \pre text holds no "](", target no ')'.
/// Guarantee: exact.
std::string link(const std::string& text, const std::string& target);

}  // namespace jlattn::walkthrough
