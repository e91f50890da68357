#!/usr/bin/env bash
# Issue 13's audit measurement: the default audit sweep (`jlattn audit
# --no-plots --threads 2`) of this build against another build ("before"),
# ROUNDS interleaved rounds, medians of wall and CPU time, and whether the
# two results.csv agree (byte for byte, or on which columns they differ).
#
#   tools/bench-audit.sh BEFORE_BIN_DIR [ROUNDS]     (default 3)
#
# Uses build/bin/jlattn (JLATTN_BIN overrides the directory). The machine is
# shared: quote the ratio of one session only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
now="${JLATTN_BIN:-$root/build/bin}/jlattn"
before="${1:?usage: tools/bench-audit.sh BEFORE_BIN_DIR [ROUNDS]}/jlattn"
rounds="${2:-3}"
[ -x "$now" ] && [ -x "$before" ] || { echo "bench-audit: needs $now and $before" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-audit: needs GNU time (apt-get install time)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
for r in $(seq "$rounds"); do
  for v in now before; do
    bin=$now; [ "$v" = before ] && bin=$before
    rm -rf "$work/$v"
    /usr/bin/time -f "%e %U %S" -o "$work/$v.$r.time" "$bin" audit --no-plots --threads 2 --quiet --out "$work/$v" >/dev/null
    echo "round $r $v: $(cat "$work/$v.$r.time") (wall, user, sys s)"
  done
done
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import csv, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
med = {}
for v in ("now", "before"):
    t = [list(map(float, open(f"{work}/{v}.{r}.time").read().split())) for r in range(1, rounds + 1)]
    med[v] = (statistics.median(x[0] for x in t), statistics.median(x[1] + x[2] for x in t))
    print(f"{v:6s}: median wall {med[v][0]:.2f} s, CPU {med[v][1]:.2f} s")
print(f"before / now: wall {med['before'][0] / med['now'][0]:.2f}x, CPU {med['before'][1] / med['now'][1]:.2f}x")
a = list(csv.reader(open(f"{work}/before/results.csv")))
b = list(csv.reader(open(f"{work}/now/results.csv")))
n = len(a[0])
same_header = b[0][:n] == a[0]
cols = sorted({a[0][j] for ra, rb in zip(a[1:], b[1:]) for j in range(n) if ra[j] != rb[j]}) if same_header else None
if open(f"{work}/before/results.csv").read() == open(f"{work}/now/results.csv").read():
    print("results.csv: byte-identical")
elif cols is None:
    print("results.csv: the header differs")
else:
    print(f"results.csv: {len(a) - 1} cells; before's {n} columns differ only in {cols or 'none'}"
          + (f"; now has {len(b[0]) - n} columns more" if len(b[0]) > n else ""))
PY
