#!/usr/bin/env bash
# Fuzzes the Matrix Market, .npy and .npz (zip) readers with libFuzzer (GitHub issues 7 and 14).
#
#   tools/fuzz.sh            build, replay the seed corpora, fuzz each target 60 s
#   tools/fuzz.sh 1800       ... each target 30 minutes (the long run)
#   tools/fuzz.sh 0          build and replay the seed corpora only (CI does this)
#
# Builds fuzz/*_fuzz.cpp with clang -fsanitize=fuzzer,address,undefined into
# build-fuzz/ (the preset `fuzz` of CMakePresets.json) and replays every seed
# (`ctest --preset fuzz`). The targets then run one after the other, each on
# one core at nice 19, with the libFuzzer options of fuzz/CMakeLists.txt. New
# inputs go to build-fuzz/corpus/<target>/ (the seeds in fuzz/corpus/<target>/
# are read, never written), crashes to build-fuzz/artifacts/, logs to
# build-fuzz/<target>.log; the last lines of each log give executions and
# coverage. Exits non-zero on any finding.
# FUZZ_TARGETS="npy_fuzz" limits the run to some targets.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
targets=(${FUZZ_TARGETS:-matrix_market_fuzz npy_fuzz target_file_fuzz npz_fuzz})
build="$root/build-fuzz"

"$root/tools/build.sh" fuzz --target "${targets[@]}"
cd "$root"
selected="$(IFS='|'; echo "${targets[*]}")"
ctest --preset fuzz -R "^fuzz_seeds_($selected)\$" ||
  { echo "fuzz.sh: a target failed on a seed" >&2; exit 1; }

read -r -a flags < "$build/libfuzzer.flags"
mkdir -p "$build/artifacts"
if [ "$seconds" -gt 0 ]; then
  for target in "${targets[@]}"; do
    binary="$build/bin/$target"
    dict="$root/fuzz/${target%_fuzz}.dict"
    echo "== $target: fuzzing for $seconds s (log: $build/$target.log)"
    mkdir -p "$build/corpus/$target"
    nice -n 19 "$binary" "${flags[@]}" -dict="$dict" -max_total_time="$seconds" \
         -artifact_prefix="$build/artifacts/$target-" "$build/corpus/$target" "$root/fuzz/corpus/$target" \
         >"$build/$target.log" 2>&1 ||
      { tail -n 60 "$build/$target.log" >&2; echo "fuzz.sh: $target found a crash (see $build/artifacts)" >&2; exit 1; }
    # -a: the log can hold the raw bytes of dictionary entries.
    grep -aE '^#[0-9]+[[:space:]]' "$build/$target.log" | tail -n 1 || true
    grep -aE '^Done|stat::number_of_executed_units|stat::peak_rss_mb' "$build/$target.log" || true
    echo "   corpus: $(ls "$build/corpus/$target" | wc -l) new inputs kept"
  done
fi
echo "fuzz.sh: no crash"
