#!/usr/bin/env python3
"""An independent, from-scratch Python re-implementation of jlattn's sampling
recipe (docs/reproducibility.md): Philox4x32-10 from its round function, the
53-bit uniform, portable_log, Marsaglia's polar method, and the Rademacher
and Achlioptas word rules. It shares no code with the C++ library, so when it
reproduces the frozen values of the C++ tests bit for bit, both are checked.

    reference_random.py            check the frozen values of R and the normals
    reference_random.py --demo     also rebuild the demo's X at its default
                                   dimension (L = 64, d = d_pair = 6387) from
                                   scratch and check its checksum (about 6 s;
                                   ctest runs this form)
    reference_random.py --demo-dstar   the same at Theorem 1's d* = 16236
                                   (`jlattn demo --bound dstar`, about 15 s)

The demo's d is computed here from the formula (Theorem 1' d_pair, or
Theorem 1's d*, in double precision) and compared with the value that
tools/crosscheck_bounds.py computes independently with mpmath at 40 digits
(d_pair = ceil(6386.6045815...) = 6387, d* = ceil(16235.7693531...) = 16236;
both far from an integer, so double precision cannot move the ceiling).
"""
import math
import pathlib
from decimal import Decimal, localcontext
from fractions import Fraction
import re
import struct
import sys

MASK = 0xFFFFFFFF
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85


def philox(seed, counter):
    """Philox4x32-10 keyed by the 64-bit seed (low word first)."""
    k0, k1 = seed & MASK, seed >> 32
    c = list(counter)
    for r in range(10):
        if r:
            k0, k1 = (k0 + PHILOX_W0) & MASK, (k1 + PHILOX_W1) & MASK
        p0, p1 = PHILOX_M0 * c[0], PHILOX_M1 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & MASK, (p0 >> 32) ^ c[3] ^ k1, p0 & MASK]
    return c


def uniform53(w0, w1):
    return float((w0 << 21) | (w1 >> 11)) * 2.0**-53


# Stream tags (the fourth counter word), written out here as the recipe fixes
# them; the C++ library names them once in src/jlattn/core/random_streams.hpp
# (enum class Stream), and main() checks that these copies agree with it.
STREAM_GAUSSIAN = 0        # Stream::gaussian_projection
STREAM_RADEMACHER = 1      # Stream::rademacher_projection
STREAM_ACHLIOPTAS = 2      # Stream::achlioptas_projection
STREAM_EXAMPLE_WEIGHT = 7  # Stream::example_weight
STREAMS_HEADER = pathlib.Path(__file__).resolve().parent.parent / "src" / "jlattn" / "core" / "random_streams.hpp"


LN2_HI = float.fromhex("0x1.62e42feep-1")
LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")
SQRT_HALF = float.fromhex("0x1.6a09e667f3bcdp-1")
ODD_RECIPROCALS = [1.0 / (2 * k + 1) for k in range(1, 14)]


def portable_log(x):
    m, e = math.frexp(x)
    if m < SQRT_HALF:
        m, e = m * 2.0, e - 1
    g = m - 1.0
    f = g / (m + 1.0)
    f2 = f * f
    p = ODD_RECIPROCALS[-1]
    for coefficient in reversed(ODD_RECIPROCALS[:-1]):
        p = p * f2 + coefficient
    log_m = g - (g * f - 2.0 * f * f2 * p)
    de = float(e)
    return de * LN2_HI + (de * LN2_LO + log_m)


def standard_normal(seed, i, j, tag):
    for attempt in range(64):
        w = philox(seed, [i, j, attempt, tag])
        u, v = 2.0 * uniform53(w[0], w[1]) - 1.0, 2.0 * uniform53(w[2], w[3]) - 1.0
        s = u * u + v * v
        if 0.0 < s < 1.0:
            return u * math.sqrt(-2.0 * portable_log(s) / s)
    return 0.0


