"""The module's API: what construct, certify, bound and explain return, that
X is the library's memory (no copy) and read-only, that W_Q and W_K are
Lemma 4's selectors made on first use, that the defaults are the library's,
that the GIL is released during a long call, and that the stubs describe
the compiled module."""

import ast
import inspect
import math
import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import jlattn
from jlattn import _jlattn
from conftest import README_TARGET


@pytest.fixture(scope="module")
def readme():
    return jlattn.construct(README_TARGET, eps=1.0, gamma=0.1)


def address(a):
    return a.__array_interface__["data"][0]


def test_construct_returns_the_construction_and_its_certificate(readme):
    r = readme
    assert isinstance(r, jlattn.Construction)
    assert r.d == 434  # d_chernoff of the README's target (jlattn bound --target), which --d auto takes
    assert r.X.shape == (4, 2 * r.d) and r.X.dtype == np.float64 and r.X.flags.c_contiguous
    assert r.report["dimensions"]["d"] == r.d
    assert r.report["certificate"] == r.certificate.as_dict()
    c = r.certificate
    assert c.verdict == "certified" and c.witness is None
    lo, hi = c.eps_hat
    assert isinstance(lo, float) and lo <= r.report["evaluation"]["eps_hat"] <= hi <= 1.0
    assert c.rows == 4 and c.rows_decided_by_filter + c.rows_decided_by_exact_pass + c.rows_undecided == 4
    assert r.target.L == 4 and r.target.k == 2 and r.target.nnz == 7
    assert np.array_equal(r.target.dense(), README_TARGET)


def test_x_is_a_read_only_view_of_the_library_memory(readme):
    a, b = readme.X, readme.X
    assert address(a) == address(b)  # the same memory each time: no copy
    assert not a.flags.writeable and not a.flags.owndata
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    # The view keeps the construction alive.
    X = jlattn.construct(README_TARGET, eps=1.0, gamma=0.1, d=8).X
    import gc
    gc.collect()
    assert X.shape == (4, 16) and np.isfinite(X).all()


def test_weights_are_lemma4_selectors_made_once(readme):
    d = readme.d
    WQ, WK = readme.W_Q, readme.W_K
    assert WQ.shape == WK.shape == (2 * d, d)
    assert np.array_equal(WQ[:d], np.eye(d)) and not WQ[d:].any()
    assert np.array_equal(WK[d:], np.eye(d)) and not WK[:d].any()
    assert address(readme.W_Q) == address(WQ) and not WQ.flags.writeable
    S = (readme.X @ WQ) @ (readme.X @ WK).T
    assert np.array_equal(S, readme.X[:, :d] @ readme.X[:, d:].T)


def test_weights_refused_above_the_memory_limit():
    r = jlattn.construct(README_TARGET, eps=1.0, gamma=0.1, d=3000, max_memory="100M")
    with pytest.raises(MemoryError, match=r"^W_Q \(2d x d\) for d = 3000 needs about "):
        r.W_Q


def test_certify_with_and_without_weights(readme):
    c = jlattn.certify(README_TARGET, readme.X, eps=1.0, gamma=0.1)
    # construct's certificate comes from its one scoring pass (double
    # precision for every row), certify's from the float32 pass and a
    # refinement: the same verdict, enclosures of the same number.
    assert c.verdict == readme.certificate.verdict == "certified"
    for name in ("eps_hat", "gamma_hat", "log_gamma_hat"):
        (a, b), (p, q) = getattr(c, name), getattr(readme.certificate, name)
        assert max(a, p) <= min(b, q), name
    assert c.d_lower == c.as_dict()["d_lower"] and c.d_lower["name"] == "d_lower"
    dense = jlattn.certify(README_TARGET, readme.X, readme.W_Q, readme.W_K, eps=1.0, gamma=0.1)
    assert dense.eps_hat == c.eps_hat and dense.verdict == "certified"
    refuted = jlattn.certify(README_TARGET, readme.X, eps=0.1, gamma=0.1)
    assert refuted.verdict == "refuted"
    w = refuted.witness
    assert (w.i, w.condition) == (0, "R1") and {w.j, w.j_prime} == {0, 1} and w.margin[0] > 0
    with pytest.raises(ValueError, match="^give both W_Q and W_K"):
        jlattn.certify(README_TARGET, readme.X, readme.W_Q, eps=1.0, gamma=0.1)
    with pytest.raises(ValueError, match="^Lemma 4's selectors .* need X with 2d columns, got 3$"):
        jlattn.certify(README_TARGET, np.ones((4, 3)), eps=1.0, gamma=0.1)
    with pytest.raises(ValueError, match="^X has 3 rows, the target has L = 4$"):
        jlattn.certify(README_TARGET, np.ones((3, 4)), eps=1.0, gamma=0.1)
    with pytest.raises(TypeError):
        jlattn.certify(README_TARGET, readme.X, 1.0, 0.1)  # eps and gamma are keywords


