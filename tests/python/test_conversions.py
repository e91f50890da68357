"""Conversions, with hypothesis: every way of giving a target (dense array,
SciPy CSR/CSC/COO, a Matrix Market path, a Target) gives the same target and
the same X bit for bit; Python floats reach the library as the same doubles
and come back unchanged; bad input of any kind raises ValueError (or
TypeError for a value of the wrong type) with one line, never a crash."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import jlattn
from conftest import write_mtx

positive = st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False)
# Entries of valid targets: any double in a range whose constructions stay
# fast (extreme ranges are the certifier's tests' business, tests/certify/).
moderate = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def targets(draw, max_L=7):
    """A valid target as a dense array: L x L, entries >= 0, a positive entry in every row."""
    L = draw(st.integers(2, max_L))
    A = np.zeros((L, L))
    for i in range(L):
        cols = draw(st.lists(st.integers(0, L - 1), min_size=1, max_size=L, unique=True))
        for j in cols:
            A[i, j] = draw(moderate)
    return A


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(A=targets())
def test_every_form_of_a_target_gives_the_same_bits(tmp_path, A):
    reference = jlattn.target(A)
    assert np.array_equal(reference.dense(), A)
    forms = [sp.csr_matrix(A), sp.csc_matrix(A), sp.coo_matrix(A), sp.csr_array(A), A.tolist(),
             write_mtx(tmp_path / "A.mtx", A), str(tmp_path / "A.mtx"), reference]
    for form in forms:
        t = jlattn.target(form)
        assert np.array_equal(t.dense().view(np.uint64), A.view(np.uint64)), type(form)
    X = jlattn.construct(A, eps=1.0, gamma=0.1, d=3).X.view(np.uint64)
    for form in (sp.csr_matrix(A), tmp_path / "A.mtx"):
        assert np.array_equal(jlattn.construct(form, eps=1.0, gamma=0.1, d=3).X.view(np.uint64), X)


any_eps = st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False)
open_gamma = st.floats(min_value=5e-324, max_value=1.0, exclude_max=True, allow_nan=False)
open_delta = st.floats(min_value=1e-12, max_value=1.0, exclude_max=True, allow_nan=False)


# (eps, gamma, delta) in ranges the pipeline accepts: near gamma = 1, for huge
# eps or tiny delta its double-precision evaluations of Theorems 1 and 2
# (reported beside every construction) refuse the parameters.
@settings(max_examples=25)
@given(eps=st.floats(min_value=1e-3, max_value=1e3), gamma=st.floats(min_value=1e-300, max_value=0.99),
       delta=open_delta)
def test_floats_reach_the_library_exactly(eps, gamma, delta):
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    r = jlattn.construct(A, eps=eps, gamma=gamma, delta=delta, d=2)
    parameters = r.report["parameters"]
    assert (parameters["eps"], parameters["gamma"], parameters["delta"]) == (eps, gamma, delta)
    assert r.certificate.eps == eps and r.certificate.gamma == gamma
    c = jlattn.certify(A, r.X, eps=eps, gamma=gamma, max_exact_work=0)
    assert (c.eps, c.gamma) == (eps, gamma)
    # The neighbours are other doubles, and reach the library as such.
    up = math.nextafter(eps, math.inf)
    assert jlattn.certify(A, r.X, eps=up, gamma=gamma, max_exact_work=0).eps == up


@given(eps=any_eps, gamma=open_gamma)
def test_any_double_reaches_the_bounds_exactly(eps, gamma):
    # eta = eps / 2 (Lemma 2) is exact for every double above the smallest
    # normal one, so its enclosure is the point eps / 2: the double that was passed.
    try:
        b = jlattn.bound(64, 2, eps, gamma, rho=1.0)
    except ValueError as e:  # a parameter set the bounds refuse, in one line
        assert one_line(e)
        return
    lower, upper = b["derived"]["eta"]["lower"], b["derived"]["eta"]["upper"]
    assert lower <= eps / 2 <= upper
    if eps >= 2.2250738585072014e-308:
        assert lower == upper == eps / 2


def one_line(error):
    text = str(error)
    return text and "\n" not in text


@st.composite
def bad_targets(draw):
    """Arrays that are not targets, each with the reason."""
    L = draw(st.integers(2, 6))
    A = np.ones((L, L))
    kind = draw(st.sampled_from(["negative", "nan", "inf", "empty row", "not square", "too small", "3-D",
                                 "complex", "strings", "object", "huge integer", "long double"]))
    i, j = draw(st.integers(0, L - 1)), draw(st.integers(0, L - 1))
    if kind == "negative":
        A[i, j] = -draw(positive)
    elif kind == "nan":
        A[i, j] = math.nan
    elif kind == "inf":
        A[i, j] = math.inf
    elif kind == "empty row":
        A[i, :] = 0.0
    elif kind == "not square":
        A = np.ones((L, L + draw(st.integers(1, 3))))
    elif kind == "too small":
        A = np.ones((1, 1))
    elif kind == "3-D":
        A = np.ones((L, L, 1))
    elif kind == "complex":
        A = A.astype(complex)
    elif kind == "strings":
        A = A.astype(str)
    elif kind == "object":
        A = A.astype(object)
    elif kind == "long double":  # a dtype no target file holds (numpy.save writes '<f16')
        A = A.astype(np.longdouble)
    elif kind == "huge integer":
        A = A.astype(np.int64)
        A[i, j] = 2**62 + 1
    return kind, A


@given(case=bad_targets(), sparse=st.booleans())
def test_bad_targets_raise_value_error_in_one_line(case, sparse):
    kind, A = case
    if sparse:
        assume(A.ndim == 2 and A.dtype.kind in "fi")
        A = sp.coo_matrix(A)
    with pytest.raises(ValueError) as raised:
        jlattn.construct(A, eps=1.0, gamma=0.1, d=2)
    assert one_line(raised.value), kind


@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (0 < x < math.inf)),
                       st.integers(max_value=0)))
def test_bad_eps_raises_value_error_in_one_line(value):
    with pytest.raises(ValueError) as raised:
        jlattn.construct(np.eye(2), eps=value, gamma=0.1, d=2)
    assert one_line(raised.value)


@pytest.mark.parametrize("kwargs, error", [
    ({"eps": "1"}, TypeError),  # text is never parsed as a number
    ({"eps": True}, TypeError),
    ({"eps": 1 + 0j}, TypeError),
    ({"eps": 2**53 + 1}, ValueError),  # not a double
    ({"eps": np.longdouble(1) + np.finfo(np.longdouble).eps}, ValueError),
    ({"seed": -1}, ValueError),
    ({"seed": 2**64}, ValueError),
    ({"seed": 1.5}, TypeError),
    ({"threads": -1}, ValueError),
    ({"d": 2.0}, TypeError),
    ({"d": True}, TypeError),
    ({"max_memory": 0}, ValueError),
    ({"max_memory": "lots"}, ValueError),
    ({"projection": 1}, TypeError),
])
def test_bad_scalars(kwargs, error):
    arguments = {"eps": 1.0, "gamma": 0.1, "d": 2, **kwargs}
    with pytest.raises(error) as raised:
        jlattn.construct(np.eye(2), **arguments)
    assert one_line(raised.value)


@given(X=st.sampled_from([np.ones((2, 3)), np.ones((2, 4, 1)), np.full((2, 4), np.nan), np.ones((3, 4)),
                          np.ones((2, 4), dtype=complex), np.array([["a"] * 4] * 2)]))
def test_bad_matrices_raise_value_error_in_one_line(X):
    with pytest.raises(ValueError) as raised:
        jlattn.certify(np.eye(2), X, eps=1.0, gamma=0.1)
    assert one_line(raised.value)


@given(dtype=st.sampled_from([np.float16, np.float32, np.int8, np.int64, np.uint16, bool]))
def test_exact_dtypes_are_widened_exactly(dtype):
    X = np.arange(8).reshape(2, 4).astype(dtype)
    a = jlattn.certify(np.eye(2), X, eps=1.0, gamma=0.1)
    b = jlattn.certify(np.eye(2), X.astype(np.float64), eps=1.0, gamma=0.1)
    assert a.as_dict() == b.as_dict()
