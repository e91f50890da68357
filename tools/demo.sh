#!/usr/bin/env bash
# Quick start, part 1: build jlattn (the preset `release`, into build/; the
# command line and the Python module in build/python/jlattn/, not the tests)
# and run the theorem's construction on the built-in example (README.md,
# "Quick start").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" release --target jlattn jlattn_python
exec "$root/build/bin/jlattn" demo "$@"
