"""The module and the command line agree bit for bit on the same inputs:
construct's X, W_Q, W_K and report.json; certify's certificate (JSON);
bound's whole JSON (integers, enclosures, proof status); explain's page but
its commands; and the one-line messages of bad input. Targets reach the command line as Matrix Market files whose
values are printed with repr (the same doubles)."""

import json

import numpy as np
import pytest
import scipy.sparse as sp

import jlattn
from conftest import README_TARGET, write_mtx


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def band(L):
    """A causal band: weight 2 on the diagonal, 1 just below (k = 2, rho = ln 2)."""
    return sp.diags([np.full(L, 2.0), np.ones(L - 1)], [0, -1], format="csr").toarray()


CASES = [
    # (target, options): the options as the command line spells them, and as Python keywords
    (README_TARGET, {"eps": 1.0, "gamma": 0.1}),
    (README_TARGET, {"eps": 0.7071067811865476, "gamma": 0.30000000000000004, "d": 37, "seed": 5}),
    (band(12), {"eps": 1.0, "gamma": 0.1, "d": "polar", "projection": "rademacher", "delta": 0.2}),
    (band(12), {"eps": 2.0, "gamma": 0.25, "d": "trivial"}),
    (band(9), {"eps": 0.5, "gamma": 0.1, "d": 300, "projection": "achlioptas", "seed": 2**64 - 1}),
    # Lemma 1's gap: B, the bound that chooses d (d_chernoff, then d_polar) and so X follow it.
    (README_TARGET, {"eps": 1.0, "gamma": 0.1, "gap_Delta": 5.0}),
    (band(12), {"eps": 0.5, "gamma": 0.25, "d": "polar", "projection": "rademacher", "gap_Delta": 2.5}),
    # The least gap accepted: ln(1/gamma) + eps rounded up to a double, the default gap.
    (README_TARGET, {"eps": 1.0, "gamma": 0.1, "d": 12, "gap_Delta": 3.302585092994046}),
]


def options(kwargs):
    """Python keywords as the command line's options (gap_Delta is --gap-Delta)."""
    args = []
    for key, value in kwargs.items():
        args += [f"--{key.replace('_', '-')}", repr(value) if isinstance(value, float) else str(value)]
    return args


@pytest.mark.parametrize("A, kwargs", CASES)
def test_construct_same_bits_and_report(tmp_path, cli, A, kwargs):
    target = write_mtx(tmp_path / "A.mtx", A)
    out = tmp_path / "out"
    run = cli("construct", "--target", target, *options(kwargs), "--out", out)
    assert run.returncode in (0, 3), run.stderr
    r = jlattn.construct(A, **kwargs)
    assert np.array_equal(bits(np.load(out / "X.npy")), bits(r.X))
    assert np.array_equal(bits(np.load(out / "W_Q.npy")), bits(r.W_Q))
    assert np.array_equal(bits(np.load(out / "W_K.npy")), bits(r.W_K))
    assert json.loads((out / "report.json").read_text()) == r.report
    assert (out / "report.json").read_text() == r.report_json()
    # The same from the file, from a Target, and from sparse matrices.
    for same in (target, jlattn.target(A), sp.csr_matrix(A), sp.coo_matrix(A), sp.csc_matrix(A)):
        assert np.array_equal(bits(jlattn.construct(same, **kwargs).X), bits(r.X))


@pytest.mark.parametrize("float32", [True, False])
@pytest.mark.parametrize("scaled", [False, True])
@pytest.mark.parametrize("eps, gamma", [(1.0, 0.1), (0.1, 0.1), (0.2, 0.05)])
def test_certify_same_certificate(tmp_path, cli, eps, gamma, scaled, float32):
    target = write_mtx(tmp_path / "A.mtx", README_TARGET)
    r = jlattn.construct(README_TARGET, eps=1.0, gamma=0.1, d=40)
    np.save(tmp_path / "X.npy", r.X)
    np.save(tmp_path / "W_Q.npy", r.W_Q)
    np.save(tmp_path / "W_K.npy", r.W_K)
    flags = (["--scaled"] if scaled else []) + ([] if float32 else ["--no-float32"])
    common = ["--target", target, "--x", tmp_path / "X.npy", "--eps", repr(eps), "--gamma", repr(gamma), "--json"]
    by_selectors = cli("certify", *common, "--lemma4", *flags)
    by_files = cli("certify", *common, "--wq", tmp_path / "W_Q.npy", "--wk", tmp_path / "W_K.npy", *flags)
    for run in (by_selectors, by_files):
        assert run.returncode in (0, 3), run.stderr
    c = jlattn.certify(README_TARGET, r.X, eps=eps, gamma=gamma, scaled=scaled, float32=float32)
    assert c.json() == by_selectors.stdout
    # The switch reached the filter (and only it: the verdict is the test below, test_api's).
    assert c.rows_decided_in_float32 == c.as_dict()["rows_decided_in_float32"]
    assert (c.rows_decided_in_float32 > 0) == float32
    dense = jlattn.certify(README_TARGET, r.X, r.W_Q, r.W_K, eps=eps, gamma=gamma, scaled=scaled, float32=float32)
    assert dense.json() == by_files.stdout
    assert c.as_dict() == json.loads(by_selectors.stdout)
    assert (c.witness is None) == (c.verdict != "refuted")


