#!/usr/bin/env python3
"""Tokens per second of greedy generation: SwiftGrad's `generate` example next to transformers'
`generate`, on the same randomly initialised Llama-style model (about 56M parameters, made here and
not committed), the same prompt and the same number of new tokens, KV cache on in both, one process
each, float32 and bfloat16, the same thread count.

    /work/venv-numerics/bin/python Scripts/models/bench_generate.py [--threads 1] [--new-tokens 64] [--label "quiet machine"]

It builds the example in release (`swift build -c release --product generate`), writes the model
to /tmp/swiftgrad-bench-llama-<dtype>/ once (reused afterwards), runs each side with one untimed
warm-up generation before the timed one, and prints a Markdown table: the prompt pass (seconds to
the first new token), the decoding rate (tokens after the first per second of the cached steps),
the overall rate (all new tokens over the whole call), and how many leading greedy ids agree.
Timings mean something only on a quiet machine.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import torch
from tokenizers import Tokenizer
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOKENIZER = os.path.join(ROOT, "Tests", "SwiftGradModelsTests", "Resources", "generate_llama", "tokenizer.json")
PROMPT = "The quick brown fox jumps over the lazy dog, and then"


def model_dir(dtype):
    """A Llama-style model: hidden 512, 8 layers, 8 heads (4 key/value heads), MLP 1408, vocab 32000,
    untied embeddings: 56M parameters (224 MB in float32). transformers' own initialisation, seed 0."""
    d = f"/tmp/swiftgrad-bench-llama-{dtype}"
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return d
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=32000, hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                      num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=2048,
                      bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg).to(getattr(torch, dtype)).eval()
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(d)
    shutil.copy(TOKENIZER, os.path.join(d, "tokenizer.json"))
    return d


def run_torch(d, dtype, new_tokens, threads):
    """transformers' greedy generate, ignoring eos; prompt pass timed by a 1-token generate."""
    torch.set_num_threads(threads)
    model = LlamaForCausalLM.from_pretrained(d, dtype=getattr(torch, dtype)).eval()
    ids = torch.tensor([Tokenizer.from_file(os.path.join(d, "tokenizer.json")).encode(PROMPT).ids])
    kw = dict(do_sample=False, use_cache=True, eos_token_id=None, pad_token_id=0)
    with torch.inference_mode():
        model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kw)   # warm-up
        t = time.perf_counter()
        model.generate(ids, max_new_tokens=1, **kw)
        first = time.perf_counter() - t
        t = time.perf_counter()
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kw)
        total = time.perf_counter() - t
    tokens = out[0, ids.shape[1]:].tolist()
    return {"first": first, "decode": (new_tokens - 1) / (total - first), "overall": new_tokens / total,
            "tokens": tokens, "prompt": ids.shape[1]}


def run_swift(binary, d, dtype, new_tokens, threads):
    """The generate example: a warm-up sample, then the timed one (its `last sample` line)."""
    out = subprocess.run([binary, "--model", d, "--prompt", PROMPT, "--max-tokens", str(new_tokens),
                          "--temperature", "0", "--samples", "2", "--ignore-eos", "--threads", str(threads),
                          "--dtype", dtype, "--print-ids"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"last sample: prompt (\d+) tokens, (\d+) new; first token after ([\d.]+) s; "
                  r"([\d.]+) tokens/s decoding, ([\d.]+) tokens/s overall", out)
    if not m:
        sys.exit(f"unexpected output of generate:\n{out}")
    ids = re.findall(r"ids: \[([\d, ]*)\]", out)[-1]
    return {"first": float(m.group(3)), "decode": float(m.group(4)), "overall": float(m.group(5)),
            "prompt": int(m.group(1)), "tokens": [int(x) for x in ids.split(",")]}


def agreement(a, b):
    """How many leading greedy ids agree (transformers' initialisation gives near-uniform logits, so a
    near-tie can flip one argmax; the ids after it differ as a consequence)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return f"{n}/{len(b)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--label", default="loaded machine", help="printed above the table")
    ap.add_argument("--scratch-path", default=".build", help="SwiftPM's build directory (relative to the package)")
    args = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "generate", "--scratch-path", args.scratch_path],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, args.scratch_path, "release", "generate")
    rows = []
    for dtype in ("float32", "bfloat16"):
        d = model_dir(dtype)
        s = run_swift(binary, d, dtype, args.new_tokens, args.threads)
        t = run_torch(d, dtype, args.new_tokens, args.threads)
        rows.append((dtype, s, t, agreement(s["tokens"], t["tokens"])))
    print(f"\nGreedy generation, Llama-style 56M parameters, prompt {rows[0][2]['prompt']} tokens, "
          f"{args.new_tokens} new tokens, {args.threads} thread(s), KV cache; {args.label}; "
          f"torch {torch.__version__}\n")
    print("| dtype | side | first token (s) | decoding tokens/s | overall tokens/s | leading greedy ids equal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for dtype, s, t, same in rows:
        print(f"| {dtype} | SwiftGrad | {s['first']:.4f} | {s['decode']:.1f} | {s['overall']:.1f} | {same} |")
        print(f"| {dtype} | PyTorch (transformers) | {t['first']:.4f} | {t['decode']:.1f} | {t['overall']:.1f} | |")


if __name__ == "__main__":
    main()
