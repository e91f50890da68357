// Checks the Markdown renderer of the walkthrough
// (src/jlattn/explain/render_markdown.hpp): every kind of block against its
// Markdown written by hand, GitHub-style math delimiters ($...$ inline,
// $$ on their own lines displayed), tables with the first column
// left-aligned and the others right-aligned, and no escaping (inline text
// is Markdown already).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "jlattn/explain/document.hpp"
#include "jlattn/explain/render_markdown.hpp"

namespace jlattn::walkthrough {
namespace {

TEST(RenderMarkdown, EveryKindOfBlockSeparatedByOneBlankLine) {
  Document doc;
  doc.heading(1, "Walkthrough: Theorem 1 on A");
  doc.heading(2, "1. The target (Definition 1)");
  doc.paragraph("See [Lemma 1](../proofs/lemma1-log-transform.md): $B_{ij} = \\Delta$ and **bold** `code`.");
  doc.math("\\eta = \\frac{\\varepsilon}{2} = 0.5,");
  doc.code("jlattn explain --demo 8 --out docs/walkthrough-demo.md");
  doc.list({"first $x$", "second"});
  doc.table({"$i$", "$k_i$", "value"}, {{"0", "2", "1.5"}, {"1", "1", "$\\infty$"}});
  const std::string expected =
      "# Walkthrough: Theorem 1 on A\n"
      "\n"
      "## 1. The target (Definition 1)\n"
      "\n"
      "See [Lemma 1](../proofs/lemma1-log-transform.md): $B_{ij} = \\Delta$ and **bold** `code`.\n"
      "\n"
      "$$\n"
      "\\eta = \\frac{\\varepsilon}{2} = 0.5,\n"
      "$$\n"
      "\n"
      "```sh\n"
      "jlattn explain --demo 8 --out docs/walkthrough-demo.md\n"
      "```\n"
      "\n"
      "* first $x$\n"
      "* second\n"
      "\n"
      "| $i$ | $k_i$ | value |\n"
      "| --- | ---: | ---: |\n"
      "| 0 | 2 | 1.5 |\n"
      "| 1 | 1 | $\\infty$ |\n";
  EXPECT_EQ(render_markdown(doc), expected);
}

TEST(RenderMarkdown, EmptyDocumentIsEmpty) { EXPECT_EQ(render_markdown(Document()), ""); }

TEST(RenderMarkdown, SingleColumnTableAndHeadingLevels) {
  Document doc;
  doc.heading(6, "deep");
  doc.table({"only"}, {{"x"}});
  EXPECT_EQ(render_markdown(doc), "###### deep\n\n| only |\n| --- |\n| x |\n");
}

TEST(RenderMarkdown, CopiesCharactersThatHtmlWouldEscape) {
  Document doc;
  doc.paragraph("a < b & c > \"d\"");
  doc.math("x < y \\quad \\& ");
  doc.code("jlattn certify --x 'X.npy' && echo \"<ok>\"");
  EXPECT_EQ(render_markdown(doc),
            "a < b & c > \"d\"\n\n$$\nx < y \\quad \\& \n$$\n\n```sh\njlattn certify --x 'X.npy' && echo \"<ok>\"\n```\n");
}

// A paragraph is its inline text and a newline, whatever the text.
RC_GTEST_PROP(RenderMarkdown, ParagraphIsItsTextVerbatim, (const std::string& text)) {
  Document doc;
  doc.paragraph(text);
  RC_ASSERT(render_markdown(doc) == text + "\n");
}

}  // namespace
}  // namespace jlattn::walkthrough
