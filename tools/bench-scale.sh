#!/usr/bin/env bash
# Issue 7's scale benchmark (see tools/bench/scale.py for what it measures):
#
#   tools/bench-scale.sh [L ...]        (default 4096 8192 16384 32768)
#
# Installs what the comparison needs when missing (Debian's OpenBLAS, so that
# python3-numpy and the DGEMM line use it, and GNU time for peak memory),
# builds jlattn and the benchmark in Release (preset bench, into build-bench/),
# and prints one line per process and a final table. Needs about 10 GB of memory at L = 32768 (NumPy's whole
# score matrix) and, there, about 25 minutes on 2 cores. Run it on an
# otherwise idle machine; nothing asserts its timings.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/install-deps.sh"
need=()
for p in libopenblas0-pthread libopenblas-dev time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench-scale: missing Debian packages; run: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
"$root/tools/build.sh" bench >/dev/null   # build-bench/: jlattn and the benchmark
work="${JLATTN_BENCH_DIR:-$(mktemp -d)}"
[ -n "${JLATTN_BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
python3 "$root/tools/bench/scale.py" "$root/build-bench/bin" "$work" "$@"
