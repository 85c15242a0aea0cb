#!/usr/bin/env python3
"""Trains small tokenizers with Hugging Face's `tokenizers` library and records what it does.

No hub download exists here, so the tokenizers are trained on a bundled corpus (text of the
repository's Docs/ plus unicode edge cases). Writes, under Tests/SwiftGradTests/Resources/tokenizers/:

  gpt2/tokenizer.json       GPT-2 style: ByteLevel pre-tokenizer (GPT-2's regex, byte-to-unicode map),
                            BPE merges, ByteLevel decoder, <|endoftext|> special, two added tokens
  llama/tokenizer.json      Llama (sentencepiece-converted) style: Prepend("▁") + Replace(" ", "▁")
                            normalizers, BPE with byte_fallback (<0x00>..<0xFF>) and fuse_unk, decoder
                            Replace/ByteFallback/Fuse/Strip, <s> added by a TemplateProcessing
  metaspace/tokenizer.json  the same model with the Metaspace pre-tokenizer (prepend_scheme "first", as
                            newer Llama conversions) and a ByteFallback + Metaspace decoder
  cases.json                the test corpus and, per tokenizer, the ids of every line (with and
                            without special tokens) and the decoded text (skipping special tokens or not)

    /work/venv-numerics/bin/python Scripts/tokenizers/make_tokenizer_fixtures.py
"""
import glob
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "SwiftGradTests", "Resources", "tokenizers")

EDGE = [
    "café naïve façade coöperate Ærøskøbing",
    "Ελληνικά русский язык 中文字符 日本語のテキスト 한국어",
    "मनुष्य العربية עברית ไทย",
    "emoji 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖",
    "tabs\tand\u00a0nbsp\u3000ideographic space",
]


def training_text():
    """A few KB of the repository's docs plus the unicode edge cases."""
    lines = []
    for path in sorted(glob.glob(os.path.join(ROOT, "Docs", "*.md")))[:6]:
        with open(path, encoding="utf-8") as f:
            lines += [l for l in f.read().splitlines() if l.strip()][:60]
    return lines + EDGE * 3


# The test corpus: every line is encoded and decoded by the tests.
CORPUS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, don't you think? I'LL SHOUT'S",
    "numbers 0 12 345 6789 3.14159 1,000,000 and 2nd 3rd",
    "tensor.shape == [2, 3]; x += 1 // comment (a) {b} <c>",
    "   leading spaces",
    "trailing spaces   ",
    "runs    of     spaces and\ttabs\t\there",
    "two\nlines\n\nand a blank one\n",
    "\n\n   \n",
    "café naïve Ærøskøbing e\u0301 (combining accent)",
    "Ελληνικά русский 中文字符 日本語 한국어",
    "मनुष्य العربية עברית ไทย",
    "emoji 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷 heart ❤️ robot🤖",
    "nbsp\u00a0here, ideographic\u3000space, line\u2028separator, zero\u200bwidth",
    "<|endoftext|>",
    "before<|endoftext|>after <|endoftext|> spaced",
    "an added token <|user|> in text<|user|>glued",
    "say hello world and hello worldly",
    "as a single word: hello world. (hello world)",
    "<s>hello</s> <unk> inside",
    "x",
    "",
    "ascii punctuation !!! ??? ... --- ___ *** ### $$$ %%%",
    "mixed: naïve🙂café 😀😀😀 ok",
    "\u00ff\u0100\u0000 control\u0007chars",
    "a very long word: supercalifragilisticexpialidocious-antidisestablishmentarianism",
]


def gpt2_tokenizer(text):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(text, trainer)
    tok.add_tokens([AddedToken("<|user|>", special=False), AddedToken(" hello world", single_word=True)])
    return tok


def llama_model(text):
    """A BPE with byte fallback: <unk>, <s>, </s>, the 256 byte tokens, then the trained pieces."""
    base = Tokenizer(models.BPE())
    base.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trainer = trainers.BpeTrainer(vocab_size=500, limit_alphabet=80, show_progress=False)
    base.train_from_iterator(text, trainer)
    data = json.loads(base.to_str())
    trained_vocab = data["model"]["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for piece, _ in sorted(trained_vocab.items(), key=lambda kv: kv[1]):
        if piece not in vocab:
            vocab[piece] = len(vocab)
    return vocab, merges


def llama_tokenizer(vocab, merges, metaspace):
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    if metaspace:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
        tok.decoder = decoders.Sequence([decoders.ByteFallback(),
                                         decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False)])
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(content=" ", left=1, right=0)])
    tok.add_special_tokens([AddedToken("<unk>", normalized=False), AddedToken("<s>", normalized=False),
                            AddedToken("</s>", normalized=False)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    tok.add_tokens([AddedToken("<|user|>", special=False, normalized=False)])
    return tok


def main():
    text = training_text()
    vocab, merges = llama_model(text)
    toks = {
        "gpt2": gpt2_tokenizer(text),
        "llama": llama_tokenizer(vocab, merges, metaspace=False),
        "metaspace": llama_tokenizer(vocab, merges, metaspace=True),
    }
    cases = {"lines": CORPUS}
    for name, tok in toks.items():
        os.makedirs(os.path.join(OUT, name), exist_ok=True)
        tok.save(os.path.join(OUT, name, "tokenizer.json"))
        rows = []
        for line in CORPUS:
            ids = tok.encode(line).ids
            plain = tok.encode(line, add_special_tokens=False).ids
            rows.append({"ids": ids, "ids_no_special": plain,
                         "decoded": tok.decode(ids, skip_special_tokens=False),
                         "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
        cases[name] = rows
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
    for name, tok in toks.items():
        same = sum(r["decoded_skip"] == l for r, l in zip(cases[name], CORPUS))
        print(f"{name}: vocab {tok.get_vocab_size()}, {same}/{len(CORPUS)} lines decode to themselves")


if __name__ == "__main__":
    main()
