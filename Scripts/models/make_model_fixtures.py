#!/usr/bin/env python3
"""Builds the model-library fixtures: small RANDOMLY INITIALISED models made with `transformers` and
`torchvision` (no hub download), saved as a Hugging Face directory (config.json + model.safetensors,
or a sharded model.safetensors.index.json) or a torchvision state dict, with inputs and the logits
PyTorch computes, into Tests/SwiftGradModelsTests/Resources/<arch>/.

    /work/venv-numerics/bin/python Scripts/models/make_model_fixtures.py

Each directory holds `io.safetensors`: `input` (token ids int64 [batch, seq] or images float32
[n, 3, h, w]), optional `attention_mask`/`token_type_ids`, and `logits` (float32, eval mode).
"""
import json
import os
import shutil
import sys

import torch
import torch.nn as nn
import torchvision
from safetensors.torch import save_file
from transformers import (BertConfig, BertForMaskedLM, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel,
                          LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM, ViTConfig, ViTForImageClassification)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "SwiftGradModelsTests", "Resources")


def out_dir(name):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def randomize_norms(model, gen):
    """Random weights of a larger scale than transformers' initializer_range (0.02), so the logits
    are of order 1 and a 1e-4 tolerance means something; LayerNorm/RMSNorm weights around 1 and
    biases around 0 (the defaults 1 and 0 would hide a missing load)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name.lower() or ".ln_" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2 + (1.0 if name.endswith("weight") else 0.0))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.15)


def save_hf(model, d, io, shard=None):
    model.eval()
    if shard:
        model.save_pretrained(d, max_shard_size=shard)
    else:
        model.save_pretrained(d)
    for junk in ("generation_config.json",):
        p = os.path.join(d, junk)
        if os.path.exists(p):
            os.remove(p)
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(d, "io.safetensors"))


def language_model(name, model, vocab, gen, shard=None, seq=7, extra=None):
    randomize_norms(model, gen)
    model.eval()  # dropout off before the reference logits (GPT-2's default dropout is 0.1)
    ids = torch.randint(0, vocab, (2, seq), generator=gen)
    # Left padding on the second row (position ids stay 0..seq-1, as transformers' forward without them).
    mask = torch.ones(2, seq, dtype=torch.int64)
    mask[1, :2] = 0
    with torch.no_grad():
        logits = model(input_ids=ids).logits
        masked = model(input_ids=ids, attention_mask=mask).logits
    io = {"input": ids, "logits": logits.float(), "attention_mask": mask, "logits_masked": masked.float()}
    d = out_dir(name)
    save_hf(model, d, io, shard)
    if extra:
        extra(d)
    return d


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)

    # GPT-2: Conv1D weights [in, out], gelu_new, tied lm_head.
    cfg = GPT2Config(vocab_size=96, n_positions=32, n_embd=32, n_layer=2, n_head=4, attn_implementation="eager")
    language_model("gpt2", GPT2LMHeadModel(cfg), 96, gen)

    # Llama: GQA (4 query heads, 2 key/value heads), llama3 rope scaling, rope_theta 500000,
    # untied embeddings, saved in shards (model.safetensors.index.json).
    cfg = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, tie_word_embeddings=False,
                      rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8},
                      attn_implementation="eager")
    language_model("llama", LlamaForCausalLM(cfg), 96, gen, shard="20KB")

    # Llama with the other flags: default rope, attention_bias (q/k/v/o) and mlp_bias, an explicit
    # head_dim (16) different from hidden/heads (8), tied embeddings.
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=40, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, head_dim=16, max_position_embeddings=64, attention_bias=True, mlp_bias=True,
                      tie_word_embeddings=True, attn_implementation="eager")
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
    d = language_model("llama_flags", model, 64, gen)

    # Mistral: sliding window 4 over 7 tokens, "linear" rope scaling, tied embeddings, GQA 4/1,
    # config.json rewritten in the transformers 4 spelling (rope_theta + rope_scaling).
    cfg = MistralConfig(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=1, head_dim=8, max_position_embeddings=64, sliding_window=4, tie_word_embeddings=True,
                        rope_parameters={"rope_type": "linear", "rope_theta": 1000.0, "factor": 2.0},
                        attn_implementation="eager")

    def v4_spelling(d):
        p = os.path.join(d, "config.json")
        c = json.load(open(p))
        rope = c.pop("rope_parameters")
        c["rope_theta"] = rope.pop("rope_theta")
        rope["type"] = rope.pop("rope_type")
        c["rope_scaling"] = rope
        json.dump(c, open(p, "w"), indent=2, sort_keys=True)
    language_model("mistral", MistralForCausalLM(cfg), 96, gen, extra=v4_spelling)

    # Qwen2: q/k/v bias, yarn rope scaling, tied embeddings.
    cfg = Qwen2Config(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=True,
                      rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                       "original_max_position_embeddings": 16},
                      attn_implementation="eager")
    model = Qwen2ForCausalLM(cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("proj.bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
    language_model("qwen2", model, 96, gen)

    # The Llama fixture's weights in bfloat16 (a single file), with float32 logits of the bf16 model.
    llama = LlamaForCausalLM.from_pretrained(os.path.join(ROOT, "llama"), dtype=torch.bfloat16)
    llama.eval()
    from safetensors.torch import load_file
    ids = load_file(os.path.join(ROOT, "llama", "io.safetensors"))["input"]
    with torch.no_grad():
        logits = llama(input_ids=ids).logits.float()
    d = out_dir("llama_bf16")
    save_hf(llama, d, {"input": ids, "logits": logits})
    # The same bf16 weights widened to float32: the logits a float32 load must reproduce to 1e-4.
    with torch.no_grad():
        widened = llama.float()(input_ids=ids).logits
    save_file({"input": ids, "logits": logits, "logits_float32": widened}, os.path.join(d, "io.safetensors"))

    # BERT: masked-LM head (tied decoder) and sequence classification (pooler), with padding.
    bcfg = dict(vocab_size=96, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                max_position_embeddings=32, type_vocab_size=2, attn_implementation="eager")
    for name, cls, extra in (("bert_mlm", BertForMaskedLM, {}), ("bert_cls", BertForSequenceClassification, {"num_labels": 3})):
        model = cls(BertConfig(**bcfg, **extra))
        randomize_norms(model, gen)
        model.eval()
        ids = torch.randint(0, 96, (2, 6), generator=gen)
        mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
        types = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]])
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
            plain = model(input_ids=ids).logits
        d = out_dir(name)
        save_hf(model, d, {"input": ids, "attention_mask": mask, "token_type_ids": types, "logits": logits.float(),
                           "logits_unmasked": plain.float()})

    # ViT for image classification: 16x16 images, 4x4 patches.
    model = ViTForImageClassification(ViTConfig(image_size=16, patch_size=4, num_channels=3, hidden_size=32, num_hidden_layers=2,
                                                num_attention_heads=4, intermediate_size=64, num_labels=5,
                                                attn_implementation="eager"))
    randomize_norms(model, gen)
    with torch.no_grad():
        model.vit.embeddings.cls_token.normal_(generator=gen)
    model.eval()
    images = torch.randn(2, 3, 16, 16, generator=gen)
    with torch.no_grad():
        logits = model(pixel_values=images).logits
    save_hf(model, out_dir("vit"), {"input": images, "logits": logits.float()})

    # ResNet-18 / -50 with torchvision's blocks and names, narrowed (base width 4 instead of 64)
    # so the fixtures stay small; eval-mode BatchNorm with random running statistics.
    class NarrowResNet(torchvision.models.ResNet):
        def __init__(self, block, layers, base, num_classes):
            nn.Module.__init__(self)
            self._norm_layer = nn.BatchNorm2d
            self.inplanes, self.dilation, self.groups, self.base_width = base, 1, 1, 64
            self.conv1 = nn.Conv2d(3, base, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(base)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, base, layers[0])
            self.layer2 = self._make_layer(block, base * 2, layers[1], stride=2)
            self.layer3 = self._make_layer(block, base * 4, layers[2], stride=2)
            self.layer4 = self._make_layer(block, base * 8, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(base * 8 * block.expansion, num_classes)

    from torchvision.models.resnet import BasicBlock, Bottleneck
    for name, block, layers in (("resnet18", BasicBlock, [2, 2, 2, 2]), ("resnet50", Bottleneck, [3, 4, 6, 3])):
        model = NarrowResNet(block, layers, 4, 10)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                    m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                    m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
                    m.num_batches_tracked.fill_(7)
            model.fc.weight.normal_(0, 1, generator=gen)  # logits of order 1
        model.eval()
        images = torch.randn(2, 3, 32, 32, generator=gen)
        with torch.no_grad():
            logits = model(images)
        d = out_dir(name)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(d, "model.safetensors"))
        save_file({"input": images, "logits": logits}, os.path.join(d, "io.safetensors"))

    total = 0
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            total += os.path.getsize(os.path.join(dirpath, f))
    print(f"fixtures: {total / 1024:.0f} KiB in {ROOT}")


if __name__ == "__main__":
    sys.exit(main())
