// Checks the walkthrough's sections (src/jlattn/explain/sections.hpp): each
// section function writes one heading (the preamble the title, the others a
// level-2 heading) and links to its own proof page; walkthrough_document()
// has the sections in the order of the proof's map; the contract link
// follows the proofs prefix; and the shared table helpers against tables
// written by hand. The numbers inside the sections are checked against an
// independent recomputation in explain_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "jlattn/explain/document.hpp"
#include "jlattn/explain/explain.hpp"
#include "jlattn/explain/render_markdown.hpp"
#include "jlattn/explain/sections.hpp"

namespace jlattn::walkthrough {
namespace {

// The README's 4-token target at a small given d (fast; refuted, so section 7 has a witness).
const Walkthrough& small_walkthrough() {
  static const Walkthrough w = [] {
    ConstructionParameters parameters;
    parameters.rule = DimensionRule::given;
    parameters.d = 16;
    return explain(
        Target::from_entries(4, {{0, 0, 1}, {0, 1, 2}, {1, 1, 1}, {2, 0, 1}, {2, 2, 3}, {3, 0, 1}, {3, 3, 1}}),
        parameters);
  }();
  return w;
}

std::vector<const Heading*> headings(const Document& doc) {
  std::vector<const Heading*> out;
  for (const Block& b : doc.blocks())
    if (const auto* h = std::get_if<Heading>(&b)) out.push_back(h);
  return out;
}

struct SectionCase {
  std::function<void(Document&, const SectionContext&)> write;
  int level;
  std::string heading;
  std::vector<std::string> pages;
};

TEST(Sections, EachWritesOneHeadingFirstAndLinksItsOwnPages) {
  WalkthroughOptions options;
  options.proofs_prefix = "P/";
  options.target_name = "A";
  const SectionContext x(small_walkthrough(), options);
  const std::vector<SectionCase> cases = {
      {preamble, 1, "Walkthrough: Theorem 1 on A", {"README.md"}},
      {definition1_section, 2, "1. The target and its supports (Definition 1)", {"definition1-target.md"}},
      {lemma2_section, 2, "2. The budget eta and the gap Delta (Lemma 2)", {"lemma2-score-error.md"}},
      {lemma1_section, 2, "3. The log transform B (Lemma 1)", {"lemma1-log-transform.md"}},
      {lemma3_theorems_section, 2, "4. The projection R and the dimension d (Lemma 3, Theorems 1 and 2)",
       {"lemma3-jl-projection.md", "theorem1-one-target.md", "theorem2-all-targets.md"}},
      {lemma4_section, 2, "5. The input X and the scores S (Lemma 4)", {"lemma4-adaptive-input.md"}},
      {definition2_section, 2, "6. The ratio checks, row by row (Definition 2)",
       {"definition2-approximation.md", "corollary0-leakage.md"}},
      {certificate_section, 2, "7. The certificate of the emitted matrices (certification)", {"certificate.md"}},
  };
  for (const SectionCase& c : cases) {
    SCOPED_TRACE(c.heading);
    Document doc;
    c.write(doc, x);
    ASSERT_FALSE(doc.blocks().empty());
    const auto* first = std::get_if<Heading>(&doc.blocks().front());
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->level, c.level);
    EXPECT_EQ(first->text, c.heading);
    EXPECT_EQ(headings(doc).size(), 1u);
    const std::string text = render_markdown(doc);
    for (const std::string& page : c.pages) EXPECT_NE(text.find("](P/" + page + ")"), std::string::npos) << page;
  }
}

TEST(Sections, DocumentHasTheSectionsInTheOrderOfTheProof) {
  const Document doc = walkthrough_document(small_walkthrough(), {});
  std::vector<std::string> texts;
  for (const Heading* h : headings(doc)) texts.push_back(std::to_string(h->level) + " " + h->text);
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "1 Walkthrough: Theorem 1 on A",
                       "2 1. The target and its supports (Definition 1)",
                       "2 2. The budget eta and the gap Delta (Lemma 2)",
                       "2 3. The log transform B (Lemma 1)",
                       "2 4. The projection R and the dimension d (Lemma 3, Theorems 1 and 2)",
                       "2 5. The input X and the scores S (Lemma 4)",
                       "2 6. The ratio checks, row by row (Definition 2)",
                       "2 7. The certificate of the emitted matrices (certification)",
                   }));
}

TEST(Sections, ContractLinkFollowsTheProofsPrefix) {
  const auto contract = [](const std::string& prefix) {
    WalkthroughOptions options;
    options.proofs_prefix = prefix;
    return SectionContext(small_walkthrough(), options).contract_link();
  };
  EXPECT_EQ(contract("../proofs/"), "[the contract](../docs/contract.md)");
  EXPECT_EQ(contract("https://example.org/jlattn/proofs/"), "[the contract](https://example.org/jlattn/docs/contract.md)");
  EXPECT_EQ(contract("proofs/"), "[the contract](docs/contract.md)");
  EXPECT_EQ(contract("pages/"), "[the contract](pages/../docs/contract.md)");
  WalkthroughOptions options;
  options.proofs_prefix = "../proofs/";
  EXPECT_EQ(SectionContext(small_walkthrough(), options).proof_link("Lemma 1", "lemma1-log-transform.md"),
            "[Lemma 1](../proofs/lemma1-log-transform.md)");
}

TEST(Sections, ContextCarriesTheInstance) {
  const Walkthrough& w = small_walkthrough();
  const SectionContext x(w, {});
  EXPECT_EQ(x.L, 4u);
  EXPECT_TRUE(x.full);  // 4 <= kExplainFullMatrixTokens
  EXPECT_EQ(x.eps, 1.0);
  EXPECT_EQ(x.gamma, 0.1);
  EXPECT_EQ(x.eta, 0.5);  // eps / 2, exact
  EXPECT_EQ(x.c.d, 16u);
}

TEST(Sections, SupportHelpers) {
  Matrix A(3, 3);
  A << 1, 0, 2,  //
      0, 0, 5,   //
      1, 1, 1;
  EXPECT_EQ(support_list(A, 0), "0, 2");
  EXPECT_EQ(support_list(A, 1), "2");
  EXPECT_EQ(support_list(A, 2), "0, 1, 2");
  EXPECT_EQ(support_size(A, 0), 2u);
  EXPECT_EQ(support_size(A, 1), 1u);
  EXPECT_EQ(support_size(A, 2), 3u);
}

TEST(Sections, MatrixTableBlanksOnlyZerosOffTheSupport) {
  Matrix pattern(2, 2);
  pattern << 1, 0,  //
      0, 1;
  Matrix M(2, 2);
  M << 0, 0,  // a zero on the support stays "0"
      -1.23456, 0;
  Document blanked, plain;
  matrix_table(blanked, M, true, pattern);
  matrix_table(plain, M, false, pattern);
  EXPECT_EQ(render_markdown(blanked), "| $i$ / $j$ | 0 | 1 |\n| --- | ---: | ---: |\n| 0 | 0 | · |\n| 1 | -1.235 | 0 |\n");
  EXPECT_EQ(render_markdown(plain), "| $i$ / $j$ | 0 | 1 |\n| --- | ---: | ---: |\n| 0 | 0 | 0 |\n| 1 | -1.235 | 0 |\n");
}

}  // namespace
}  // namespace jlattn::walkthrough
