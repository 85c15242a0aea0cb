#!/usr/bin/env python3
"""Builds the generation fixtures: a tiny RANDOMLY INITIALISED Llama and GPT-2 (no hub download), each
saved by transformers as a Hugging Face directory with a tokenizer, and the token ids that transformers'
greedy `generate(do_sample=False)` produces, into Tests/SwiftGradModelsTests/Resources/generate_<arch>/.

    /work/venv-numerics/bin/python Scripts/models/make_generation_fixtures.py

Each directory: config.json, generation_config.json, model.safetensors, tokenizer.json (the GPT-2-style
and Llama-style tokenizers of Scripts/tokenizers/make_tokenizer_fixtures.py, copied), and
expected.json: per prompt, the prompt's ids and the generated ids (new tokens only) with the
directory's own generation config (its eos token), and with an explicit eos token that stops early.
Every step's top-two logit gap is checked to be far above float32 noise, so the greedy choice is
not a near-tie that rounding could flip.
"""
import json
import os
import shutil

import torch
from tokenizers import Tokenizer
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
OUT = os.path.join(ROOT, "Tests", "SwiftGradModelsTests", "Resources")
TOKENIZERS = os.path.join(ROOT, "Tests", "SwiftGradTests", "Resources", "tokenizers")

PROMPTS = ["Hello world", "The quick brown fox jumps"]
NEW_TOKENS = 12
MIN_GAP = 1e-3  # the logits agree with PyTorch's to ~1e-5; a smaller top-two gap could flip the argmax


def randomize(model, gen):
    """Weights of a larger spread than transformers' initialisation (logits of order 1, varied tokens)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name.lower() or ".ln_" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2 + (1.0 if name.endswith("weight") else 0.0))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3)


def greedy(model, ids, **kw):
    out = model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=NEW_TOKENS, use_cache=True,
                         output_logits=True, return_dict_in_generate=True, **kw)
    for step in out.logits:
        top = step[0].float().topk(2).values
        if (top[0] - top[1]).item() <= MIN_GAP:
            raise Unsuitable()
    return out.sequences[0, len(ids):].tolist()


def build(name, make, tok_name):
    """The model of the first seed whose greedy runs have no near-tie and meet a new token at step four or later."""
    for seed in range(18, 100):
        model = make()
        randomize(model, torch.Generator().manual_seed(seed))
        try:
            return build_with(name, model, tok_name)
        except Unsuitable:
            continue
    raise RuntimeError("no suitable seed")


class Unsuitable(Exception):
    pass


def build_with(name, model, tok_name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    model.eval()
    model.save_pretrained(d)
    shutil.copy(os.path.join(TOKENIZERS, tok_name, "tokenizer.json"), os.path.join(d, "tokenizer.json"))
    tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
    cases = []
    for prompt in PROMPTS:
        ids = tok.encode(prompt).ids
        full = greedy(model, ids)
        # An eos token that the greedy run meets at its fourth new token (not earlier): generation stops there.
        stop = next((t for k, t in enumerate(full) if k >= 3 and t not in full[:k]), None)
        if stop is None:
            raise Unsuitable()
        stopped = greedy(model, ids, eos_token_id=stop)
        assert stopped == full[:full.index(stop) + 1]
        cases.append({"prompt": prompt, "prompt_ids": ids, "generated": full, "text": tok.decode(ids + full),
                      "eos": stop, "generated_eos": stopped})
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"new_tokens": NEW_TOKENS, "cases": cases}, f, ensure_ascii=False, indent=1)
    print(name, [c["generated"] for c in cases])
    return cases


def main():
    torch.manual_seed(0)
    llama_tok = Tokenizer.from_file(os.path.join(TOKENIZERS, "llama", "tokenizer.json"))
    cfg = LlamaConfig(vocab_size=llama_tok.get_vocab_size(), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5,
                      bos_token_id=1, eos_token_id=2, tie_word_embeddings=False, attn_implementation="eager")
    build("generate_llama", lambda: LlamaForCausalLM(cfg), "llama")

    gpt2_tok = Tokenizer.from_file(os.path.join(TOKENIZERS, "gpt2", "tokenizer.json"))
    eot = gpt2_tok.token_to_id("<|endoftext|>")
    cfg = GPT2Config(vocab_size=gpt2_tok.get_vocab_size(), n_positions=64, n_embd=16, n_layer=2, n_head=4,
                     bos_token_id=eot, eos_token_id=eot, attn_implementation="eager")
    build("generate_gpt2", lambda: GPT2LMHeadModel(cfg), "gpt2")


if __name__ == "__main__":
    main()
