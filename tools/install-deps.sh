#!/usr/bin/env bash
# Installs the Debian 12 packages jlattn needs, but only when one is missing.
# As root it runs apt-get; otherwise it prints the one line to run.
#
#   tools/install-deps.sh                the build, the tests, the docs
#   tools/install-deps.sh --with-torch   and PyTorch, for one test only
#
# chromium is for one test only (walkthrough_browser: the HTML walkthrough
# opened headless, its formulas typeset by MathJax); it is about 120 MB to
# download and took about a minute to install on the project's 2-core machine.
# Without it that test is skipped with a message, nothing else changes.
#
# The Python module (src/python/) needs python3-dev, pybind11-dev and
# python3-pybind11; its tests (tests/python/) python3-pytest,
# python3-hypothesis, python3-scipy and python3-venv (the pip install test);
# the manual page help2man.
#
# python3-torch is for one test only (python_test_torch_example, the PyTorch
# example of docs/examples/). It pulls in about 150 packages (OpenCV, Qt,
# GDAL ...), 135 MB to download, and took 175-189 s to install on the
# project's 2-core machine, so it is installed only with --with-torch:
# tools/test.sh runs that in the background while it builds. Without it
# that test is skipped with a message.
set -euo pipefail

packages=(
  g++ cmake make python3 python3-numpy python3-matplotlib
  libeigen3-dev libboost-dev libmpfr-dev libmpfi-dev libgmp-dev
  librapidcheck-dev googletest libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev librandom123-dev
  doxygen graphviz libjs-mathjax texlive-binaries
  clang libclang-rt-14-dev
  libopenblas-dev time zlib1g-dev
  chromium
  python3-dev pybind11-dev python3-pybind11 python3-scipy python3-pytest python3-hypothesis python3-venv help2man
)
for argument in "$@"; do
  case "$argument" in
    --with-torch) packages+=(python3-torch) ;;
    *) echo "usage: tools/install-deps.sh [--with-torch]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "jlattn: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "jlattn: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
