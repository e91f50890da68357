/// \file multiprecision.hpp
/// \brief The one wrapper over MPFR and MPFI (private: included by .cpp files
/// only, so that multiprecision stays behind plain interfaces and out of the
/// headers most of the code compiles; dependencies pitfall 8). RAII classes
/// for an MPFR real and an MPFI interval, exact conversions from doubles,
/// integers and rationals, interval arithmetic and elementary functions with
/// outward rounding, and the extraction of an Enclosure rounded outward.
///
/// No comparison operator exists on an interval: `<`, `>`, `==` have no
/// meaning for two overlapping intervals (and Boost's mpfi_float terminates
/// the program on them). Only the decided comparisons below exist; each
/// looks at endpoints and says "certainly", so false means "not proved",
/// never "proved false".
///
/// Users: the rigorous bounds (bounds/rigorous_bounds.cpp, chernoff_bound.cpp,
/// lower_bound.cpp), the certifier's
/// exact pass (certify/certificate_exact.cpp), log_enclosure and
/// exp_enclosure (core/enclosure.cpp).
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "jlattn/core/enclosure.hpp"

namespace jlattn::mp {

static_assert(sizeof(unsigned long) == sizeof(std::uint64_t), "the *_ui functions of MPFR/MPFI carry 64-bit integers");

/// Working precision in bits.
using Precision = mpfr_prec_t;

/// An MPFR number of a fixed precision (RAII: initialised and cleared here,
/// never by hand).
class Real {
 public:
  explicit Real(Precision precision) { mpfr_init2(v_, precision); }
  Real(const Real&) = delete;
  Real& operator=(const Real&) = delete;
  ~Real() { mpfr_clear(v_); }
  mpfr_ptr get() { return v_; }
  mpfr_srcptr get() const { return v_; }

 private:
  mpfr_t v_;
};

/// An MPFI interval: it contains the exact real value of the expression that
/// computed it (every MPFI operation rounds its endpoints outward).
class Interval {
 public:
  explicit Interval(Precision precision) { mpfi_init2(v_, precision); }
  Interval(const Interval& other) {
    mpfi_init2(v_, mpfi_get_prec(other.v_));
    mpfi_set(v_, other.v_);
  }
  Interval(Interval&& other) noexcept {
    mpfi_init2(v_, MPFR_PREC_MIN);
    mpfi_swap(v_, other.v_);
  }
  Interval& operator=(const Interval& other) {
    if (this != &other) {
      mpfi_set_prec(v_, mpfi_get_prec(other.v_));
      mpfi_set(v_, other.v_);
    }
    return *this;
  }
  Interval& operator=(Interval&& other) noexcept {
    mpfi_swap(v_, other.v_);
    return *this;
  }
  ~Interval() { mpfi_clear(v_); }

  mpfi_ptr get() { return v_; }
  mpfi_srcptr get() const { return v_; }
  Precision precision() const { return mpfi_get_prec(v_); }
  mpfr_srcptr left() const { return &v_->left; }
  mpfr_srcptr right() const { return &v_->right; }
  /// The endpoints rounded outward to doubles: still an enclosure.
  Enclosure enclosure() const { return {mpfr_get_d(left(), MPFR_RNDD), mpfr_get_d(right(), MPFR_RNDU)}; }

