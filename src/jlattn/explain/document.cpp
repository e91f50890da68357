#include "jlattn/explain/document.hpp"

#include <stdexcept>
#include <utility>

namespace jlattn::walkthrough {

void Document::heading(int level, std::string text) {
  if (level < 1 || level > 6) throw std::logic_error("walkthrough: heading level " + std::to_string(level));
  blocks_.emplace_back(Heading{level, std::move(text)});
}

void Document::paragraph(std::string text) { blocks_.emplace_back(Paragraph{std::move(text)}); }

void Document::math(std::string tex) { blocks_.emplace_back(DisplayMath{std::move(tex)}); }

void Document::code(std::string text) { blocks_.emplace_back(CodeBlock{std::move(text)}); }

void Document::list(std::vector<std::string> items) { blocks_.emplace_back(BulletList{std::move(items)}); }

void Document::table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  for (const auto& row : rows)
    if (row.size() != header.size())
      throw std::logic_error("walkthrough: a table row has " + std::to_string(row.size()) + " cells, its header " +
                             std::to_string(header.size()));
  blocks_.emplace_back(Table{std::move(header), std::move(rows)});
}

std::string inline_math(const std::string& tex) { return "$" + tex + "$"; }

std::string code_span(const std::string& text) { return "`" + text + "`"; }

std::string strong(const std::string& text) { return "**" + text + "**"; }

std::string link(const std::string& text, const std::string& target) { return "[" + text + "](" + target + ")"; }

}  // namespace jlattn::walkthrough
