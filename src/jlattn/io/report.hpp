/// \file report.hpp
/// \brief report.json for a construction: every parameter, every derived
/// quantity in the order of the proof, and the evaluation (double precision,
/// labelled as such: it is not a certificate).
#pragma once

#include <nlohmann/json.hpp>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"

namespace jlattn::io {

/// The report of one construction. Numbers are JSON numbers printed to
/// round-trip exactly; infinities (e.g. ln gamma_hat of a row with full
/// support) are written as null with the reason in a sibling field.
/// With a certificate of the emitted matrices, report.json carries its
/// verdict under "certificate" next to the double-precision "evaluation".
nlohmann::json construction_report(const Construction& c, const Certificate* certificate = nullptr);

/// A certificate as JSON: verdict, enclosures of eps_hat and gamma_hat, the
/// witness when refuted, and how the verdict was reached.
nlohmann::json certificate_report(const Certificate& cert);

}  // namespace jlattn::io
