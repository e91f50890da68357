/// \file report.hpp
/// \brief report.json for a construction: every parameter, every derived
/// quantity in the order of the proof, and the evaluation (double precision,
/// labelled as such: it is not a certificate).
#pragma once

#include <nlohmann/json.hpp>

#include "jlattn/construction.hpp"

namespace jlattn::io {

/// The report of one construction. Numbers are JSON numbers printed to
/// round-trip exactly; infinities (e.g. ln gamma_hat of a row with full
/// support) are written as null with the reason in a sibling field.
nlohmann::json construction_report(const Construction& c);

}  // namespace jlattn::io
