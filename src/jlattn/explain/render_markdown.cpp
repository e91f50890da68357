#include "jlattn/explain/render_markdown.hpp"

#include <sstream>
#include <variant>

namespace jlattn::walkthrough {

namespace {

// One function per kind of block; each writes the block and its final newline.

void write(std::ostream& out, const Heading& h) {
  out << std::string(static_cast<std::size_t>(h.level), '#') << ' ' << h.text << "\n";
}

void write(std::ostream& out, const Paragraph& p) { out << p.text << "\n"; }

void write(std::ostream& out, const DisplayMath& m) { out << "$$\n" << m.tex << "\n$$\n"; }

void write(std::ostream& out, const CodeBlock& c) { out << "```sh\n" << c.text << "\n```\n"; }

void write(std::ostream& out, const BulletList& l) {
  for (const std::string& item : l.items) out << "* " << item << "\n";
}

void write_row(std::ostream& out, const std::vector<std::string>& cells) {
  out << "|";
  for (const std::string& cell : cells) out << ' ' << cell << " |";
  out << "\n";
}

void write(std::ostream& out, const Table& t) {
  write_row(out, t.header);
  out << "|";
  for (std::size_t k = 0; k < t.header.size(); ++k) out << (k == 0 ? " --- |" : " ---: |");
  out << "\n";
  for (const auto& row : t.rows) write_row(out, row);
}

}  // namespace

std::string render_markdown(const Document& document) {
  std::ostringstream out;
  bool first = true;
  for (const Block& block : document.blocks()) {
    if (!first) out << "\n";
    first = false;
    std::visit([&out](const auto& b) { write(out, b); }, block);
  }
  return out.str();
}

}  // namespace jlattn::walkthrough