def test_certify_limits_give_an_honest_undecided(readme):
    c = jlattn.certify(README_TARGET, readme.X, eps=1.0, gamma=0.1, exact_only=True, max_exact_work=0)
    assert c.verdict == "undecided" and "multiply-adds" in c.undecided_reason and c.witness is None


def achieved_pair(A, X):
    """(eps_hat, ln gamma_hat) of softmax((X W_Q)(X W_K)^T) with Lemma 4's
    selectors, from Definition 2's per-row quantities, independently of the
    library: the scores exactly (rationals: a double is one), the
    logarithms at 200 digits. ln M_ij - ln M_ij' = S_ij - S_ij', so no
    softmax is needed."""
    mpmath = pytest.importorskip("mpmath")
    d = X.shape[1] // 2
    Q = [[Fraction(v) for v in row[:d].tolist()] for row in X]
    K = [[Fraction(v) for v in row[d:].tolist()] for row in X]
    eps_hat, log_gamma_hat = mpmath.mpf(0), mpmath.mpf("-inf")
    with mpmath.workdps(200):
        for i, q in enumerate(Q):
            S = [sum(a * b for a, b in zip(q, k)) for k in K]
            score = [mpmath.mpf(s.numerator) / s.denominator for s in S]
            support = [j for j in range(len(S)) if A[i, j] > 0]
            f = [score[j] - mpmath.log(A[i, j]) for j in support]
            eps_hat = max(eps_hat, max(f) - min(f))
            outside = [score[j] for j in range(len(S)) if A[i, j] == 0]
            if outside:
                log_gamma_hat = max(log_gamma_hat, max(outside) - min(score[j] for j in support))
    return eps_hat, log_gamma_hat


def contains(enclosure, value):
    lower, upper = enclosure
    return lower <= value <= upper  # mpmath compares a float exactly


@pytest.mark.parametrize("eps, gamma, verdict", [(1.0, 0.1, "certified"), (0.1, 0.1, "refuted"),
                                                 (1.0, 0.01, "refuted")])
def test_float32_off_changes_no_verdict(readme, eps, gamma, verdict):
    # --no-float32: the double stage scores every row. The verdict is the
    # same, and both certificates enclose the same achieved pair, computed
    # here without the library.
    on = jlattn.certify(README_TARGET, readme.X, eps=eps, gamma=gamma)
    off = jlattn.certify(README_TARGET, readme.X, eps=eps, gamma=gamma, float32=False)
    assert on.verdict == off.verdict == verdict
    assert on.rows_decided_in_float32 > 0 and off.rows_decided_in_float32 == off.rows_refined_in_double == 0
    assert on.rows_decided_by_filter == off.rows_decided_by_filter == 4
    eps_hat, log_gamma_hat = achieved_pair(README_TARGET, readme.X)
    for c in (on, off):
        assert contains(c.eps_hat, eps_hat) and contains(c.log_gamma_hat, log_gamma_hat)
    if verdict == "refuted":
        assert on.witness.condition == off.witness.condition and on.witness.i == off.witness.i
    with pytest.raises(TypeError, match="float32"):
        jlattn.certify(README_TARGET, readme.X, eps=eps, gamma=gamma, float32=0)


@pytest.mark.parametrize("gap", [math.nan, math.inf, -math.inf])
def test_a_gap_that_is_not_finite_raises_value_error(gap):
    # The command line's parser refuses these as text ("--gap-Delta 'nan' is
    # NaN"); here the double reaches the library, whose check refuses it.
    for call in (jlattn.construct, jlattn.explain):
        with pytest.raises(ValueError, match=r"^gap-Delta has to be at least ln\(1/gamma\) \+ eps = .*, got -?(nan|inf)$"):
            call(README_TARGET, eps=1.0, gamma=0.1, gap_Delta=gap)
    with pytest.raises(TypeError):
        jlattn.construct(README_TARGET, eps=1.0, gamma=0.1, gap_Delta="5")


