#!/usr/bin/env bash
# Quick start, part 2: build jlattn with warnings as errors and run every test
# with ctest. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" -DJLATTN_BUILD_TESTS=ON -DJLATTN_WERROR=ON
cd "$root/build"
ctest --output-on-failure --parallel "$(nproc)" "$@"
