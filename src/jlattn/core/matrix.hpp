/// \file matrix.hpp
/// \brief Dense matrix type shared by every step: row-major float64, the same
/// layout as a C-order NumPy array, so rows stream and files map one to one.
#pragma once

#include <Eigen/Dense>

namespace jlattn {

/// Dense row-major double matrix (rows are tokens).
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A read-only view of a Matrix or of a block of whole-row slices of one
/// (e.g. the left d columns of X), without copying.
using MatrixView = Eigen::Ref<const Matrix, 0, Eigen::OuterStride<>>;

}  // namespace jlattn