def test_bound_lists_every_bound_with_its_status():
    b = jlattn.bound(4, 2, 1.0, 0.1, rho=1.0986122886681098)
    by_name = {e["name"]: e for e in b["bounds"]}
    assert by_name["d_star"]["d"] == 3690 and by_name["d_pair"]["d"] == 1286
    assert by_name["trivial"]["d"] == 4
    for e in b["bounds"]:
        assert e["computed"] is (e["d"] is not None or e["exceeds_2_64"])
        assert isinstance(e["method"], str) and e["method"]
    assert b["smallest_valid"]["gaussian"] == {"name": "d_chernoff", "d": by_name["d_chernoff"]["d"]}
    assert by_name["d_chernoff"]["d"] < by_name["d_pair"]["d"]
    assert set(jlattn.bound(4, 2, 1.0, 0.1, projection="achlioptas")["smallest_valid"]) == {"achlioptas"}
    with pytest.raises(ValueError):
        jlattn.bound(1, 1, 1.0, 0.1)


def test_explain_writes_the_walkthrough():
    md = jlattn.explain(README_TARGET, name="A")
    assert md.startswith("# Walkthrough: Theorem 1 on A\n")
    assert "r = jlattn.construct(A, eps=1.0, gamma=0.1" in md and "d=3690" in md
    html = jlattn.explain(README_TARGET, format="html", d=16)
    assert html.lstrip().lower().startswith("<!doctype html>") and "refuted" in html
    with pytest.raises(ValueError, match="format"):
        jlattn.explain(README_TARGET, format="pdf")
    with pytest.raises(ValueError, match="33"):
        jlattn.explain(jlattn.demo_target(33))


def test_defaults_are_the_librarys():
    lib = _jlattn.defaults()
    construct = inspect.signature(jlattn.construct).parameters
    assert construct["delta"].default == lib["delta"]
    assert construct["seed"].default == lib["seed"] == jlattn.DEFAULT_SEED
    assert construct["projection"].default == lib["projection"]
    assert construct["bound"].default == lib["bound"] and construct["d"].default == "auto"
    certify = inspect.signature(jlattn.certify).parameters
    assert certify["max_precision"].default == lib["max_precision"]
    assert certify["max_exact_work"].default == lib["max_exact_work"]
    assert certify["float32"].default is lib["float32"] is True
    bound = inspect.signature(jlattn.bound).parameters
    assert bound["rho"].default == lib["bound_rho"] and bound["delta"].default == lib["bound_delta"]
    explain = inspect.signature(jlattn.explain).parameters
    assert explain["eps"].default == lib["eps"] and explain["gamma"].default == lib["gamma"]
    for signature in (construct, bound, explain):
        assert signature["gap_Delta"].default is lib["gap_Delta"] is None


def test_gil_is_released_during_a_long_call():
    A = jlattn.demo_target(3000)
    ticks = 0
    running = True

    def count():
        nonlocal ticks
        while running:
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.monotonic()
    jlattn.construct(A, eps=1.0, gamma=0.1, d=800, threads=1)
    elapsed = time.monotonic() - start
    running = False
    counter.join()
    # With the GIL held the counter would not run at all during the call.
    assert elapsed > 0.2, "the call is too short to tell"
    assert ticks > 0.2 * elapsed / 0.001 * 0.25, (ticks, elapsed)


def stub_names(tree):
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            own = {n.name if isinstance(n, ast.FunctionDef) else n.target.id
                   for n in node.body if isinstance(n, (ast.FunctionDef, ast.AnnAssign))}
            # A stub class lists its own members; it has its bases' too.
            for base in node.bases:
                own |= out.get(base.id, set()) if isinstance(base, ast.Name) else set()
            out[node.name] = own
        elif isinstance(node, ast.FunctionDef):
            out[node.name] = None
        elif isinstance(node, ast.AnnAssign):
            out[node.target.id] = None
    return out


def test_stubs_describe_the_compiled_module():
    stub = Path(_jlattn.__file__).with_name("_jlattn.pyi")
    names = stub_names(ast.parse(stub.read_text()))
    public = {n for n in dir(_jlattn) if not n.startswith("_")} | {"__version__"}
    assert set(names) == public
    for name, members in names.items():
        if members is None:
            continue
        cls = getattr(_jlattn, name)
        actual = {m for m in dir(cls) if not m.startswith("_")} | ({"__init__"} if "__init__" in members else set())
        assert members == actual, name
    assert set(jlattn.__all__) <= set(dir(jlattn))
