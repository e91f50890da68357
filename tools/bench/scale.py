#!/usr/bin/env python3
"""Issue 7's scale benchmark, one run: the certifier against a plain DGEMM
and against NumPy, on the same constructed instances.

    python3 tools/bench/scale.py BUILD_BIN_DIR WORK_DIR [L ...]

For each L (default 4096 8192 16384 32768):

1. the target: token i attends to itself and to the global token 0, weights
   1 and 2 alternating (k <= 2, rho = ln 2), written as Matrix Market;
2. `jlattn construct --d d(L) --no-weights`: X = [B R | R] of Lemma 4, with
   d(L) = 2048 log2(L) / 15 rounded up to a multiple of 64 (the O(log L) of
   Theorem 1, anchored at the issue's d = 2048 for L = 32768; the proved
   bounds for the same instance are printed beside it);
3. each of the following as its own process under /usr/bin/time -v, so that
   every row of the table has its own wall time and peak resident memory:
   - `jlattn certify --lemma4` (the certificate: exact verdict), with the
     filter's scores by Eigen (`--product eigen`, the default before issue
     13) and, when the build has OpenBLAS, again with `--product openblas`
     (same verdict required; tools/bench/fastscore.py measures the defaults);
   - `bench_certify_vs_gemm gemm-eigen X.npy` and, when built with OpenBLAS,
     `gemm-openblas`: the plain DGEMM S = Q K^T of the same shape (L x d by
     d x L), the practical limit of any evaluation;
   - `tools/bench/numpy_definition2.py`: the uncertified evaluation of
     Definition 2 in NumPy (whole L x L score matrix, Debian's OpenBLAS).
   The OpenBLAS processes run without this workplace's OPENBLAS_CORETYPE
   pin (see openblas_env), so OpenBLAS uses its kernel for the processor.

Ratios are of whole-process wall times (each process reads the same X.npy
from the page cache; the DGEMM line also gives the product's own time).
The NumPy eps_hat and gamma_hat are checked against the certifier's
enclosures (to 1e-9 relative: NumPy's own rounding). Nothing here asserts a
timing; the figures are this machine's, now.
"""
import json
import math
import os
import re
import subprocess
import sys
import time

EPS, GAMMA = 1.0, 0.1


def d_of(L):
    return 64 * math.ceil(2048 * math.log2(L) / 15 / 64)


def write_target(path, L):
    with open(path, "w") as f:
        entries = [(i, j, 1 + (i + j) % 2) for i in range(L) for j in sorted({0, i})]
        f.write("%%MatrixMarket matrix coordinate real general\n")
        f.write(f"{L} {L} {len(entries)}\n")
        f.writelines(f"{i + 1} {j + 1} {w}\n" for i, j, w in entries)


