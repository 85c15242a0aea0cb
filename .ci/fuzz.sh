#!/usr/bin/env bash
# Fuzzes SwiftGrad's file readers (safetensors, checkpoints, IDX, CSV, PNG/JPEG/CIFAR images) with libFuzzer for a bounded
# number of inputs each, starting from the committed seed corpus in Fuzz/Corpus (valid and corrupted
# files). Any crash, trap, sanitizer report, leak, hang (> 10 s per input), allocation above 64 MB
# (the inputs are at most a few KB) or RSS above 2 GB fails the run; the input is kept in
# .build-fuzz/findings/ (turn it into a regression test in Tests/SwiftGradTests/FuzzRegressionTests.swift).
#
#     bash .ci/fuzz.sh              # 20,000 inputs per reader
#     FUZZ_RUNS=3000000 FUZZ_SECONDS=120 bash .ci/fuzz.sh    # longer: up to 2 min per reader
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
start=$SECONDS

# A separate package (Fuzz/Package.swift) so the main package never needs -sanitize=fuzzer.
# ld.lld ships with the Swift toolchain; gold crashes on libFuzzer's duplicate main.
swift build --package-path Fuzz --scratch-path .build-fuzz -c debug \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld 2>&1 | grep -v "Cannot export local symbol" | tail -3
bin=.build-fuzz/debug
echo "fuzz: build took $((SECONDS - start)) s"

mkdir -p .build-fuzz/findings
status=0
for reader in safetensors checkpoint idx csv image; do
    case $reader in
        safetensors) target=FuzzSafetensors; dict=(-dict=Fuzz/safetensors.dict) ;;
        checkpoint) target=FuzzCheckpoint; dict=(-dict=Fuzz/safetensors.dict) ;;
        idx) target=FuzzIDX; dict=() ;;
        csv) target=FuzzCSV; dict=() ;;
        image) target=FuzzImage; dict=() ;;
    esac
    # New inputs go to a scratch folder; the committed seeds are read only.
    work=$(mktemp -d)
    t0=$SECONDS
    if "$bin/$target" -runs="$runs" -max_total_time=${FUZZ_SECONDS:-120} -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 \
        -seed=1 -print_final_stats=0 -artifact_prefix=.build-fuzz/findings/$reader- "${dict[@]}" \
        "$work" "Fuzz/Corpus/$reader" > ".build-fuzz/$reader.log" 2>&1; then
        echo "fuzz $reader: $(grep -E '^#[0-9]+.*DONE' ".build-fuzz/$reader.log" | tail -1 | sed 's/  */ /g') ($((SECONDS - t0)) s)"
    else
        echo "fuzz $reader: FAILED ($((SECONDS - t0)) s); log .build-fuzz/$reader.log, input in .build-fuzz/findings/"
        grep -E "ERROR|SUMMARY|Precondition|Fatal|Test unit written" ".build-fuzz/$reader.log" | head -20
        status=1
    fi
    rm -rf "$work"
done
echo "fuzz: total $((SECONDS - start)) s"
if [ $status -eq 0 ]; then echo "fuzz: 5 passed, 0 failed"; else echo "fuzz: a reader failed"; fi
exit $status
