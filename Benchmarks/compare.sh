#!/usr/bin/env bash
# Runs SwiftGrad's benchmark executable side by side with PyTorch (eager: torch_ref.py and
# torch_extra.py) and JAX (jit: jax_ref.py), alternating, several rounds, on the same machine, and
# prints each median time, the ratio of ours to each and to the faster of the two, and the peak
# resident memory of each process.
#
#   Benchmarks/compare.sh [--python PY] [--jax-python PY] [--bench-dir DIR] [--rounds N] [workload ...]
#
# DIR holds the peer definitions (default ../shared/bench). Ratios below 1 mean SwiftGrad is faster.
# A peer whose Python cannot import it (torch, jax) is skipped; its columns read n/a.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
jax_python=""
bench_dir="${BENCH_DIR:-../shared/bench}"
rounds="${ROUNDS:-3}"
workloads=()
while [ $# -gt 0 ]; do
    case "$1" in
        --python) python="$2"; shift 2 ;;
        --jax-python) jax_python="$2"; shift 2 ;;
        --bench-dir) bench_dir="$2"; shift 2 ;;
        --torch-ref) bench_dir="$(dirname "$2")"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) workloads+=("$1"); shift ;;
    esac
done
jax_python="${jax_python:-$python}"

swift build -c release --product Benchmarks >/dev/null
bench=.build/release/Benchmarks
[ ${#workloads[@]} -gt 0 ] || mapfile -t workloads < <("$bench" --list)

have_torch=0 have_jax=0
if [ -f "$bench_dir/torch_ref.py" ] && "$python" -c "import torch" 2>/dev/null; then have_torch=1; fi
if [ -f "$bench_dir/jax_ref.py" ] && "$jax_python" -c "import jax, optax" 2>/dev/null; then have_jax=1; fi

# The peers' scripts name workloads by short keys.
key_of() {
    case "$1" in
        gemm_1024) echo gemm ;; mlp_train_step) echo mlp ;; cnn_train_step) echo cnn ;;
        conv64_fwd_bwd) echo conv ;; small_ops_300) echo small ;; lstm_train_step) echo lstm ;;
        transformer_layer_train_step) echo transformer ;; adam_step_1m) echo adam ;; add_4m) echo add ;;
        resnet18_train_step) echo resnet18 ;; gpt_train_step) echo gpt ;; mlp_infer_b1) echo mlp_infer ;;
        gpt_generate_128) echo gpt_gen ;; *) echo "$1" ;;
    esac
}
torch_script_of() {
    case "$1" in
        resnet18|gpt|mlp_infer|gpt_gen) echo "$bench_dir/torch_extra.py" ;; *) echo "$bench_dir/torch_ref.py" ;;
    esac
}

out=$(mktemp)
rssf=$(mktemp)
# Each process runs under /usr/bin/time (when present) so peak resident memory is measured the same
# way for every side (the process's maximum RSS), whether or not its script reports it.
timed() { # side workload command...
    local side="$1" w="$2"; shift 2
    if [ -x /usr/bin/time ]; then
        : > "$rssf"
        /usr/bin/time -f "%M" -o "$rssf" "$@" 2>/dev/null | grep '^{' | sed "s/^/$side /" >> "$out" || true
        if [ -s "$rssf" ]; then echo "rss $side $w $(tail -1 "$rssf")" >> "$out"; fi
    else
        "$@" 2>/dev/null | grep '^{' | sed "s/^/$side /" >> "$out" || true
    fi
}
for ((r = 1; r <= rounds; r++)); do
    for w in "${workloads[@]}"; do
        timed swift "$w" "$bench" --workload "$w"
        key=$(key_of "$w")
        if [ $have_torch = 1 ]; then
            (cd "$bench_dir" && timed torch "$w" "$python" "$(basename "$(torch_script_of "$key")")" "$key")
        fi
        if [ $have_jax = 1 ]; then
            (cd "$bench_dir" && timed jax "$w" "$jax_python" jax_ref.py "$key")
        fi
    done
done

"$python" - "$out" <<'PY'
import json, sys, statistics
rows, peak = {}, {}
for line in open(sys.argv[1]):
    if line.startswith("rss "):
        _, side, w, kib = line.split()
        peak[(w, side)] = max(peak.get((w, side), 0), int(kib) / 1024)
        continue
    side, js = line.split(" ", 1)
    d = json.loads(js)
    rows.setdefault(d["workload"], {}).setdefault(side, []).append(d)

def med(sides, side):
    # Extra workloads may print JSON lines without a median (e.g. memory-only records): skip them.
    times = [d["median_ms"] for d in sides.get(side, []) if "median_ms" in d]
    return statistics.median(times) if times else None

def rss(w, sides, side):
    if (w, side) in peak:
        return peak[(w, side)]
    return max(d.get("peak_rss_mib", 0) for d in sides[side]) if side in sides else None

def f(v, fmt):
    return "n/a" if v is None else format(v, fmt)

print("| workload | SwiftGrad ms | PyTorch ms | JAX ms | ours/PyTorch | ours/JAX | ours/faster | RSS MiB ours / PyTorch / JAX |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for w, sides in rows.items():
    ours, torch, jax = med(sides, "swift"), med(sides, "torch"), med(sides, "jax")
    peers = [t for t in (torch, jax) if t]
    ratio = lambda t: ours / t if (ours and t) else None
    best = ratio(min(peers)) if peers else None
    print(f"| {w} | {f(ours, '.3f')} | {f(torch, '.3f')} | {f(jax, '.3f')} | {f(ratio(torch), '.2f')} | "
          f"{f(ratio(jax), '.2f')} | {f(best, '.2f')} | {f(rss(w, sides, 'swift'), '.0f')} / {f(rss(w, sides, 'torch'), '.0f')} / {f(rss(w, sides, 'jax'), '.0f')} |")
PY
rm -f "$out" "$rssf"
