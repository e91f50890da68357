/// \file report.hpp
/// \brief The JSON the program writes about a run: report.json of a
/// construction (every parameter, every derived quantity in the order of the
/// proof, the double-precision evaluation labelled as such, the
/// certificate), the certificate of `certify --json`, Theorem 2's
/// projection certificate, and `bound --json`. The functions that return a
/// string return the whole file: the JSON indented by two spaces and a final
/// newline; those that return JSON values are the parts every front end
/// shares (the command line, the Python module).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn::io {

/// Theorem 2's shared projection as report.json records it (`construct --uniform`).
struct UniformProjectionRecord {
  std::string certificate_json;  ///< the projection certificate (projection_certificate_json(), or its file read back)
  std::string file;              ///< the file that keeps it
  bool reused = false;           ///< read back from `file` instead of computed by this run
};

/// report.json of one construction and the certificate of what it emitted
/// (under "certificate", next to the double-precision "evaluation"), and,
/// with `uniform`, Theorem 2's projection under "uniform_projection". Numbers
/// are JSON numbers printed to round-trip exactly; infinities (e.g. ln
/// gamma_hat of a row with full support) are written as null with the reason
/// in a sibling field.
/// \pre certificate is certify_emitted()'s of c.X (construct_and_certify()).
/// \throws InputError when uniform->certificate_json is not a JSON object.
/// Guarantee: a pure function of its arguments; every number reads back as the same double.
std::string construction_report_json(const Construction& c, const Certificate& certificate,
                                     const UniformProjectionRecord* uniform = nullptr);

/// A certificate as JSON: verdict, enclosures of eps_hat and gamma_hat, the
/// witness when refuted, and how the verdict was reached; with `lower_bound`,
/// also the lower bound at the certified matrices' norms (lower_bound_at_norms())
/// under "d_lower", labelled as the theorem it is.
/// Guarantee: a pure function of its arguments; every number reads back as the same double.
std::string certificate_json(const Certificate& cert, const LowerBoundAtNorms* lower_bound = nullptr);

/// What a projection certificate is about: the R it certifies (FNV-1a of
/// its bits, fnv1a.hpp) and the class, (eps, gamma) and gap it was certified
/// for (gap_Delta as given to certify_projection(); unset: Lemma 2's gap).
struct ProjectionIdentity {
  std::string r_fnv1a;
  std::size_t L = 0, d = 0, k = 0;
  double rho = 0.0, eps = 0.0, gamma = 0.0;
  std::optional<double> gap_Delta;
};

/// Theorem 2's projection certificate as JSON: the condition, the class,
/// the gap ("gap_Delta" as given, null for Lemma 2's; "Delta" enclosed),
/// the verdict, the enclosures of mu(R) and tau_u, the witness and how it
/// was reached; with a non-empty `r_fnv1a`, also "R_fnv1a" (the file that
/// `construct --uniform` keeps, so a later run can tell which R it certifies).
/// Guarantee: a pure function of its arguments; every number reads back as the same double.
std::string projection_certificate_json(const ProjectionCertificate& cert, const std::string& r_fnv1a = "");

/// The verdict a stored projection certificate (the text of a file written
/// by projection_certificate_json()) records, when it is about `identity`;
/// nothing when it is about another R, class or gap (or records no gap): the
/// stored "Delta" has to be the point the certificate's tau_u was computed
/// at, the given gap or lemma2_gap_Delta() (so a file written before the gap
/// was rounded up, which holds an interval, is not taken for this B's).
/// \throws InputError naming `source` when the text is not a projection
///   certificate (not a JSON object, or no verdict).
/// Guarantee: exact (numbers compared as the doubles and integers they are).
std::optional<std::string> projection_certificate_verdict(const std::string& text, const ProjectionIdentity& identity,
                                                          const std::string& source);

// ---- `jlattn bound --json` ------------------------------------------------------

/// An enclosure as {"lower": ..., "upper": ...}, an infinite end as null.
/// Guarantee: exact (every number reads back as the same double).
nlohmann::json enclosure_json(const Enclosure& e);

/// A number, or null.
/// Guarantee: exact.
nlohmann::json optional_json(const std::optional<double>& x);

/// One dimension bound with its proof status: name, label, theorem,
/// formula, the projections it is valid for, whether it was computed, d
/// (null above 2^64), tightness, the enclosure behind it ("value", or
/// "union_bound_over_delta_at_d" for the union-bound forms), how it was
/// established, its note, and where it falls below L. An entry of
/// bound_report_json()'s "bounds"; new bounds of rigorous_bounds() appear
/// with no change here.
/// Guarantee: exact.
nlohmann::json bound_json(const DimensionBound& b);

/// The lower bound d_lower at one norm budget (an entry of "lower_bounds").
/// Guarantee: exact.
nlohmann::json lower_bound_json(const DimensionLowerBound& b);

/// Lemma 4's norm budget ("lemma4_norm_budget").
/// Guarantee: exact.
nlohmann::json norm_budget_json(const NormBudget& n);

/// `jlattn bound --json` for one query: the program, the parameters, how
/// rigorous the numbers are, the derived enclosures, every bound of
/// report.bounds (bound_json()), the lower bounds, Lemma 4's norm budget, the
/// smallest bound valid for each projection of `laws`, and `elapsed_ms`, the
/// time the computation took (the one number that is not a function of the
/// query).
/// \pre report from rigorous_bounds().
/// Guarantee: a pure function of its arguments; every number reads back as the same double.
nlohmann::json bound_report_json(const BoundReport& report, const std::vector<Projection>& laws, double elapsed_ms);

}  // namespace jlattn::io
