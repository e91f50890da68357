#!/usr/bin/env bash
# Installs the Debian 12 packages jlattn needs, but only when one is missing.
# As root it runs apt-get; otherwise it prints the one line to run.
#
# chromium is for one test only (walkthrough_browser: the HTML walkthrough
# opened headless, its formulas typeset by MathJax); it is about 120 MB to
# download and took about a minute to install on the project's 2-core machine.
# Without it that test is skipped with a message, nothing else changes.
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
)

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
