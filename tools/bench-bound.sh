#!/usr/bin/env bash
# Times `jlattn bound` for one parameter set: every bound of Theorems 1, 1' and 2,
# the exact tails and all crossovers. 20 runs; prints the minimum, median and
# maximum of (a) the computation as the command measures it ("elapsed_ms" of
# --json) and (b) the wall time of the whole process, start-up included.
#
#   tools/bench-bound.sh [JLATTN] [bound options...]
#
# Defaults: build/bin/jlattn and the demo's class (L 64, k 4, eps 1, gamma 0.1,
# rho ln 4, delta 0.05). The target is 50 ms per parameter set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exe="${1:-$root/build/bin/jlattn}"
shift || true
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--L 64 --k 4 --eps 1 --gamma 0.1 --rho 1.3862943611198906 --delta 0.05)
fi
"$exe" bound "${args[@]}" >/dev/null  # warm the page cache
inner=()
wall=()
for _ in $(seq 20); do
  start=$(date +%s%N)
  ms=$("$exe" bound "${args[@]}" --json | sed -n 's/.*"elapsed_ms": *\([0-9.eE+-]*\).*/\1/p')
  end=$(date +%s%N)
  inner+=("$ms")
  wall+=("$(( (end - start) / 1000 ))")
done
summary() { sort -g | awk -v scale="$1" '{ v[NR] = $1 / scale } END { printf "min %.1f ms, median %.1f ms, max %.1f ms", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
echo "jlattn bound ${args[*]}"
echo "  computation (elapsed_ms): $(printf '%s\n' "${inner[@]}" | summary 1)"
echo "  whole process (wall):     $(printf '%s\n' "${wall[@]}" | summary 1000)"
