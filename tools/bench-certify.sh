#!/usr/bin/env bash
# Benchmark of the certifier (issues 3 and 7): in one run, the certifier
# against a plain DGEMM of the same shape, on a constructed instance.
#
#   tools/bench-certify.sh [L] [d] [repeats]      (default 4096 1024 3)
#
# Then, with /usr/bin/time -v, the peak memory of `jlattn certify --lemma4` on
# the same instance written to disk. Figures are measurements of this machine
# now; nothing asserts them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
L="${1:-4096}" d="${2:-1024}" repeats="${3:-3}"
"$root/tools/build.sh" bench >/dev/null   # build-bench/: jlattn and the benchmark
bin="$root/build-bench/bin"
"$bin/bench_certify_vs_gemm" "$L" "$d" "$repeats"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$L" > "$work/A.mtx" <<'PY'
import sys
L = int(sys.argv[1])
rows = [(i, j, 1 + (i + j) % 4) for i in range(L) for j in sorted({0, max(0, i - 1), i, min(L - 1, i + 1)})]
print("%%MatrixMarket matrix coordinate real general")
print(L, L, len(rows))
for i, j, w in rows:
    print(i + 1, j + 1, w)
PY
"$bin/jlattn" construct --target "$work/A.mtx" --eps 1 --gamma 0.1 --d "$d" --no-weights \
  --out "$work/out" >/dev/null || true
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$bin/jlattn" certify --target "$work/A.mtx" --x "$work/out/X.npy" --lemma4 \
    --eps 1 --gamma 0.1 2> "$work/time.txt" | sed -n 's/^  verdict/certify verdict/p' || true
  grep -E "Elapsed|Maximum resident" "$work/time.txt"
else
  echo "(/usr/bin/time not installed: apt-get install time, for the peak-memory figure)"
fi
