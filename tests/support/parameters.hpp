// Pipeline parameters the tests build often: every default of
// ConstructionParameters (parameters.hpp) but the dimension, which is given.
#pragma once

#include <cstddef>

#include "jlattn/pipeline/parameters.hpp"

namespace jlattn::testing {

/// The default parameters at the given dimension d (DimensionRule::given).
inline ConstructionParameters at_dimension(std::size_t d) {
  ConstructionParameters p;
  p.rule = DimensionRule::given;
  p.d = d;
  return p;
}

}  // namespace jlattn::testing
