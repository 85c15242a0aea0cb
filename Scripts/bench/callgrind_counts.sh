#!/bin/bash
# Instruction counts per timed iteration (callgrind) and peak RSS (native run) of benchmark workloads.
# usage: Scripts/bench/callgrind_counts.sh TAG BINARY WORKLOAD...
# Writes /tmp/callgrind-counts/TAG/WORKLOAD/{cg.out.N, native.time}; prints the two timed bodies
# of the workload's first timeit (dumps 2 and 4) and the peak RSS. Counts, not wall time.
tag=$1; bin=$2; shift 2
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 SWIFTGRAD_SPIN_US=0
for wl in "$@"; do
  out=/tmp/callgrind-counts/$tag/$wl
  rm -rf "$out"; mkdir -p "$out"
  SWIFTGRAD_BENCH_REPS=2 valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
    --dump-before='$s8Dispatch0A4TimeV3nowACyFZ' "$bin" --workload "$wl" > "$out/cg.json" 2> "$out/cg.log" &
  vg=$!
  # The 4th dump holds the second timed body of the first timeit: the rest is not needed.
  while kill -0 $vg 2>/dev/null; do
    if [ -f "$out/cg.out.5" ] || { [ -f "$out/cg.out.4" ] && grep -q '^totals:' "$out/cg.out.4"; }; then
      sleep 1; kill $vg; break
    fi
    sleep 2
  done
  wait $vg 2>/dev/null
  /usr/bin/time -v "$bin" --workload "$wl" > "$out/native.json" 2> "$out/native.time"
  b2=$(grep '^totals:' "$out/cg.out.2" | awk '{print $2}')
  b4=$(grep '^totals:' "$out/cg.out.4" | awk '{print $2}')
  rss=$(grep 'Maximum resident' "$out/native.time" | awk '{print $NF}')
  echo "$tag $wl bodies: $b2 $b4 instructions; peak RSS: $((rss / 1024)) MiB"
done
