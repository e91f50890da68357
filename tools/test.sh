#!/usr/bin/env bash
# Quick start, part 2: build jlattn with warnings as errors (the preset
# `release` of CMakePresets.json, into build/) and run every test with ctest.
# Extra arguments go to ctest. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" release
cd "$root"
ctest --preset release --parallel "$(nproc)" "$@"