 private:
  mpfi_t v_;
};

/// What an MPFI function takes for an operand: the interval's handle, or the
/// value itself.
inline mpfi_srcptr operand(const Interval& a) { return a.get(); }
template <class T>
T operand(T x) {
  return x;
}

/// A new interval of `precision`, set by one MPFI call set(result, operands...).
template <class Set, class... Operands>
Interval computed(Precision precision, Set set, const Operands&... operands) {
  Interval r(precision);
  set(r.get(), operand(operands)...);
  return r;
}

// ---------------------------------------------------------------------------
// Conversions. Each is exact when the precision holds the value (53 bits
// for any double, 64 for any 64-bit integer) and an enclosure otherwise.

/// \f$[x, x]\f$.
inline Interval point(Precision precision, double x) { return computed(precision, mpfi_set_d, x); }
/// \f$[n, n]\f$.
inline Interval integer(Precision precision, std::uint64_t n) { return computed(precision, mpfi_set_ui, n); }
/// Encloses the GMP rational q (for a Boost mpq_rational: `q.backend().data()`).
inline Interval rational(Precision precision, mpq_srcptr q) { return computed(precision, mpfi_set_q, q); }
/// Encloses \f$\pi\f$.
inline Interval pi_at(Precision precision) { return computed(precision, mpfi_const_pi); }

// ---------------------------------------------------------------------------
// Arithmetic: the result has the larger precision of the operands. (A double
// operand is written point(precision, x): an overload for double next to the
// integer ones would make `a + 1u` ambiguous.) Division by an interval that
// contains 0 gives an unbounded interval.

inline Precision max_precision(const Interval& a, const Interval& b) { return std::max(a.precision(), b.precision()); }

inline Interval operator+(const Interval& a, const Interval& b) { return computed(max_precision(a, b), mpfi_add, a, b); }
inline Interval operator-(const Interval& a, const Interval& b) { return computed(max_precision(a, b), mpfi_sub, a, b); }
inline Interval operator*(const Interval& a, const Interval& b) { return computed(max_precision(a, b), mpfi_mul, a, b); }
inline Interval operator/(const Interval& a, const Interval& b) { return computed(max_precision(a, b), mpfi_div, a, b); }
inline Interval operator+(const Interval& a, std::uint64_t n) { return computed(a.precision(), mpfi_add_ui, a, n); }
inline Interval operator-(const Interval& a, std::uint64_t n) { return computed(a.precision(), mpfi_sub_ui, a, n); }
inline Interval operator-(std::uint64_t n, const Interval& a) { return computed(a.precision(), mpfi_ui_sub, n, a); }
inline Interval operator*(const Interval& a, std::uint64_t n) { return computed(a.precision(), mpfi_mul_ui, a, n); }
inline Interval operator/(const Interval& a, std::uint64_t n) { return computed(a.precision(), mpfi_div_ui, a, n); }
inline Interval operator/(std::uint64_t n, const Interval& a) { return computed(a.precision(), mpfi_ui_div, n, a); }

// ---------------------------------------------------------------------------
// Elementary functions and set operations, at a's precision.

/// Encloses \f$e^t\f$ over a.
inline Interval exp_of(const Interval& a) { return computed(a.precision(), mpfi_exp, a); }
/// Encloses \f$\ln t\f$ over a (NaN endpoints where a reaches below 0).
inline Interval log_of(const Interval& a) { return computed(a.precision(), mpfi_log, a); }
/// Encloses \f$\ln(1 + t)\f$ over a (accurate where t is near 0, unlike log_of(1 + a)).
inline Interval log1p_of(const Interval& a) { return computed(a.precision(), mpfi_log1p, a); }
/// Encloses \f$\ln\Gamma(t)\f$ at the point a = [t, t], t > 0: MPFR's correctly
/// rounded lngamma in both directions (MPFI has no Gamma function).
/// \pre a is a point interval.
inline Interval lngamma_at_point(const Interval& a) {
  if (!mpfr_equal_p(a.left(), a.right())) throw std::logic_error("lngamma_at_point needs a point interval");
  Real lo(a.precision()), hi(a.precision());
  mpfr_lngamma(lo.get(), a.left(), MPFR_RNDD);
  mpfr_lngamma(hi.get(), a.left(), MPFR_RNDU);
  Interval r(a.precision());
  mpfi_interv_fr(r.get(), lo.get(), hi.get());
  return r;
}
/// Encloses \f$\sqrt t\f$ over a.
inline Interval sqrt_of(const Interval& a) { return computed(a.precision(), mpfi_sqrt, a); }
/// Encloses \f$t^2\f$ over a (tighter than a * a when a contains 0).
inline Interval sqr_of(const Interval& a) { return computed(a.precision(), mpfi_sqr, a); }
/// The smallest interval (at a's precision) that contains a and b.
inline Interval hull(const Interval& a, const Interval& b) {
  Interval r(a);
  mpfi_put(r.get(), b.get());
  return r;
}

// ---------------------------------------------------------------------------
// Decided comparisons: true only when the relation holds for every point of
// a and every point of b; false when it fails for some points or an
// endpoint is NaN.

inline bool certainly_le(const Interval& a, const Interval& b) { return mpfr_lessequal_p(a.right(), b.left()) != 0; }
inline bool certainly_lt(const Interval& a, const Interval& b) { return mpfr_less_p(a.right(), b.left()) != 0; }
inline bool certainly_gt(const Interval& a, const Interval& b) { return mpfr_greater_p(a.left(), b.right()) != 0; }
inline bool certainly_le(const Interval& a, double x) {
  return !std::isnan(x) && !mpfr_nan_p(a.right()) && mpfr_cmp_d(a.right(), x) <= 0;
}
inline bool certainly_gt(const Interval& a, double x) {
  return !std::isnan(x) && !mpfr_nan_p(a.left()) && mpfr_cmp_d(a.left(), x) > 0;
}

}  // namespace jlattn::mp
