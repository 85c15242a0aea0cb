#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer (with LeakSanitizer) and the threading tests under
# ThreadSanitizer. The runtimes ship with the Swift toolchain (/opt/swift/usr/lib/clang/*/lib/linux);
# nothing to install. Each sanitizer builds into its own scratch folder (.build-asan, .build-tsan).
#
#     bash .ci/sanitizers.sh
#     ASAN_FILTER='MemoryTests|SafetensorsTests' bash .ci/sanitizers.sh     # a smaller ASan part
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

# The whole suite by default (about 1.5 min of tests under ASan on 2 cores); set ASAN_FILTER to narrow it.
asan_filter=${ASAN_FILTER:-}
# Everything that starts threads: concurrent training, grad/anomaly mode per thread, the shared
# generator, prefetching DataLoader, parallel kernels at several thread counts.
tsan_filter=${TSAN_FILTER:-'ThreadingTests|GradModeTests|DeterminismTests|DataTests'}

export LSAN_OPTIONS="suppressions=$PWD/.ci/lsan.supp:print_suppressions=0"
# malloc_context_size=64: deep JSON fixture parses need more than the default 30 frames for a
# suppression above to see the test frame that owns the allocation.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:malloc_context_size=64"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

echo "sanitizers: building with AddressSanitizer"
swift build --build-tests --sanitize=address --scratch-path .build-asan 2>&1 | tail -1
t0=$SECONDS
# The MPI tests are left out: they start Open MPI child processes whose runtime (libmpi, PMIx) is not
# leak-clean, so LeakSanitizer fails them for allocations that are not SwiftGrad's.
swift test --skip-build --sanitize=address --scratch-path .build-asan ${asan_filter:+--filter "$asan_filter"} \
    --skip 'DistributedTests' \
    2>&1 | tee .build-asan/test.log | grep -E "ERROR: |SUMMARY: |✘|Test run with" || true
if grep -qE "ERROR: (Address|Leak)Sanitizer" .build-asan/test.log || ! grep -qE "Test run with .* passed" .build-asan/test.log; then
    echo "sanitizers: AddressSanitizer run FAILED (log: .build-asan/test.log)"; exit 1
fi
echo "sanitizers: AddressSanitizer clean ($((SECONDS - t0)) s of tests)"

echo "sanitizers: building with ThreadSanitizer"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan 2>&1 | tail -1
t0=$SECONDS
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$tsan_filter" \
    2>&1 | tee .build-tsan/test.log | grep -E "WARNING: ThreadSanitizer|SUMMARY: |✘|Test run with" || true
if grep -qE "WARNING: ThreadSanitizer|ERROR: ThreadSanitizer" .build-tsan/test.log || ! grep -qE "Test run with .* passed" .build-tsan/test.log; then
    echo "sanitizers: ThreadSanitizer run FAILED (log: .build-tsan/test.log)"; exit 1
fi
echo "sanitizers: ThreadSanitizer clean ($((SECONDS - t0)) s of tests)"
echo "sanitizers: total $((SECONDS - start)) s"