@pytest.mark.parametrize("query", [
    {"L": 4, "k": 2, "eps": 1.0, "gamma": 0.1, "rho": 1.0986122886681098},
    {"L": 4096, "k": 3, "eps": 0.5, "gamma": 0.01, "rho": 1.3862943611198906, "delta": 0.01},
    {"L": 2**40, "k": 1, "eps": 1.0, "gamma": 0.1},
    {"L": 100, "k": 100, "eps": 3.0, "gamma": 0.5, "rho": 10.0, "projection": "rademacher"},
])
def test_bound_same_integers_and_status(cli, query):
    # The whole of `jlattn bound --json`: every bound's integer, enclosure and
    # proof status, the derived enclosures, the smallest bound per projection;
    # only the time taken differs.
    run = cli("bound", *options(query), "--json")
    assert run.returncode == 0, run.stderr
    expected = json.loads(run.stdout)
    got = jlattn.bound(**query)
    assert isinstance(got.pop("elapsed_ms"), float) and isinstance(expected.pop("elapsed_ms"), float)
    assert [b["name"] for b in got["bounds"]] == [b["name"] for b in expected["bounds"]]
    assert got == expected
    assert any(b["computed"] and isinstance(b["d"], int) for b in got["bounds"])


BAD = [
    # (command line arguments after the target, Python call)
    (["--eps", "-1", "--gamma", "0.1"], lambda A: jlattn.construct(A, eps=-1.0, gamma=0.1)),
    (["--eps", "1", "--gamma", "1"], lambda A: jlattn.construct(A, eps=1.0, gamma=1.0)),
    (["--eps", "1", "--gamma", "0.1", "--delta", "1.5"], lambda A: jlattn.construct(A, 1.0, 0.1, delta=1.5)),
    (["--eps", "1", "--gamma", "0.1", "--d", "dstarr"], lambda A: jlattn.construct(A, 1.0, 0.1, d="dstarr")),
    (["--eps", "1", "--gamma", "0.1", "--d", "0"], lambda A: jlattn.construct(A, 1.0, 0.1, d=0)),
    (["--eps", "1", "--gamma", "0.1", "--d", "4294967296"], lambda A: jlattn.construct(A, 1.0, 0.1, d=2**32)),
    (["--eps", "1", "--gamma", "0.1", "--d", "pair", "--bound", "polar"],
     lambda A: jlattn.construct(A, 1.0, 0.1, d="pair", bound="polar")),
    (["--eps", "1", "--gamma", "0.1", "--projection", "cauchy"],
     lambda A: jlattn.construct(A, 1.0, 0.1, projection="cauchy")),
    (["--eps", "1", "--gamma", "0.1", "--projection", "rademacher", "--d", "pair"],
     lambda A: jlattn.construct(A, 1.0, 0.1, projection="rademacher", d="pair")),
    (["--eps", "1", "--gamma", "0.1", "--max-memory", "12Q"], lambda A: jlattn.construct(A, 1.0, 0.1, max_memory="12Q")),
]


@pytest.mark.parametrize("args, call", BAD)
def test_bad_input_same_message(tmp_path, cli, args, call):
    target = write_mtx(tmp_path / "A.mtx", README_TARGET)
    run = cli("construct", "--target", target, *args, "--out", tmp_path / "out")
    assert run.returncode == 2
    prefix = "jlattn: error: "
    assert run.stderr.startswith(prefix) and run.stderr.endswith("\n") and run.stderr.count("\n") == 1
    with pytest.raises(ValueError) as raised:
        call(README_TARGET)
    assert str(raised.value) == run.stderr[len(prefix):-1]


def test_memory_refusal_same_message(tmp_path, cli):
    target = write_mtx(tmp_path / "A.mtx", README_TARGET)
    run = cli("construct", "--target", target, "--eps", "1", "--gamma", "0.1", "--d", "100000", "--max-memory", "32M",
              "--no-weights", "--out", tmp_path / "out")
    assert run.returncode == 2
    with pytest.raises(MemoryError) as raised:
        jlattn.construct(README_TARGET, 1.0, 0.1, d=100000, max_memory="32M")
    assert str(raised.value) == run.stderr[len("jlattn: error: "):-1]
    with pytest.raises(MemoryError):
        jlattn.construct(README_TARGET, 1.0, 0.1, d=100000, max_memory=32 << 20)


def test_missing_file_same_message(tmp_path, cli):
    missing = tmp_path / "none.mtx"
    run = cli("construct", "--target", missing, "--eps", "1", "--gamma", "0.1", "--out", tmp_path / "out")
    with pytest.raises(ValueError) as raised:
        jlattn.construct(missing, 1.0, 0.1)
    assert str(raised.value) == run.stderr[len("jlattn: error: "):-1]


