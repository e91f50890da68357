#!/usr/bin/env bash
# Quick start, part 1: build jlattn and run the theorem's construction on the
# built-in example (README.md, "Quick start").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" -DJLATTN_BUILD_TESTS=OFF
exec "$root/build/bin/jlattn" demo "$@"
