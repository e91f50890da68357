#!/usr/bin/env bash
# Shared by the scripts of tools/: install what is missing, then configure and
# build one preset of CMakePresets.json.
#
#   tools/build.sh PRESET [cmake --build options...]
#
# PRESET is release (build/), sanitizers (build-asan/), fuzz (build-fuzz/) or
# bench (build-bench/); further options go to `cmake --build`, e.g.
# `--target jlattn`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${1:?usage: tools/build.sh PRESET [cmake --build options...]}"
shift
"$root/tools/install-deps.sh"
cd "$root"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --parallel "$(nproc)" "$@"
