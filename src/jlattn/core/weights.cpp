#include "jlattn/core/weights.hpp"

#include <string>

#include "jlattn/core/errors.hpp"

namespace jlattn {

Weights Weights::from_matrix(Matrix W) {
  std::vector<std::size_t> chosen(static_cast<std::size_t>(W.cols()), static_cast<std::size_t>(W.rows()));
  bool selector = W.cols() > 0;
  for (Eigen::Index r = 0; r < W.rows() && selector; ++r)
    for (Eigen::Index c = 0; c < W.cols(); ++c) {
      const double w = W(r, c);
      if (w == 0.0) continue;
      auto& slot = chosen[static_cast<std::size_t>(c)];
      if (w != 1.0 || slot != static_cast<std::size_t>(W.rows())) { selector = false; break; }
      slot = static_cast<std::size_t>(r);
    }
  for (std::size_t r : chosen)
    if (r == static_cast<std::size_t>(W.rows())) selector = false;
  if (selector) return Weights::selector(static_cast<std::size_t>(W.rows()), std::move(chosen));
  Weights w;
  w.rows_ = W.rows();
  w.cols_ = W.cols();
  w.dense_ = std::move(W);
  return w;
}

Weights Weights::selector(std::size_t m, std::vector<std::size_t> rows) {
  for (std::size_t r : rows)
    if (r >= m) throw InputError("selector row " + std::to_string(r) + " is outside 0.." + std::to_string(m - 1));
  Weights w;
  w.rows_ = static_cast<Eigen::Index>(m);
  w.cols_ = static_cast<Eigen::Index>(rows.size());
  w.selected_ = std::move(rows);
  return w;
}

Weights Weights::lemma4_query(std::size_t d) {
  if (d < 1) throw InputError("W_Q needs d >= 1");
  std::vector<std::size_t> rows(d);
  for (std::size_t c = 0; c < d; ++c) rows[c] = c;
  return selector(2 * d, std::move(rows));
}

Weights Weights::lemma4_key(std::size_t d) {
  if (d < 1) throw InputError("W_K needs d >= 1");
  std::vector<std::size_t> rows(d);
  for (std::size_t c = 0; c < d; ++c) rows[c] = d + c;
  return selector(2 * d, std::move(rows));
}

Eigen::Index Weights::contiguous_offset() const {
  if (!is_selector()) return -1;
  for (std::size_t c = 0; c < selected_.size(); ++c)
    if (selected_[c] != selected_[0] + c) return -1;
  return static_cast<Eigen::Index>(selected_[0]);
}

Matrix Weights::to_dense() const {
  if (!is_selector()) return dense_;
  Matrix W = Matrix::Zero(rows_, cols_);
  for (Eigen::Index c = 0; c < cols_; ++c) W(static_cast<Eigen::Index>(selected_[static_cast<std::size_t>(c)]), c) = 1.0;
  return W;
}

}  // namespace jlattn
