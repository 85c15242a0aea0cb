#!/usr/bin/env bash
# Runs SwiftGrad's benchmark executable and PyTorch's torch_ref.py alternately (three rounds each,
# same machine, same environment) and prints the ratio of our median time to PyTorch's.
#
#   Benchmarks/compare.sh [--python /path/to/python-with-torch] [--torch-ref path/to/torch_ref.py] [workload ...]
#
# Ratios below 1 mean SwiftGrad is faster (for gemm_1024 and add_4m the throughput columns are
# compared too). Without a Python that imports torch, only SwiftGrad's figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
torch_ref="${TORCH_REF:-../shared/bench/torch_ref.py}"
rounds="${ROUNDS:-3}"
workloads=()
while [ $# -gt 0 ]; do
    case "$1" in
        --python) python="$2"; shift 2 ;;
        --torch-ref) torch_ref="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) workloads+=("$1"); shift ;;
    esac
done

swift build -c release --product Benchmarks >/dev/null
bench=.build/release/Benchmarks
[ ${#workloads[@]} -gt 0 ] || mapfile -t workloads < <("$bench" --list)

have_torch=0
if [ -f "$torch_ref" ] && "$python" -c "import torch" 2>/dev/null; then have_torch=1; fi

out=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
    for w in "${workloads[@]}"; do
        "$bench" --workload "$w" | grep '^{' | sed 's/^/swift /' >> "$out"
        if [ $have_torch = 1 ]; then
            # torch_ref.py names its workloads by short keys.
            case "$w" in
                gemm_1024) key=gemm ;; mlp_train_step) key=mlp ;; cnn_train_step) key=cnn ;;
                conv64_fwd_bwd) key=conv ;; small_ops_300) key=small ;; lstm_train_step) key=lstm ;;
                transformer_layer_train_step) key=transformer ;; adam_step_1m) key=adam ;; add_4m) key=add ;;
                *) key="$w" ;;
            esac
            "$python" "$torch_ref" "$key" 2>/dev/null | grep '^{' | sed 's/^/torch /' >> "$out" || true
        fi
    done
done

"$python" - "$out" <<'PY'
import json, sys, statistics
rows = {}
for line in open(sys.argv[1]):
    side, js = line.split(" ", 1)
    d = json.loads(js)
    rows.setdefault(d["workload"], {}).setdefault(side, []).append(d)
print(f"| workload | SwiftGrad median ms | PyTorch median ms | ratio (ours/PyTorch) | SwiftGrad peak RSS MiB |")
print("| --- | --- | --- | --- | --- |")
for w, sides in rows.items():
    ours = statistics.median(d["median_ms"] for d in sides["swift"])
    rss = max(d.get("peak_rss_mib", 0) for d in sides["swift"])
    if "torch" in sides:
        theirs = statistics.median(d["median_ms"] for d in sides["torch"])
        print(f"| {w} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} | {rss:.0f} |")
    else:
        print(f"| {w} | {ours:.3f} | n/a | n/a | {rss:.0f} |")
PY
rm -f "$out"
