// Checks the walkthrough's document model (src/jlattn/explain/document.hpp):
// blocks are kept in the order appended and hold exactly what was given;
// a table whose rows do not match its header and a heading level outside
// 1..6 are refused; the inline helpers write the Markdown subset the
// renderers read. Expected values are written by hand.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "jlattn/explain/document.hpp"

namespace jlattn::walkthrough {
namespace {

TEST(Document, KeepsBlocksInTheOrderAppendedWithTheirContent) {
  Document doc;
  doc.heading(2, "Title");
  doc.paragraph("Some *text*.");
  doc.math("a^2 + b^2");
  doc.code("jlattn demo");
  doc.list({"one", "two"});
  doc.table({"h1", "h2"}, {{"a", "b"}, {"c", "d"}});
  const std::vector<Block>& blocks = doc.blocks();
  ASSERT_EQ(blocks.size(), 6u);

  const auto* heading = std::get_if<Heading>(&blocks[0]);
  ASSERT_NE(heading, nullptr);
  EXPECT_EQ(heading->level, 2);
  EXPECT_EQ(heading->text, "Title");
  ASSERT_TRUE(std::holds_alternative<Paragraph>(blocks[1]));
  EXPECT_EQ(std::get<Paragraph>(blocks[1]).text, "Some *text*.");
  ASSERT_TRUE(std::holds_alternative<DisplayMath>(blocks[2]));
  EXPECT_EQ(std::get<DisplayMath>(blocks[2]).tex, "a^2 + b^2");
  ASSERT_TRUE(std::holds_alternative<CodeBlock>(blocks[3]));
  EXPECT_EQ(std::get<CodeBlock>(blocks[3]).text, "jlattn demo");
  ASSERT_TRUE(std::holds_alternative<BulletList>(blocks[4]));
  EXPECT_EQ(std::get<BulletList>(blocks[4]).items, (std::vector<std::string>{"one", "two"}));
  ASSERT_TRUE(std::holds_alternative<Table>(blocks[5]));
  const Table& table = std::get<Table>(blocks[5]);
  EXPECT_EQ(table.header, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(table.rows, (std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}}));
}

TEST(Document, StartsEmpty) { EXPECT_TRUE(Document().blocks().empty()); }

TEST(Document, RefusesATableRowOfTheWrongWidth) {
  Document doc;
  EXPECT_THROW(doc.table({"a", "b"}, {{"1", "2"}, {"3"}}), std::logic_error);
  EXPECT_THROW(doc.table({"a"}, {{"1", "2"}}), std::logic_error);
  EXPECT_TRUE(doc.blocks().empty());  // nothing half-appended
  EXPECT_NO_THROW(doc.table({"a", "b"}, {}));  // a header alone is a table
  EXPECT_EQ(doc.blocks().size(), 1u);
}

TEST(Document, RefusesHeadingLevelsOutsideOneToSix) {
  Document doc;
  EXPECT_THROW(doc.heading(0, "x"), std::logic_error);
  EXPECT_THROW(doc.heading(7, "x"), std::logic_error);
  EXPECT_NO_THROW(doc.heading(1, "x"));
  EXPECT_NO_THROW(doc.heading(6, "x"));
  EXPECT_EQ(doc.blocks().size(), 2u);
}

TEST(Document, InlineHelpersWriteTheSharedMarkdownSubset) {
  EXPECT_EQ(inline_math("\\tau \\le 1"), "$\\tau \\le 1$");
  EXPECT_EQ(code_span("jlattn bound"), "`jlattn bound`");
  EXPECT_EQ(strong("Certified:"), "**Certified:**");
  EXPECT_EQ(link("Lemma 1", "../proofs/lemma1-log-transform.md"), "[Lemma 1](../proofs/lemma1-log-transform.md)");
  EXPECT_EQ(link(inline_math("B"), "b.md"), "[$B$](b.md)");
}

}  // namespace
}  // namespace jlattn::walkthrough
