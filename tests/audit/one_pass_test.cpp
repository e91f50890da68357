// Checks the one pass over nested projections (src/jlattn/audit/one_pass.hpp,
// proofs/audit-one-pass.md): the Statement's bound against the exact scores
// of the emitted X^(d) (rational arithmetic on its doubles), the scale's
// enclosure, the entry at d from the entry at d = 1, and that the verdicts,
// the row norms and a whole audit cell are those of certifying each d on its
// own.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <span>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include "jlattn/audit/audit.hpp"
#include "jlattn/audit/audit_output.hpp"
#include "jlattn/audit/one_pass.hpp"
#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "support/exact.hpp"

namespace jlattn::audit {
namespace {

using testing::Rational;

Cell cell_of(std::uint64_t L, std::uint64_t k, Projection projection, double eps = 1.0) {
  Cell c;
  c.L = L;
  c.k = k;
  c.rho = k == 1 ? 0.0 : 1.3862943611198906;
  c.eps = eps;
  c.gamma = 0.1;
  c.projection = projection;
  return c;
}

// m1 = fl(sqrt 3) for Achlioptas, 1 otherwise: the magnitude of a draw at d = 1.
Rational ideal_scale(Projection projection, std::uint64_t d) {
  if (projection != Projection::achlioptas) return Rational(1) / Rational(static_cast<unsigned long>(d));
  const Rational m1(std::sqrt(3.0));
  return Rational(3) / (m1 * m1 * Rational(static_cast<unsigned long>(d)));
}

Rational abs(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// The bound of the Statement holds for every entry: U computed here in
// binary32 from P and G rounded to binary32, and in binary64, in another order than the
// library's (c from the top, j of the support from the last), against
// S(X^(d))/c_d computed exactly from the emitted doubles.
TEST(OnePass, ErrorBoundHoldsAgainstExactScores) {
  for (Projection projection : {Projection::gaussian, Projection::rademacher, Projection::achlioptas}) {
    for (std::uint64_t k : {1u, 3u}) {
      const Cell cell = cell_of(10, k, projection);
      const Target A = draw_target(cell, 77 + k);
      const std::uint64_t seed = 4242 + k;
      const PreparedTarget prepared = prepare(A, trial_parameters(cell, seed));
      for (std::uint64_t d : {1u, 2u, 5u, 17u, 40u}) {
        const Matrix X = trial_input(cell, A, seed, d);
        const testing::RationalMatrix Xq = testing::to_rational(X);
        const auto L = static_cast<std::size_t>(cell.L);
        Matrix G(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(d));
        for (std::size_t j = 0; j < L; ++j)
          for (std::uint64_t c = 0; c < d; ++c) G(j, c) = projection_entry(projection, 1, seed, j, c);
        Matrix P = Matrix::Zero(G.rows(), G.cols());
        for (std::size_t i = 0; i < L; ++i) {
          const auto supp = A.support(i);
          const auto b = prepared.B.row(i);
          for (std::size_t t = supp.size(); t-- > 0;)
            for (std::uint64_t c = 0; c < d; ++c) P(i, c) += b[t] * G(supp[t], c);
        }
        const Enclosure scale = nested_scale_enclosure(projection, d);
        const Rational c_d = ideal_scale(projection, d);
        ASSERT_LE(Rational(scale.lower), c_d);
        ASSERT_GE(Rational(scale.upper), c_d);
        double Z = 0.0;
        std::vector<double> g_norm(L);
        for (std::size_t j = 0; j < L; ++j) Z = std::max(Z, g_norm[j] = detail::norm_upper(G.row(j).data(), G.cols()));
        for (std::size_t i = 0; i < L; ++i) {
          const auto supp = A.support(i);
          const auto b = prepared.B.row(i);
          double N = 0.0, beta = 0.0;
          for (std::size_t t = 0; t < supp.size(); ++t) {
            N += std::abs(b[t]) * g_norm[supp[t]] * (1 + 1e-15);
            beta += std::abs(b[t]) * (1 + 1e-15);
          }
          const double P_i = detail::norm_upper(P.row(i).data(), P.cols());
          const double e32 = nested_score_error_upper(d, supp.size(), P_i, N, beta, Z, scale, ScoreArithmetic::binary32);
          const double e64 = nested_score_error_upper(d, supp.size(), P_i, N, beta, Z, scale, ScoreArithmetic::binary64);
          EXPECT_LT(e32, static_cast<double>(d + 3) * (0x1p-24 * (P_i + N) * Z + 0x1p-148))
              << "the bound is of the order of d u32 times the norms, plus binary32's underflow";
          EXPECT_LT(e64, 1e-9) << "the bound is of the order of u times the norms";
          for (std::size_t j = 0; j < L; ++j) {
            float U32 = 0.0f;
            double U64 = 0.0;
            for (std::uint64_t c = d; c-- > 0;) {
              U32 += static_cast<float>(P(i, c)) * static_cast<float>(G(j, c));
              U64 += P(i, c) * G(j, c);
            }
            Rational S = 0;
            for (std::uint64_t c = 0; c < d; ++c) S += Xq(i, c) * Xq(j, d + c);
            EXPECT_LE(abs(Rational(U32) - S / c_d), Rational(e32))
                << to_string(projection) << " binary32, k " << k << " d " << d << " (" << i << ", " << j << ")";
            EXPECT_LE(abs(Rational(U64) - S / c_d), Rational(e64))
                << to_string(projection) << " binary64, k " << k << " d " << d << " (" << i << ", " << j << ")";
          }
        }
      }
    }
  }
}

// Step C's binary32 bound is proved for d <= 2^22 only: beyond, there is no
// bound (every row goes to the certifier), never a small or negative one.
TEST(OnePass, NoBoundBeyondTheBinary32Range) {
  const Enclosure scale = nested_scale_enclosure(Projection::gaussian, std::uint64_t{1} << 22);
  const double at_limit = nested_score_error_upper(std::uint64_t{1} << 22, 2, 1.0, 1.0, 2.0, 1.0, scale,
                                                     ScoreArithmetic::binary32);
  EXPECT_TRUE(std::isfinite(at_limit));
  EXPECT_GT(at_limit, 0.25);  // gamma32 at d = 2^22 is 1/3
  for (std::uint64_t d : {(std::uint64_t{1} << 22) + 1, std::uint64_t{1} << 24, std::uint64_t{1} << 30})
    EXPECT_EQ(nested_score_error_upper(d, 2, 1.0, 1.0, 2.0, 1.0, nested_scale_enclosure(Projection::gaussian, d),
                                       ScoreArithmetic::binary32),
              std::numeric_limits<double>::infinity())
        << d;
}

// The scale's enclosure is tight: a few ulp wide.
TEST(OnePass, ScaleEnclosesTheIdealScale) {
  for (Projection projection : {Projection::gaussian, Projection::rademacher, Projection::achlioptas})
    for (std::uint64_t d : {1ull, 2ull, 3ull, 7ull, 1000ull, 65537ull, (1ull << 31) - 1}) {
      const Enclosure c = nested_scale_enclosure(projection, d);
      const Rational exact = ideal_scale(projection, d);
      EXPECT_LE(Rational(c.lower), exact);
      EXPECT_GE(Rational(c.upper), exact);
      EXPECT_LE(c.upper - c.lower, 8 * std::ldexp(1.0, -52) * c.upper);
    }
}

// rescaled_entries gives projection_entry's bits at d from the entry at d = 1.
TEST(OnePass, RescaledEntryIsTheEntryAtD) {
  for (Projection projection : {Projection::gaussian, Projection::rademacher, Projection::achlioptas})
    for (std::size_t d : {1u, 2u, 3u, 10u, 333u, 4096u})
      for (std::size_t i = 0; i < 20; ++i)
        for (std::size_t j = 0; j < 20; ++j) {
          const double at_one = projection_entry(projection, 1, 99, i, j);
          const double at_d = projection_entry(projection, d, 99, i, j);
          double rescaled = 0.0;
          rescaled_entries(projection, d, std::span<const double>(&at_one, 1), std::span<double>(&rescaled, 1));
          EXPECT_EQ(std::bit_cast<std::uint64_t>(rescaled), std::bit_cast<std::uint64_t>(at_d));
        }
}

// A row whose R1 spread lies within a relative 1e-9 of eps, below it and
// above it: its binary32 scores (error about d u32) cannot decide it, its
// binary64 scores certify, respectively refute, it without the certifier,
// and the verdict is that of certifying the emitted X^(d).
TEST(OnePass, RowsBinary32LeavesOpenAreDecidedInBinary64) {
  const Cell cell = cell_of(48, 3, Projection::gaussian, 2.0);
  ResourcePolicy policy;
  policy.threads = 1;
  ChosenDimension dimension;
  dimension.d = 1200;
  std::size_t tried = 0, in_binary64 = 0;
  for (std::uint64_t trial = 0; trial < 4; ++trial) {
    const Target A = draw_target(cell, 4321 + trial);
    ConstructionParameters parameters = trial_parameters(cell, 777 + trial);
    parameters.gap_Delta = lemma2_gap_Delta(cell.eps, cell.gamma);  // the gap of eps = 2, kept below
    const PreparedTarget loose = prepare(A, parameters);
    const Certificate at_two = certify_emitted(loose, emit_input(loose, dimension, 1), policy);
    if (at_two.verdict != Verdict::certified) continue;
    ++tried;
    for (const bool above : {true, false}) {
      parameters.eps = above ? at_two.eps_hat.upper * (1 + 1e-9) : at_two.eps_hat.lower * (1 - 1e-9);
      const PreparedTarget tight = prepare(A, parameters);
      ASSERT_EQ(emit_input(tight, dimension, 1), emit_input(loose, dimension, 1)) << "the same gap, the same X";
      const OnePassResult pass = one_pass_certificates(tight, {dimension.d}, policy);
      in_binary64 += pass.rows_in_binary64[0];
      EXPECT_EQ(pass.rows_to_certifier[0], 0u) << "binary64 decides every row binary32 leaves open";
      EXPECT_EQ(pass.verdicts[0], certify_emitted(tight, emit_input(tight, dimension, 1), policy).verdict);
      EXPECT_EQ(pass.verdicts[0], above ? Verdict::certified : Verdict::refuted);
    }
  }
  EXPECT_GE(tried, 2u);
  EXPECT_GE(in_binary64, 2 * tried) << "each tight instance sends its worst row to binary64";
}

// Around the transition, where both verdicts occur: the pass's verdict and
// row norm at every d are those of emitting X^(d) and certifying it.
TEST(OnePass, VerdictsEqualCertifyingEachD) {
  unsigned certified = 0, refuted = 0;
  for (Projection projection : {Projection::gaussian, Projection::rademacher}) {
    for (std::uint64_t k : {1u, 2u}) {
      const Cell cell = cell_of(32, k, projection, 2.0);
      for (std::uint64_t trial = 0; trial < 3; ++trial) {
        const Target A = draw_target(cell, 1000 + trial);
        const PreparedTarget prepared = prepare(A, trial_parameters(cell, 500 + trial));
        std::vector<std::uint64_t> ds;
        for (std::uint64_t d = 1; d <= 1200; d = d * 5 / 4 + 1) ds.push_back(d);
        ResourcePolicy policy;
        policy.threads = 1;
        const OnePassResult pass = one_pass_certificates(prepared, ds, policy);
        ASSERT_EQ(pass.verdicts.size(), ds.size());
        for (std::size_t m = 0; m < ds.size(); ++m) {
          ChosenDimension dimension;
          dimension.d = ds[m];
          const Matrix X = emit_input(prepared, dimension, 1);
          EXPECT_EQ(pass.verdicts[m], certify_emitted(prepared, X, policy).verdict) << "d = " << ds[m];
          const std::vector<double> norms = input_row_norms(X);
          EXPECT_EQ(pass.max_input_row_norm[m], *std::max_element(norms.begin(), norms.end()));
          certified += pass.verdicts[m] == Verdict::certified;
          refuted += pass.verdicts[m] == Verdict::refuted;
        }
      }
    }
  }
  EXPECT_GT(certified, 10U);
  EXPECT_GT(refuted, 10U);
}

// The bound on a row's computed norm (emitted_row_norm_upper, the proof
// page's "largest input row norm") is at least the double input_row_norms()
// computes on the emitted X^(d), for every row, law, support size and d, and
// within a factor 1 + 1e-9 of it (a loose bound would make the pruning useless).
TEST(OnePass, RowNormBoundCoversTheComputedNorm) {
  for (Projection projection : {Projection::gaussian, Projection::rademacher, Projection::achlioptas})
    for (std::uint64_t k : {1u, 3u, 8u})
      for (double eps : {0.25, 2.0}) {
        const Cell cell = cell_of(24, k, projection, eps);
        const Target A = draw_target(cell, 5 + k);
        const std::uint64_t seed = 900 + k;
        const PreparedTarget prepared = prepare(A, trial_parameters(cell, seed));
        const auto L = static_cast<std::size_t>(cell.L);
        for (std::uint64_t d : {1u, 2u, 3u, 16u, 257u}) {
          const Matrix X = trial_input(cell, A, seed, d);
          const std::vector<double> norms = input_row_norms(X);
          // G's rows and P = fl(B G) (Lemma 4's order), their norm bounds over the first d columns.
          Matrix G(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(d));
          for (std::size_t j = 0; j < L; ++j)
            for (std::uint64_t c = 0; c < d; ++c) G(j, c) = projection_entry(projection, 1, seed, j, c);
          Matrix P = Matrix::Zero(G.rows(), G.cols());
          std::vector<double> g_norm(L);
          for (std::size_t j = 0; j < L; ++j) g_norm[j] = detail::norm_upper(G.row(j).data(), G.cols());
          const Enclosure scale = nested_scale_enclosure(projection, d);
          for (std::size_t i = 0; i < L; ++i) {
            const auto supp = A.support(i);
            const auto b = prepared.B.row(i);
            for (std::size_t t = 0; t < supp.size(); ++t)
              for (std::uint64_t c = 0; c < d; ++c) P(i, c) += b[t] * G(supp[t], c);
            double N = 0.0, beta = 0.0;
            for (std::size_t t = 0; t < supp.size(); ++t) {
              N = detail::add_up(N, detail::mul_up(std::abs(b[t]), g_norm[supp[t]]));
              beta = detail::add_up(beta, std::abs(b[t]));
            }
            const double bound = emitted_row_norm_upper(d, supp.size(), detail::norm_upper(P.row(i).data(), P.cols()), N,
                                                        beta, g_norm[i], scale);
            ASSERT_GE(bound, norms[i]) << to_string(projection) << " k " << k << " d " << d << " row " << i;
            // Loose only where Step E2's triangle inequality over the support is (k > 1, few columns).
            if (supp.size() == 1) {
              EXPECT_LE(bound, norms[i] * (1 + 1e-9) + 1e-150) << "d " << d << " row " << i;
            }
          }
        }
      }
}

// The pruned maximum is the maximum over all rows, bit for bit, where rows
// tie (Rademacher and Achlioptas at d = 1, 2: every row of R has the same
// norm), on the smallest targets, and on the families whose rows look alike.
TEST(OnePass, LargestRowNormEqualsTheFullMaximum) {
  Parameters p;
  p.families = {parse_family("random"), parse_family("window")};
  for (const FamilySpec& family : p.families)
    for (Projection projection : {Projection::gaussian, Projection::rademacher, Projection::achlioptas})
      for (std::uint64_t L : {2u, 3u, 40u})
        for (std::uint64_t k : {1u, 2u}) {
          if (k > L) continue;
          Cell cell = cell_of(L, k, projection, 1.0);
          cell.family = family;
          const Target A = draw_target(cell, 71 + L);
          const PreparedTarget prepared = prepare(A, trial_parameters(cell, 33 + L));
          const std::vector<std::uint64_t> ds = {1, 2, 3, 5, 64, 100};
          ResourcePolicy policy;
          policy.threads = 1;
          const OnePassResult pass = one_pass_certificates(prepared, ds, policy);
          for (std::size_t m = 0; m < ds.size(); ++m) {
            ChosenDimension dimension;
            dimension.d = ds[m];
            const std::vector<double> norms = input_row_norms(emit_input(prepared, dimension, 1));
            EXPECT_EQ(std::bit_cast<std::uint64_t>(pass.max_input_row_norm[m]),
                      std::bit_cast<std::uint64_t>(*std::max_element(norms.begin(), norms.end())))
                << family.name() << " " << to_string(projection) << " L " << L << " k " << k << " d " << ds[m];
          }
        }
}

// The baseline X = [B | I]: the same verdict as certifying it.
TEST(OnePass, TrivialBaselineEqualsCertifyingIt) {
  for (double eps : {0.5, 1.0, 2.0})
    for (std::uint64_t k : {1u, 2u, 4u}) {
      const Cell cell = cell_of(24, k, Projection::gaussian, eps);
      const Target A = draw_target(cell, 31 + k);
      const PreparedTarget prepared = prepare(A, trial_parameters(cell, 7));
      ChosenDimension dimension;
      dimension.d = cell.L;
      dimension.trivial = true;
      ResourcePolicy policy;
      policy.threads = 1;
      EXPECT_EQ(trivial_certificate(prepared, policy),
                certify_emitted(prepared, emit_input(prepared, dimension, 1), policy).verdict);
    }
}

// A whole cell: run_cell with one pass per trial and with each d certified
// on its own give the same JSON (counts, quantiles, bounds, norms).
TEST(OnePass, AuditResultsEqualProbingEachD) {
  Parameters p;
  p.L = {16, 48};
  p.k = {1, 2};
  p.trials = 6;
  p.max_d = 2048;
  p.families = {parse_family("random"), parse_family("window")};
  bool both = false;
  for (const Cell& cell : cells(p)) {
    Hooks each_d;
    each_d.each_d = true;
    const nlohmann::json one = cell_json(run_cell(p, cell, nullptr, 2));
    const nlohmann::json separate = cell_json(run_cell(p, cell, nullptr, 2, each_d));
    EXPECT_EQ(one.dump(), separate.dump()) << cell.id();
    unsigned c = 0, r = 0;
    for (const auto& probe : one.at("search").at("probes")) {
      c += probe.at("certified").get<unsigned>();
      r += probe.at("refuted").get<unsigned>();
    }
    both = both || (c > 0 && r > 0);
  }
  EXPECT_TRUE(both) << "some cell has certified and refuted trials";
}

}  // namespace
}  // namespace jlattn::audit
