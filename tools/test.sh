#!/usr/bin/env bash
# Quick start, part 2: build jlattn with warnings as errors (the preset
# `release` of CMakePresets.json, into build/) and run every test with ctest.
# Extra arguments go to ctest. Exits non-zero on any failure.
#
# PyTorch (Debian's python3-torch, for one test: python_test_torch_example,
# the example of docs/examples/) is about 150 packages and three minutes of
# installing, so it is installed in the background while the build runs and
# waited for before ctest (and on any exit: dpkg is never left half-way).
# JLATTN_TORCH=0 skips it (that test is then skipped with a message), as does
# a user who is not root (install-deps.sh prints the command to run);
# JLATTN_TORCH=require (what .ci/run sets) makes a failed install an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/install-deps.sh"
torch="${JLATTN_TORCH:-1}"
torch_pid=""
torch_log="$(mktemp)"
finish() {
  if [ -n "$torch_pid" ] && kill -0 "$torch_pid" 2>/dev/null; then
    echo "jlattn: waiting for the PyTorch install to finish" >&2
    wait "$torch_pid" || true
  fi
  rm -f "$torch_log"
}
trap finish EXIT
if [ "$torch" != "0" ]; then
  "$root/tools/install-deps.sh" --with-torch >"$torch_log" 2>&1 &
  torch_pid=$!
fi
"$root/tools/build.sh" release
if [ -n "$torch_pid" ]; then
  if ! wait "$torch_pid"; then
    torch_pid=""
    echo "jlattn: PyTorch was not installed, so python_test_torch_example will be skipped:" >&2
    sed 's/^/  /' "$torch_log" >&2
    [ "$torch" != "require" ] || { echo "jlattn: JLATTN_TORCH=require: stopping" >&2; exit 1; }
  fi
  torch_pid=""
fi
cd "$root"
ctest --preset release --parallel "$(nproc)" "$@"