def projection_entry(kind, d, seed, i, j):
    if kind == "gaussian":
        return standard_normal(seed, i, j, STREAM_GAUSSIAN) / math.sqrt(float(d))
    if kind == "rademacher":
        b = 1.0 / math.sqrt(float(d))
        return b if philox(seed, [i, j, 0, STREAM_RADEMACHER])[0] >> 31 == 0 else -b
    a = math.sqrt(3.0 / float(d))
    for attempt in range(64):
        for w in philox(seed, [i, j, attempt, STREAM_ACHLIOPTAS]):
            if w < 6 * (2**32 // 6):
                r = w % 6
                return a if r == 0 else (-a if r == 1 else 0.0)
    return 0.0


def fnv1a(values):
    h = 0xCBF29CE484222325
    for x in values:
        for byte in struct.pack("<d", x):
            h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# Frozen values of tests/core/reproducible_random_test.cpp and
# tests/proof/lemma3_jl_projection_test.cpp.
FROZEN_NORMALS = [
    ((0, 0, 0, 0), 0xBFE497243147E87F),
    ((2106037642, 0, 0, 0), 0x3FFDDD1D983B761D),
    ((2106037642, 1, 2, 0), 0x3FE9C4E32291879B),
    ((2106037642, 63, 255, 0), 0xBFF4359260FE7E92),
    ((2**64 - 1, MASK, MASK, MASK), 0xBFE56477DB2DA6F9),
    ((0x299F31D0A4093822, 12345, 678, 3), 0x3FE79EE79BB34DDB),
    ((2106037642, 0, 4, 0), 0xBFF0469FD3FFF2A6),
]
FROZEN_PROJECTIONS = {"gaussian": 0x679688359E7400EE, "rademacher": 0x55B31A7B2A3F4BA5, "achlioptas": 0xD4B8D99F8C637BD9}
# tests/proof/theorem1_one_target_test.cpp, FrozenDemoInputChecksum: (d, checksum of X)
# for the demo's default bound (d_pair, Gaussian) and for --bound dstar.
FROZEN_DEMO = {"pair": (6387, 0x8F0CBFAADA9F5331), "dstar": (16236, 0xC68FBF671A289F91)}


def ceil_double(q):
    """The smallest double >= the rational q."""
    f = float(q)  # correctly rounded
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def lemma2_gap_Delta(eps, gamma):
    """Lemma 2's gap as the construction uses it: the smallest double >=
    ln(1/gamma) + eps. decimal's ln is correctly rounded, so at 60 digits the
    real value lies within one unit of the last digit of the one computed;
    both ends of that interval must round up to the same double."""
    with localcontext() as context:
        context.prec = 60
        log_gamma = Decimal(gamma).ln()  # Decimal(float) is exact
    unit = Fraction(10) ** (log_gamma.adjusted() - 59)
    centre = Fraction(eps) - Fraction(log_gamma)
    lower, upper = ceil_double(centre - unit), ceil_double(centre + unit)
    if lower != upper:
        raise ValueError(f"ln(1/{gamma}) + {eps} is too close to a double for 60 digits")
    return lower


def demo_input_checksum(bound="pair", L=64, seed=2106037642, eps=1.0, gamma=0.1, delta=0.05):
    """Rebuild jlattn demo's X = [B R | R] with the recipe of the C++ code."""
    rows = []
    for i in range(L):
        cols = sorted({0, *range(max(0, i - 1), min(L - 1, i + 1) + 1)})
        rows.append({j: 1.0 + float(philox(seed, [i, j, 0, STREAM_EXAMPLE_WEIGHT])[0] % 4) for j in cols})
    rows[0] = {0: 1.0, 1: 4.0}
    delta_gap = lemma2_gap_Delta(eps, gamma)
    rho = max(portable_log(max(r.values()) / min(r.values())) for r in rows)
    k = max(len(r) for r in rows)
    top = delta_gap + rho
    beta = math.sqrt(delta_gap * delta_gap + float(k - 1) * top * top)
    if bound == "dstar":  # Theorem 1: ceil(2 ln(4 L^2/delta) / (tau^2/2 - tau^3/3)), tau = eta/beta
        tau = (eps / 2) / beta
        d = int(math.ceil(2 * math.log(4 * float(L) * float(L) / delta) / (tau * tau / 2 - tau * tau * tau / 3)))
    else:  # Theorem 1': ceil(ln(k L (L-1)/delta) (6 beta^2/eps^2 + (2 + 2 sqrt 2) beta/eps))
        d = int(math.ceil(math.log(k * L * (L - 1) / delta) *
                          (6 * beta * beta / (eps * eps) + (2 + 2 * math.sqrt(2)) * beta / eps)))
    R = [[projection_entry("gaussian", d, seed, i, c) for c in range(d)] for i in range(L)]
    values = []
    for i, row in enumerate(rows):
        a_i = min(row.values())
        b = {j: delta_gap + (0.0 if w == a_i else portable_log(w / a_i)) for j, w in row.items()}
        left = [0.0] * d
        for j in sorted(b):
            for c in range(d):
                left[c] += b[j] * R[j][c]
        values.extend(left)
        values.extend(R[i])
    return d, fnv1a(values)


def stream_tags_of_the_header():
    """The enumerators of enum class Stream in random_streams.hpp: {name: value}."""
    text = STREAMS_HEADER.read_text(encoding="utf-8")
    body = text[text.index("enum class Stream"):]
    body = body[:body.index("};")]
    return {name: int(value, 0) for name, value in re.findall(r"^\s*(\w+)\s*=\s*(0x[0-9A-Fa-f]+|\d+),", body, re.M)}


def main(argv):
    problems = []
    header = stream_tags_of_the_header()
    ours = {"gaussian_projection": STREAM_GAUSSIAN, "rademacher_projection": STREAM_RADEMACHER,
            "achlioptas_projection": STREAM_ACHLIOPTAS, "example_weight": STREAM_EXAMPLE_WEIGHT}
    for name, value in ours.items():
        if header.get(name) != value:
            problems.append(f"stream tag {name}: {value} here, {header.get(name)} in {STREAMS_HEADER.name}")
    known = [
        ((0, [0, 0, 0, 0]), [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
        ((2**64 - 1, [MASK] * 4), [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
        ((0x299F31D0A4093822, [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344]),
         [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
    ]
    for (seed, counter), expected in known:
        if philox(seed, counter) != expected:
            problems.append(f"Philox published vector for key {seed:#x} not reproduced")
    for args, expected in FROZEN_NORMALS:
        got = bits(standard_normal(*args))
        if got != expected:
            problems.append(f"standard_normal{args}: {got:#x}, C++ tests froze {expected:#x}")
    for kind, expected in FROZEN_PROJECTIONS.items():
        got = fnv1a(projection_entry(kind, 256, 2106037642, i, j) for i in range(64) for j in range(256))
        if got != expected:
            problems.append(f"{kind} R(64 x 256) checksum {got:#x}, C++ tests froze {expected:#x}")
    demos = [b for flag, b in (("--demo", "pair"), ("--demo-dstar", "dstar")) if flag in argv]
    for bound in demos:
        d, got = demo_input_checksum(bound)
        want_d, want_x = FROZEN_DEMO[bound]
        print(f"demo ({bound}): d = {d}, checksum of X = {got:#x}")
        if d != want_d or got != want_x:
            problems.append(f"demo X ({bound}): d = {d}, checksum {got:#x}; C++ tests froze d = {want_d}, {want_x:#x}")
    for p in problems:
        print(p)
    checked = len(ours) + len(known) + len(FROZEN_NORMALS) + len(FROZEN_PROJECTIONS) + len(demos)
    print(f"{checked - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
