#!/usr/bin/env python3
"""Trains small tokenizers whose pre-tokenizer is a Split regex (as Llama-3, Qwen2 and GPT-4-style
tokenizers) with Hugging Face's `tokenizers` library, and records what it does.

No hub download exists here, so each is trained on a fixed text (the test corpus of
make_tokenizer_fixtures.py, its unicode edge cases and a paragraph below). Writes, under
Tests/SwiftGradTests/Resources/tokenizers/:

  llama3/tokenizer.json     Split(Llama-3's regex, Isolated) + ByteLevel(use_regex false), BPE with
                            ignore_merges, <|begin_of_text|> added by TemplateProcessing
  qwen2/tokenizer.json      NFC normalizer, Split(Qwen2's regex: single digits), ByteLevel; <|endoftext|>,
                            <|im_start|>, <|im_end|> specials
  o200k/tokenizer.json      Split(GPT-4o's o200k regex: case classes, \\p{M}, optional contractions)
  cl100k/tokenizer.json     Split(tiktoken's cl100k regex, with possessive ?+ and ++)
  behaviors/tokenizer.json  NFKC, a regex Replace, and Splits with every behavior (merged_with_next,
                            merged_with_previous with a String pattern, removed, contiguous inverted)
  split_cases.json          the corpus and, per tokenizer, the ids (with and without special tokens)
                            and the decoded text (skipping special tokens or not)

    /work/venv-numerics/bin/python Scripts/tokenizers/make_split_tokenizer_fixtures.py
"""
import importlib.util
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "SwiftGradTests", "Resources", "tokenizers")

spec = importlib.util.spec_from_file_location("base", os.path.join(HERE, "make_tokenizer_fixtures.py"))
base = importlib.util.module_from_spec(spec)
spec.loader.exec_module(base)

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
O200K = "|".join([
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"\p{N}{1,3}", r" ?[^\s\p{L}\p{N}]+[\r\n/]*", r"\s*[\r\n]+", r"\s+(?!\S)", r"\s+"])
CL100K = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"

# Lines that exercise the regexes beyond the base corpus.
EXTRA = [
    "CRLF line\r\nnext\r\n\r\nend\r",
    "digits 1234567890 and 12 345 6789012 x1y22z333",
    "camelCaseWords HTTPServer iPhone XMLHttpRequest ÉCOLE école",
    "it'ſ and IT'S and it’s (curly) and 'quoted' words 'LL 'Re",
    "path/to/file.txt and a/b/c\n/root //",
    "  \n\t \n  indented\n",
    "Ångström \u212b A\u030a ǅ Dž titlecase ﬁ ligature ① ½",
    "٣٤٥ Arabic-Indic digits and 3.14, 1,000, -42",
    "hello, world, Hello again, HELLO",
    "a,b,,c 12ab 3 4 ,",
]
CORPUS = base.CORPUS + EXTRA
PARAGRAPH = ("SwiftGrad is an eager, tape-based autograd library. It's written in Swift; it runs on Linux. "
             "Tensors have shapes like [2, 3] and 4096 elements; we've tested 123456 cases in 2024. "
             "Don't worry: they'll compile, and you'd see I'm right.\n\nNew paragraph\r\nwith CRLF.")


def training_text():
    return CORPUS * 2 + base.EDGE * 3 + [PARAGRAPH] * 4


def byte_level_bpe(text, pre, normalizer=None, ignore_merges=False, specials=(), vocab=600):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=list(specials),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(text, trainer)
    return tok


def split_then_bytes(pattern, behavior="isolated", invert=False):
    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior=behavior, invert=invert),
                                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])


def main():
    text = training_text()
    llama3 = byte_level_bpe(text, split_then_bytes(LLAMA3), ignore_merges=True,
                            specials=["<|begin_of_text|>", "<|end_of_text|>"])
    bot = llama3.token_to_id("<|begin_of_text|>")
    llama3.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", bot)])])
    qwen2 = byte_level_bpe(text, split_then_bytes(QWEN2), normalizer=normalizers.NFC(),
                           specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    qwen2.post_processor = processors.ByteLevel(trim_offsets=False)
    o200k = byte_level_bpe(text, split_then_bytes(O200K), specials=["<|endoftext|>"])
    cl100k = byte_level_bpe(text, split_then_bytes(CL100K), specials=["<|endoftext|>"])
    behaviors = byte_level_bpe(
        text,
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"\d+"), behavior="merged_with_next"),
            pre_tokenizers.Split(",", behavior="merged_with_previous"),
            pre_tokenizers.Split(Regex(r"\s+"), behavior="removed"),
            pre_tokenizers.Split(Regex(r"[aeiou]"), behavior="contiguous", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        normalizer=normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(r"(?i:hello)"), "HI")]),
        specials=["<|endoftext|>"])
    toks = {"llama3": llama3, "qwen2": qwen2, "o200k": o200k, "cl100k": cl100k, "behaviors": behaviors}
    for tok in toks.values():
        tok.add_tokens([AddedToken("<|user|>", special=False, normalized=False)])
    cases = {"lines": CORPUS}
    for name, tok in toks.items():
        os.makedirs(os.path.join(OUT, name), exist_ok=True)
        tok.save(os.path.join(OUT, name, "tokenizer.json"))
        rows = []
        for line in CORPUS:
            ids = tok.encode(line).ids
            rows.append({"ids": ids, "ids_no_special": tok.encode(line, add_special_tokens=False).ids,
                         "decoded": tok.decode(ids, skip_special_tokens=False),
                         "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
        cases[name] = rows
    with open(os.path.join(OUT, "split_cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
    for name, tok in toks.items():
        print(f"{name}: vocab {tok.get_vocab_size()}, {len(tok.to_str())} bytes")


if __name__ == "__main__":
    main()
