#!/usr/bin/env bash
# Issue 13's measurement (see tools/bench/fastscore.py for what it measures):
# the default `jlattn certify` and `jlattn construct` against NumPy's float64
# check of Definition 2, median of ROUNDS runs each, interleaved.
#
#   tools/bench-fastscore.sh [L d [ROUNDS]]      (default 8192 1024 3)
#
# Uses the jlattn of build/ (JLATTN_BIN overrides the directory; build it
# first) and /usr/bin/python3 with Debian's NumPy. The processes run under
# `nice` (the machine is shared): quote ratios from one session only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${JLATTN_BIN:-$root/build/bin}"
[ -x "$bin/jlattn" ] || { echo "bench-fastscore: no $bin/jlattn; build it first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-fastscore: needs GNU time (apt-get install time)" >&2; exit 1; }
work="${JLATTN_BENCH_DIR:-$(mktemp -d)}"
[ -n "${JLATTN_BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
nice /usr/bin/python3 "$root/tools/bench/fastscore.py" "$bin" "$work" "$@"
