"""jlattn from Python: the constructive proof that fixed attention parameters
W_Q, W_K with query dimension d = O(log L) approximate every sparse L x L
attention pattern by changing only the input X (Likhosherstov, Choromanski
and Weller, arXiv 2106.03764), on your own targets, with the certificate of
what was emitted.

    >>> import jlattn, scipy.sparse as sp
    >>> A = sp.csr_matrix([[1., 2, 0, 0], [0, 1, 0, 0], [1, 0, 3, 0], [1, 0, 0, 1]])
    >>> r = jlattn.construct(A, eps=1, gamma=0.1)
    >>> r.certificate.verdict
    'certified'

The functions are the command line's subcommands (``jlattn construct``,
``certify``, ``bound``, ``explain``) with the same defaults, names and error
messages, on the same library calls: a target is a ``scipy.sparse`` matrix,
a dense array or a file path (read as ``jlattn construct --target`` reads
it); bad input raises ``ValueError`` with the command line's one-line
message (a message names an option the way the command line spells it:
``--d`` is ``d=``), a run that would need more memory than is available
raises ``MemoryError``, and Ctrl-C interrupts a long call
(``KeyboardInterrupt``). Floats are passed as the doubles they are, never
through text. docs/python.md has the whole story.
"""

from __future__ import annotations

import io
import math
import numbers
import operator
import os
from typing import Any, Optional, Union

import numpy as np

from . import _jlattn
from ._jlattn import Certificate, Construction, MatricesCertificate, Target, Witness

__version__: str = _jlattn.__version__

__all__ = [
    "Certificate",
    "MatricesCertificate",
    "Construction",
    "Target",
    "Witness",
    "__version__",
    "bound",
    "certify",
    "construct",
    "demo_target",
    "explain",
    "target",
]

#: The seed of the command line (``--seed``), the library's default.
DEFAULT_SEED = 2106037642

TargetLike = Union[Target, "os.PathLike[str]", str, Any]


# ---- conversions: Python values to the library's doubles and integers ------


def _real(name: str, x: Any) -> float:
    """x as the double it is: a real number whose value a double holds exactly."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if value != x and not math.isnan(value):
        raise ValueError(f"{name} = {x!r} is not exactly a double (pass a Python float)")
    return value


def _integer(name: str, x: Any, upper: int) -> int:
    """x as an integer in [0, upper)."""
    if isinstance(x, bool):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        value = operator.index(x)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}") from None
    if not 0 <= value < upper:
        bound = "2^64" if upper == 1 << 64 else "2^32" if upper == 1 << 32 else str(upper)
        raise ValueError(f"{name} must be an integer in [0, {bound}), got {value}")
    return value


def _text(name: str, x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a str, got {type(x).__name__}")
    return x


def _dimension(d: Any) -> str:
    """``d`` as ``--d`` spells it: a name, or an integer's decimal digits."""
    if isinstance(d, str):
        return d
    if isinstance(d, bool):
        raise TypeError("d must be a str or an int, got bool")
    try:
        return str(operator.index(d))
    except TypeError:
        raise TypeError(f"d must be a str or an int, got {type(d).__name__}") from None


def _gap(gap_Delta: Any) -> Optional[float]:
    """``gap_Delta`` as ``--gap-Delta`` passes it: None (not given) or its double."""
    return None if gap_Delta is None else _real("gap_Delta", gap_Delta)


def _max_memory(max_memory: Any) -> int:
    """``max_memory`` as ``--max-memory`` reads it; None is the memory available (0)."""
    if max_memory is None:
        return 0
    if isinstance(max_memory, str):
        return _jlattn.parse_memory_size(max_memory)
    return _jlattn.parse_memory_size(str(_integer("max_memory", max_memory, 1 << 64)))


def _float64(name: str, a: Any) -> np.ndarray:
    """A 2-D array of doubles, C-ordered, each entry exactly the value given."""
    array = np.asarray(a)
    kind = array.dtype.kind
    if kind == "f" and array.dtype.itemsize <= 8 or kind == "b":
        out = array.astype(np.float64, order="C", copy=False)  # no copy of a C-ordered float64 array
    elif kind == "f":
        out = array.astype(np.float64)
        if not np.all((out.astype(array.dtype) == array) | np.isnan(array)):
            raise ValueError(f"{name} has entries that are not exactly doubles (dtype {array.dtype}); "
                             "round them to float64 yourself")
    elif kind in "iu":
        if array.size and (int(array.max()) > 2**53 or int(array.min()) < -(2**53)):
            raise ValueError(f"{name} holds integers above 2^53 in magnitude, which need not be doubles; "
                             "convert it to float64 yourself")
        out = array.astype(np.float64, order="C", copy=False)
    else:
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return np.ascontiguousarray(out, dtype=np.float64)


def _sparse(A: Any) -> bool:
    try:
        import scipy.sparse
    except ImportError:
        return False
    return bool(scipy.sparse.issparse(A))


