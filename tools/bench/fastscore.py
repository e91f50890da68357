#!/usr/bin/env python3
"""Issue 13's measurement: the default certifier and `construct` against the
uncertified NumPy float64 check of Definition 2, on one instance, repeated.

    python3 tools/bench/fastscore.py BUILD_BIN_DIR WORK_DIR [L d [ROUNDS]]

(default L = 8192, d = 1024, 3 rounds). The instance is scale.py's target
(token i attends to itself and to the global token 0, weights 1 and 2
alternating) at (eps, gamma) = (1, 0.1), X built once by `jlattn construct
--d d --no-weights`. Each round runs, each as its own process under
/usr/bin/time -v and in this order:

  - `jlattn certify --lemma4` with its defaults (OpenBLAS where the build has
    it, float32 stage first);
  - `jlattn construct --d d --no-weights` (build X, evaluate, certify);
  - tools/bench/numpy_definition2.py (the whole L x L score matrix in
    float64, Debian's NumPy with OpenBLAS).

Printed: every process's wall seconds and peak resident memory, then the
median over the rounds of each and the ratios of the medians. Every process
runs without this workplace's OPENBLAS_CORETYPE pin (scale.openblas_env), so
OpenBLAS, ours and NumPy's alike, picks its kernel for the processor. The
certifier's verdict has to be the same in every round and NumPy's eps_hat
has to fall inside its enclosure (to 1e-9 relative); nothing asserts a
timing.
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402  (write_target, timed, openblas_env)


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    L = int(sys.argv[3]) if len(sys.argv) > 3 else 8192
    d = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    jlattn = os.path.join(bin_dir, "jlattn")
    numpy_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numpy_definition2.py")
    env = scale.openblas_env()
    os.makedirs(work, exist_ok=True)
    target = os.path.join(work, "A.mtx")
    scale.write_target(target, L)
    eps, gamma = str(scale.EPS), str(scale.GAMMA)
    construct = [jlattn, "construct", "--target", target, "--eps", eps, "--gamma", gamma, "--d", str(d),
                 "--no-weights", "--out", os.path.join(work, "out")]
    _, _, _, rc = scale.timed(construct, os.path.join(work, "construct-0.time"), env)
    if rc not in (0, 3):
        raise SystemExit(f"fastscore: construct failed (exit {rc})")
    x = os.path.join(work, "out", "X.npy")
    certify = [jlattn, "certify", "--target", target, "--x", x, "--lemma4", "--eps", eps, "--gamma", gamma, "--json"]
    numpy = ["/usr/bin/python3", numpy_script, target, x, eps, gamma]

    times = {"certify": [], "construct": [], "numpy": []}
    rss = {"certify": [], "construct": [], "numpy": []}
    verdicts = set()
    print(f"L = {L}, d = {d}, {rounds} rounds", flush=True)
    for r in range(1, rounds + 1):
        out, s, m, rc = scale.timed(certify, os.path.join(work, f"certify-{r}.time"), env)
        if rc not in (0, 3, 4):
            raise SystemExit(f"fastscore: certify failed (exit {rc})")
        cert = json.loads(out)
        verdicts.add(cert["verdict"])
        times["certify"].append(s)
        rss["certify"].append(m)
        print(f"  round {r}: certify   {s:7.2f} s {m:7.0f} MiB  {cert['verdict']}, {cert['filter_product']}, "
              f"{cert['rows_decided_in_float32']} rows in float32 ({cert['rows_refined_in_double']} refined), "
              f"{cert['rows_decided_by_filter'] - cert['rows_decided_in_float32']} in double, "
              f"{cert['rows_decided_by_exact_pass']} exact", flush=True)
        _, s, m, rc = scale.timed(construct, os.path.join(work, f"construct-{r}.time"), env)
        if rc not in (0, 3):
            raise SystemExit(f"fastscore: construct failed (exit {rc})")
        times["construct"].append(s)
        rss["construct"].append(m)
        print(f"  round {r}: construct {s:7.2f} s {m:7.0f} MiB", flush=True)
        out, s, m, rc = scale.timed(numpy, os.path.join(work, f"numpy-{r}.time"), env)
        if rc != 0:
            raise SystemExit(f"fastscore: numpy failed (exit {rc})")
        fields = dict(kv.split("=", 1) for kv in out.split()[1:])
        times["numpy"].append(s)
        rss["numpy"].append(m)
        lo, hi = cert["eps_hat"]["lower"], cert["eps_hat"]["upper"]
        value = float(fields["eps_hat"])
        slack = 1e-9 * max(1.0, abs(value))
        if not lo - slack <= value <= hi + slack:
            raise SystemExit(f"fastscore: NumPy's eps_hat {value} is outside the certified [{lo}, {hi}]")
        print(f"  round {r}: numpy     {s:7.2f} s {m:7.0f} MiB  (matmul {fields['matmul_s']} s, {fields['blas']})",
              flush=True)
    if len(verdicts) != 1:
        raise SystemExit(f"fastscore: the verdict changed between rounds: {verdicts}")

    med = {k: statistics.median(v) for k, v in times.items()}
    mem = {k: statistics.median(v) for k, v in rss.items()}
    print()
    print("| process | wall, median of %d (s) | peak RSS, median (MiB) | wall / NumPy's | peak RSS / NumPy's |" % rounds)
    print("|---|---|---|---|---|")
    for k, name in (("certify", "`jlattn certify --lemma4` (default)"), ("construct", "`jlattn construct`"),
                    ("numpy", "NumPy float64, Definition 2 uncertified")):
        print(f"| {name} | {med[k]:.2f} | {mem[k]:.0f} | {med[k] / med['numpy']:.2f} | {mem[k] / mem['numpy']:.2f} |")


if __name__ == "__main__":
    main()