def openblas_env():
    """The environment for the OpenBLAS processes: this workplace sets OPENBLAS_CORETYPE (and
    OPENBLAS_L2_SIZE) to pin an older kernel; both are dropped here, for those processes only, so
    OpenBLAS picks its kernel for this processor (each process prints which)."""
    return {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def timed(cmd, log, env=None):
    """Runs cmd under /usr/bin/time -v; returns (stdout, wall seconds, peak RSS MiB, exit code)."""
    with open(log, "w") as err:
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    text = open(log).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    parts = [float(v) for v in wall.split(":")]
    seconds = sum(v * 60 ** k for k, v in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return p.stdout, seconds, rss, p.returncode


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    Ls = [int(v) for v in sys.argv[3:]] or [4096, 8192, 16384, 32768]
    jlattn = os.path.join(bin_dir, "jlattn")
    bench = os.path.join(bin_dir, "bench_certify_vs_gemm")
    numpy_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numpy_definition2.py")
    os.makedirs(work, exist_ok=True)
    results = []
    for L in Ls:
        d = d_of(L)
        here = os.path.join(work, f"L{L}")
        os.makedirs(here, exist_ok=True)
        target = os.path.join(here, "A.mtx")
        write_target(target, L)
        t0 = time.perf_counter()
        c = subprocess.run([jlattn, "construct", "--target", target, "--eps", str(EPS), "--gamma", str(GAMMA),
                            "--d", str(d), "--no-weights", "--out", os.path.join(here, "out")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        construct_s = time.perf_counter() - t0
        if c.returncode not in (0, 3):
            raise SystemExit(f"construct failed at L = {L}: {c.stderr.strip()}")
        report = json.load(open(os.path.join(here, "out", "report.json")))
        x = os.path.join(here, "out", "X.npy")
        print(f"L = {L}, d = {d}: constructed in {construct_s:.1f} s (d* = {report['dimensions']['d_star_theorem1']})",
              flush=True)

        out, cert_s, cert_rss, rc = timed([jlattn, "certify", "--target", target, "--x", x, "--lemma4", "--eps",
                                           str(EPS), "--gamma", str(GAMMA), "--json", "--product", "eigen"],
                                          os.path.join(here, "certify.time"))
        if rc not in (0, 3, 4):
            raise SystemExit(f"certify failed at L = {L} (exit {rc})")
        cert = json.loads(out)
        row = {"L": L, "d": d, "d_star": report["dimensions"]["d_star_theorem1"], "verdict": cert["verdict"],
               "certify_s": cert_s, "certify_rss": cert_rss, "construct_s": construct_s}
        print(f"  certify        {cert_s:8.2f} s  {cert_rss:8.0f} MiB  {cert['verdict']} (filter: eigen)", flush=True)

        out, s, rss, rc = timed([jlattn, "certify", "--target", target, "--x", x, "--lemma4", "--eps", str(EPS),
                                 "--gamma", str(GAMMA), "--json", "--product", "openblas"],
                                os.path.join(here, "certify-openblas.time"), openblas_env())
        if rc in (0, 3, 4):
            other = json.loads(out)
            if other["verdict"] != cert["verdict"]:
                raise SystemExit(f"bench-scale: the two score products disagree at L = {L}")
            row["certify_openblas_s"], row["certify_openblas_rss"] = s, rss
            print(f"  certify        {s:8.2f} s  {rss:8.0f} MiB  {other['verdict']} "
                  f"(filter: {other['filter_product']})", flush=True)
        else:
            print("  certify --product openblas: not available in this build", flush=True)

        for lib in ("eigen", "openblas"):
            out, s, rss, rc = timed([bench, f"gemm-{lib}", x], os.path.join(here, f"gemm-{lib}.time"),
                                    openblas_env() if lib == "openblas" else None)
            if rc != 0:
                print(f"  gemm-{lib}: not available", flush=True)
                continue
            product = float(re.search(r"seconds=(\S+)", out).group(1))
            row[f"{lib}_s"], row[f"{lib}_rss"], row[f"{lib}_product_s"] = s, rss, product
            kernel = re.search(r"kernel=(\S+)", out).group(1)
            print(f"  gemm-{lib:9s}{s:8.2f} s  {rss:8.0f} MiB  (product alone {product:.2f} s, {kernel})", flush=True)

        out, s, rss, rc = timed(["/usr/bin/python3", numpy_script, target, x, str(EPS), str(GAMMA)],
                                os.path.join(here, "numpy.time"), openblas_env())
        if rc != 0:
            raise SystemExit(f"numpy failed at L = {L} (exit {rc}); see {here}/numpy.time")
        fields = dict(kv.split("=", 1) for kv in out.split()[1:])
        row["numpy_s"], row["numpy_rss"] = s, rss
        print(f"  numpy          {s:8.2f} s  {rss:8.0f} MiB  (matmul {fields['matmul_s']} s, "
              f"uncertified: {fields['uncertified_verdict']}, {fields['blas']})", flush=True)

        # Independent check: NumPy's plain evaluation lands in the certifier's enclosures.
        def inside(value, enclosure):
            lo, hi = enclosure["lower"], enclosure["upper"]
            hi = math.inf if hi is None else hi
            slack = 1e-9 * max(1.0, abs(value))
            return lo - slack <= value <= hi + slack
        row["numpy_agrees"] = (inside(float(fields["eps_hat"]), cert["eps_hat"])
                               and inside(float(fields["gamma_hat"]), cert["gamma_hat"]))
        print(f"  NumPy's eps_hat {fields['eps_hat']} and gamma_hat {fields['gamma_hat']} inside the certifier's "
              f"enclosures: {row['numpy_agrees']}", flush=True)
        results.append(row)

    print()
    print("| L | d (d*) | verdict | certify, Eigen: s (peak MiB) | certify, OpenBLAS: s (MiB) "
          "| DGEMM, Eigen: s (MiB) | DGEMM, OpenBLAS: s | NumPy: s (MiB) "
          "| certify/DGEMM (Eigen) | certify/DGEMM (OpenBLAS) | NumPy / certify (OpenBLAS) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def fmt(value, digits=1):
        return "-" if value is None else f"{value:.{digits}f}"

    for r in results:
        cob, ob = r.get("certify_openblas_s"), r.get("openblas_s")
        print(f"| {r['L']} | {r['d']} ({r['d_star']}) | {r['verdict']} | {r['certify_s']:.1f} ({r['certify_rss']:.0f}) "
              f"| {fmt(cob)} ({fmt(r.get('certify_openblas_rss'), 0)}) "
              f"| {r['eigen_s']:.1f} ({r['eigen_rss']:.0f}) | {fmt(ob)} | {r['numpy_s']:.1f} ({r['numpy_rss']:.0f}) "
              f"| {r['certify_s'] / r['eigen_s']:.2f} | {fmt(cob / ob if cob and ob else None, 2)} "
              f"| {fmt(r['numpy_s'] / cob if cob else None, 2)} |")
    if not all(r["numpy_agrees"] for r in results):
        raise SystemExit("bench-scale: NumPy's evaluation fell outside a certified enclosure (see above)")


if __name__ == "__main__":
    main()