def target(A: TargetLike, *, name: str = "A", max_memory: Union[int, str, None] = None) -> Target:
    """The target of Definition 1 that ``A`` describes, validated.

    ``A`` is a :class:`Target` (returned as is); a path (``str`` or
    ``os.PathLike``) to a Matrix Market file, a dense ``.npy`` array or a
    SciPy ``.npz``, read as ``jlattn construct --target`` reads it; a
    ``scipy.sparse`` matrix or array, read as ``scipy.sparse.save_npz``
    would store it (its stored entries: a position stored twice is refused,
    zeros are off the support; formats other than CSR, CSC and COO are
    converted to CSR first); or anything ``numpy.asarray`` turns into an
    array, read as ``numpy.save`` would store it (a dense target). The
    entries have to be finite and >= 0, with a positive entry in every row,
    L >= 2; otherwise ``ValueError`` gives the command line's message for
    that file, naming the target ``name`` instead of a file. ``max_memory``
    bounds the reader's memory as ``--max-memory`` does.
    """
    if isinstance(A, Target):
        return A
    limit = _max_memory(max_memory)
    if isinstance(A, (str, os.PathLike)):
        return _jlattn.read_target_file(os.fspath(A), limit)
    name = _text("name", name)
    file = io.BytesIO()
    if _sparse(A):
        import scipy.sparse
        if A.format not in ("csr", "csc", "coo"):
            A = A.tocsr()
        scipy.sparse.save_npz(file, A, compressed=False)
    else:
        np.save(file, np.asarray(A))
    return _jlattn.read_target_bytes(file.getbuffer(), name, limit)


def demo_target(L: int = 64, seed: int = DEFAULT_SEED) -> Target:
    """The built-in target of ``jlattn demo``: L tokens, a local window of
    width 3 and one global token, integer weights 1..4 drawn from ``seed``
    (rho = ln 4)."""
    return _jlattn.demo_target(_integer("L", L, 1 << 64), _integer("seed", seed, 1 << 64))


# ---- the subcommands ---------------------------------------------------------


def construct(A: TargetLike, eps: float, gamma: float, delta: float = 0.05, d: Union[str, int] = "auto",
              bound: str = "auto", projection: str = "gaussian", seed: int = DEFAULT_SEED, threads: int = 0,
              max_memory: Union[int, str, None] = None, gap_Delta: Optional[float] = None) -> Construction:
    """Builds the input of the constructive proof for target ``A`` and
    certifies it: ``jlattn construct``.

    Lemma 1's B, Lemma 3's random projection R (``projection``, ``seed``) at
    the dimension ``d`` and Lemma 4's X = [B R | R]; then the certificate of
    softmax((X W_Q)(X W_K)^T) against A at (eps, gamma) with Lemma 4's
    W_Q = [I_d; 0], W_K = [0; I_d].

    ``d`` is ``"auto"`` (the smallest dimension proved for the projection),
    a proved bound by name (``"dstar"``, ``"exact"``, ``"pair"``,
    ``"polar"``), ``"trivial"`` (d = L) or an integer; ``bound`` is
    ``--bound``. ``gap_Delta`` is ``--gap-Delta``, Lemma 1's gap (None:
    ln(1/gamma) + eps rounded up to a double; a chosen gap has to be at
    least that). ``threads``
    (0: all cores) changes no bit of X.
    ``max_memory`` (bytes, or text such as ``"2G"``) refuses a run that
    would need more, before it allocates; by default the memory available.

    Returns a :class:`Construction`: ``X`` (L x 2d, a read-only view of the
    library's memory), ``W_Q`` and ``W_K`` (made on first use), ``report``
    (report.json as a dict) and ``certificate``. The same arguments give
    the same bits as the command line.
    """
    return _jlattn.construct(target(A, max_memory=max_memory), _real("eps", eps), _real("gamma", gamma),
                             _real("delta", delta), _dimension(d), _text("bound", bound), _gap(gap_Delta),
                             _text("projection", projection),
                             _integer("seed", seed, 1 << 64), _integer("threads", threads, 1 << 32),
                             _max_memory(max_memory))


def certify(A: TargetLike, X: Any, W_Q: Any = None, W_K: Any = None, *, eps: float, gamma: float,
            scaled: bool = False, product: str = "auto", threads: int = 0, max_precision: int = 1 << 14,
            max_exact_work: int = 500_000_000, exact_only: bool = False, float32: bool = True,
            max_memory: Union[int, str, None] = None) -> MatricesCertificate:
    """Proves or refutes that softmax(S), S = (X W_Q)(X W_K)^T, (eps,
    gamma)-approximates target ``A``: ``jlattn certify``.

    ``X`` is L x m, ``W_Q`` and ``W_K`` m x d (any real arrays whose entries
    are doubles exactly); without ``W_Q`` and ``W_K``, Lemma 4's selectors
    [I_d; 0] and [0; I_d] with d = m/2 (``--lemma4``). ``scaled`` certifies
    softmax(S / sqrt(d)). ``product`` (``"auto"``, ``"eigen"`` or ``"openblas"``),
    ``threads`` and the limits ``max_precision`` (bits) and
    ``max_exact_work`` (exact multiply-adds) are those of the command line;
    ``float32=False`` is ``--no-float32`` (the filter scores every row in
    double precision; the verdict does not depend on it, unless the exact
    pass hits one of those limits).

    Returns a :class:`MatricesCertificate` (a :class:`Certificate`, and
    ``d_lower``, the proved lower bound at these matrices' norms): ``verdict`` ('certified', 'refuted' or
    'undecided'), the enclosures ``eps_hat`` and ``gamma_hat`` as pairs of
    floats, the row counts, and ``witness`` (None unless refuted).
    """
    if not all(isinstance(flag, bool) for flag in (scaled, exact_only, float32)):
        raise TypeError("scaled, exact_only and float32 must be bool")
    return _jlattn.certify(target(A, max_memory=max_memory), _float64("X", X),
                           None if W_Q is None else _float64("W_Q", W_Q),
                           None if W_K is None else _float64("W_K", W_K), _real("eps", eps), _real("gamma", gamma),
                           scaled, _text("product", product), _integer("threads", threads, 1 << 32),
                           _integer("max_precision", max_precision, 1 << 32),
                           _integer("max_exact_work", max_exact_work, 1 << 64), exact_only, float32,
                           _max_memory(max_memory))