def test_version_is_the_command_lines(cli):
    assert cli("--version").stdout.strip() == f"jlattn {jlattn.__version__}"


def _bad_dense():
    negative = np.ones((3, 3))
    negative[1, 2] = -0.5
    empty_row = np.ones((3, 3))
    empty_row[2, :] = 0.0
    nan = np.eye(3)
    nan[0, 1] = np.nan
    huge = np.ones((3, 3), dtype=np.int64)
    huge[0, 0] = 2**62 + 1
    return [("negative", negative), ("empty row", empty_row), ("nan", nan), ("not square", np.ones((2, 3))),
            ("1 x 1", np.ones((1, 1))), ("3-D", np.ones((2, 2, 1))), ("complex", np.eye(2, dtype=complex)),
            ("huge integer", huge), ("long double", np.eye(2, dtype=np.longdouble))]


BAD_TARGETS = [(kind, A, sparse) for kind, A in _bad_dense() for sparse in (False, True)
               if not sparse or (A.ndim == 2 and A.dtype.kind in "fiu")]  # scipy.sparse: 2-D, real


@pytest.mark.parametrize("kind, A, sparse", BAD_TARGETS,
                         ids=[f"{kind}, {'sparse' if sparse else 'dense'}" for kind, _, sparse in BAD_TARGETS])
def test_bad_target_same_message_as_its_file(tmp_path, cli, kind, A, sparse):
    # An array (or a SciPy sparse matrix) is checked by the reader of the file
    # numpy.save (scipy.sparse.save_npz) would write: the message is the
    # command line's for that file, with the name given instead of the path.
    if sparse:
        A = sp.coo_matrix(A)
        path = tmp_path / "A.npz"
        sp.save_npz(path, A, compressed=False)
    else:
        path = tmp_path / "A.npy"
        np.save(path, A)
    run = cli("construct", "--target", path, "--eps", "1", "--gamma", "0.1", "--out", tmp_path / "out")
    assert run.returncode == 2, run.stdout
    prefix = "jlattn: error: "
    assert run.stderr.startswith(prefix) and run.stderr.count("\n") == 1
    with pytest.raises(ValueError) as raised:
        jlattn.target(A, name=str(path))
    assert str(raised.value) == run.stderr[len(prefix):-1]
    with pytest.raises(ValueError) as from_file:
        jlattn.construct(path, eps=1.0, gamma=0.1)
    assert str(from_file.value) == str(raised.value)


@pytest.mark.parametrize("gap", [1.0, 3.3025850929940455, -0.0])
def test_bad_gap_same_message(tmp_path, cli, gap):
    # Below ln(1/gamma) + eps (the second is the double just below its upper
    # end): the library's check, for construct and explain alike.
    target = write_mtx(tmp_path / "A.mtx", README_TARGET)
    common = ["--target", target, "--eps", "1", "--gamma", "0.1", "--gap-Delta", repr(gap)]
    runs = {"construct": cli("construct", *common, "--out", tmp_path / "out"),
            "explain": cli("explain", *common, "--out", tmp_path / "page.md")}
    calls = {"construct": lambda: jlattn.construct(README_TARGET, eps=1.0, gamma=0.1, gap_Delta=gap),
             "explain": lambda: jlattn.explain(README_TARGET, eps=1.0, gamma=0.1, gap_Delta=gap)}
    for command, run in runs.items():
        assert run.returncode == 2 and run.stderr.startswith("jlattn: error: gap-Delta has to be at least ")
        with pytest.raises(ValueError) as raised:
            calls[command]()
        assert str(raised.value) == run.stderr[len("jlattn: error: "):-1], command


COMMAND_LINES = ("jlattn explain ", "jlattn construct ", "jlattn certify ")
PYTHON_CALLS = ("jlattn.explain(", "r = jlattn.construct(", "jlattn.certify(")


@pytest.mark.parametrize("kwargs", [{"gap_Delta": 5.0, "d": 16}, {"gap_Delta": 4.0}, {"d": 16}])
def test_explain_same_page_but_its_commands(tmp_path, cli, kwargs):
    # Every number of the walkthrough is the command line's; only the lines
    # that say how to regenerate and check it are Python calls instead of
    # commands, and they repeat the gap.
    target = write_mtx(tmp_path / "A.mtx", README_TARGET)
    proofs = "https://example.org/proofs/"
    run = cli("explain", "--target", target, *options(kwargs), "--proofs", proofs, "--out", tmp_path / "page.md")
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "page.md").read_text().splitlines()
    ours = jlattn.explain(target, name=f"`{target}`", proofs=proofs, **kwargs).splitlines()
    assert len(ours) == len(page)
    differ = [(a, b) for a, b in zip(page, ours) if a != b]
    assert len(differ) == 3
    for command, call in differ:
        assert command.startswith(COMMAND_LINES) and call.startswith(PYTHON_CALLS), (command, call)
        if "gap_Delta" in kwargs and not command.startswith("jlattn certify "):
            assert f" --gap-Delta {kwargs['gap_Delta']:g}" in command
            assert f"gap_Delta={kwargs['gap_Delta']!r}" in call
