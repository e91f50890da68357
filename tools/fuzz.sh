#!/usr/bin/env bash
# Fuzzes the Matrix Market and .npy readers with libFuzzer (GitHub issue 7).
#
#   tools/fuzz.sh            build, replay the seed corpora, fuzz each target 60 s
#   tools/fuzz.sh 1800       ... each target 30 minutes (the long run)
#   tools/fuzz.sh 0          build and replay the seed corpora only (CI does this)
#
# Builds fuzz/*_fuzz.cpp with clang -fsanitize=fuzzer,address,undefined into
# build-fuzz/ (CMake option JLATTN_FUZZ). The targets run one after the other,
# each on one core at nice 19. New inputs go to build-fuzz/corpus/<target>/
# (the seeds in fuzz/corpus/<target>/ are read, never written), crashes to
# build-fuzz/artifacts/, logs to build-fuzz/<target>.log; the last lines of
# each log give executions and coverage. Exits non-zero on any finding.
# FUZZ_TARGETS="npy_fuzz" limits the run to some targets.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
targets=(${FUZZ_TARGETS:-matrix_market_fuzz npy_fuzz})
build="$root/build-fuzz"

"$root/tools/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DJLATTN_FUZZ=ON -DJLATTN_BUILD_TESTS=OFF -DJLATTN_WERROR=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

# A single allocation above 256 MiB is a finding: the readers allocate in
# proportion to the bytes present, and inputs are at most 8 KiB. An input
# takes well under a millisecond; the timeout is wall-clock time, so it is
# generous for runs at nice 19 on a busy machine, which can be starved for
# seconds (slowest_unit_time_sec in the log tells the real figure).
flags=(-max_len=8192 -malloc_limit_mb=256 -rss_limit_mb=2048 -timeout=300 -print_final_stats=1)
mkdir -p "$build/artifacts"
for target in "${targets[@]}"; do
  binary="$build/bin/$target"
  seeds="$root/fuzz/corpus/$target"
  dict="$root/fuzz/${target%_fuzz}.dict"
  # Every seed once (libFuzzer runs files given by name and fuzzes nothing).
  echo "== $target: replaying $(ls "$seeds" | wc -l) seeds"
  "$binary" "${flags[@]}" "$seeds"/* >"$build/$target.replay.log" 2>&1 ||
    { cat "$build/$target.replay.log" >&2; echo "fuzz.sh: $target failed on a seed" >&2; exit 1; }
  if [ "$seconds" -gt 0 ]; then
    echo "== $target: fuzzing for $seconds s (log: $build/$target.log)"
    mkdir -p "$build/corpus/$target"
    nice -n 19 "$binary" "${flags[@]}" -dict="$dict" -max_total_time="$seconds" \
         -artifact_prefix="$build/artifacts/$target-" "$build/corpus/$target" "$seeds" >"$build/$target.log" 2>&1 ||
      { tail -n 60 "$build/$target.log" >&2; echo "fuzz.sh: $target found a crash (see $build/artifacts)" >&2; exit 1; }
    grep -E '^#[0-9]+ ' "$build/$target.log" | tail -n 1 || true
    grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb' "$build/$target.log" || true
    echo "   corpus: $(ls "$build/corpus/$target" | wc -l) new inputs kept"
  fi
done
echo "fuzz.sh: no crash"