def bound(L: int, k: int, eps: float, gamma: float, rho: float = 0.0, delta: float = 0.05,
          projection: Optional[str] = None, gap_Delta: Optional[float] = None,
          norm_budget: Optional[float] = None) -> dict:
    """Every dimension bound of the theorems for the class (L, k, rho) at
    (eps, gamma, delta), each integer proved from MPFR/MPFI enclosures:
    ``jlattn bound --json``, as a dict.

    ``bounds`` lists every bound the library computes, each with its
    ``name``, ``label``, ``theorem``, ``d`` (an int; None above 2^64) and its
    proof status (``computed``, ``tight``, ``method``, ``note``, the
    enclosure behind it, ``valid_for``, and where it falls below L);
    ``lower_bounds`` has d_lower; ``derived`` the enclosures of eta, Delta,
    beta, tau ... as ``{"lower": ..., "upper": ...}``; ``smallest_valid``
    the smallest bound per projection (only ``projection`` when given).
    ``gap_Delta`` and ``norm_budget`` are ``--gap-Delta`` and
    ``--norm-budget``.
    """
    return _jlattn.bound(_integer("L", L, 1 << 64), _integer("k", k, 1 << 64), _real("eps", eps),
                         _real("gamma", gamma), _real("rho", rho), _real("delta", delta),
                         None if projection is None else _text("projection", projection),
                         _gap(gap_Delta),
                         None if norm_budget is None else _real("norm_budget", norm_budget))


def explain(A: TargetLike, eps: float = 1.0, gamma: float = 0.1, delta: float = 0.05, d: Union[str, int] = "dstar",
            projection: str = "gaussian", seed: int = DEFAULT_SEED, format: str = "markdown", name: str = "A",
            proofs: str = "proofs/", mathjax: Optional[str] = None, gap_Delta: Optional[float] = None) -> str:
    """The walkthrough of the proof on target ``A`` (L <= 32) with its real
    numbers, as Markdown (``format="markdown"``, GitHub-style ``$...$``
    math) or HTML (``format="html"``, formulas by MathJax): ``jlattn
    explain``.

    As on the command line, ``d`` defaults to ``"dstar"`` (Theorem 1's d*,
    which the page follows). ``name`` is how the page and its commands call
    the target; ``proofs`` is the prefix of the links to the proof pages
    (a path relative to where you save the page, or a URL); ``mathjax`` the
    MathJax 2 script of the HTML (default: Debian's libjs-mathjax).
    ``gap_Delta`` is ``--gap-Delta``, as for :func:`construct`; the page's
    commands repeat it.
    """
    if format not in ("markdown", "html"):
        raise ValueError(f"format must be 'markdown' or 'html', got {format!r}")
    A = target(A, name=name)
    eps, gamma, delta = _real("eps", eps), _real("gamma", gamma), _real("delta", delta)
    seed = _integer("seed", seed, 1 << 64)
    projection = _text("projection", projection)
    d_text = _dimension(d)
    gap = _gap(gap_Delta)
    w = _jlattn.walkthrough(A, eps, gamma, delta, gap, d_text, projection, seed)
    options = _jlattn.WalkthroughOptions()
    options.target_name = _text("name", name)
    arguments = f"eps={eps!r}, gamma={gamma!r}"
    draw = f"delta={delta!r}, seed={seed}, projection={projection!r}"
    if gap is not None:  # as the command line's pages repeat --gap-Delta
        draw += f", gap_Delta={gap!r}"
    options.command = f"jlattn.explain({name}, {arguments}, {draw}, d={d!r}, format={format!r})"
    used = '"trivial"' if w.trivial else str(w.d)
    options.check_command = (f"r = jlattn.construct({name}, {arguments}, {draw}, d={used})\n"
                             f"jlattn.certify({name}, r.X, {arguments})")
    options.proofs_prefix = _text("proofs", proofs)
    if mathjax is not None:
        options.mathjax_url = _text("mathjax", mathjax)
    return w.html(options) if format == "html" else w.markdown(options)
