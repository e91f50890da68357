/// \file report.hpp
/// \brief The JSON the program writes about a run, as text: report.json of a
/// construction (every parameter, every derived quantity in the order of the
/// proof, the double-precision evaluation labelled as such, the
/// certificate), the certificate of `certify --json`, and Theorem 2's
/// projection certificate. Each function returns the whole file: the JSON
/// indented by two spaces and a final newline.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"

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
/// its bits, fnv1a.hpp) and the class and (eps, gamma) it was certified for.
struct ProjectionIdentity {
  std::string r_fnv1a;
  std::size_t L = 0, d = 0, k = 0;
  double rho = 0.0, eps = 0.0, gamma = 0.0;
};

/// Theorem 2's projection certificate as JSON: the condition, the class,
/// the verdict, the enclosures of mu(R) and tau_u, the witness and how it
/// was reached; with a non-empty `r_fnv1a`, also "R_fnv1a" (the file that
/// `construct --uniform` keeps, so a later run can tell which R it certifies).
/// Guarantee: a pure function of its arguments; every number reads back as the same double.
std::string projection_certificate_json(const ProjectionCertificate& cert, const std::string& r_fnv1a = "");

/// The verdict a stored projection certificate (the text of a file written
/// by projection_certificate_json()) records, when it is about `identity`;
/// nothing when it is about another R or class.
/// \throws InputError naming `source` when the text is not a projection
///   certificate (not a JSON object, or no verdict).
/// Guarantee: exact (numbers compared as the doubles and integers they are).
std::optional<std::string> projection_certificate_verdict(const std::string& text, const ProjectionIdentity& identity,
                                                          const std::string& source);

}  // namespace jlattn::io
