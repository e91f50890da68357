#!/usr/bin/env bash
# Quick start, part 2: build jlattn with warnings as errors (the preset
# `release` of CMakePresets.json, into build/) and run every test with ctest.
# Extra arguments go to ctest. Exits non-zero on any failure.
#
# PyTorch (Debian's python3-torch, for one test: python_test_torch_example,
# the example of docs/examples/) is about 150 packages and three minutes of
# installing, so it is installed in the background while the build runs and
# waited for before ctest. JLATTN_TORCH=0 skips it (that test is then skipped
# with a message); so does a user who is not root (install-deps.sh prints the
# command to run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/install-deps.sh"
torch_pid=""
torch_log="$(mktemp)"
trap 'rm -f "$torch_log"' EXIT
if [ "${JLATTN_TORCH:-1}" != "0" ]; then
  "$root/tools/install-deps.sh" --with-torch >"$torch_log" 2>&1 &
  torch_pid=$!
fi
"$root/tools/build.sh" release
if [ -n "$torch_pid" ] && ! wait "$torch_pid"; then
  echo "jlattn: PyTorch was not installed, so python_test_torch_example will be skipped:" >&2
  sed 's/^/  /' "$torch_log" >&2
fi
cd "$root"
ctest --preset release --parallel "$(nproc)" "$@"
