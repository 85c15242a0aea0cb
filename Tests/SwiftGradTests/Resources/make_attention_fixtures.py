"""Writes attention_fixtures.json: PyTorch's F.scaled_dot_product_attention values and gradients,
and transformer_fixtures.json: nn.Transformer and nn.MultiheadAttention (kdim/vdim, add_bias_kv,
add_zero_attn) state dicts, inputs and outputs.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_attention_fixtures.py
Each case holds q, k, v (and a mask), an upstream gradient `gout`, and PyTorch's output and the
gradients of sum(out * gout) with respect to q, k and v (and a float mask).
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def tensor(t):
    t = t.detach()
    digits = 9 if t.dtype == torch.float32 else 17
    return {"shape": list(t.shape), "data": [float(f"{x:.{digits}g}") for x in t.reshape(-1).tolist()]}


def sdpa_case(name, dtype, qs, ks, vs, mask=None, is_causal=False, scale=None, gqa=False, mask_grad=False):
    q = torch.randn(qs, dtype=dtype, requires_grad=True)
    k = torch.randn(ks, dtype=dtype, requires_grad=True)
    v = torch.randn(vs, dtype=dtype, requires_grad=True)
    m = mask
    if m is not None and m.dtype != torch.bool:
        m = m.to(dtype).requires_grad_(mask_grad)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=is_causal, scale=scale, enable_gqa=gqa)
    gout = torch.randn(out.shape, dtype=dtype)
    grads = torch.autograd.grad(out, [q, k, v] + ([m] if mask_grad else []), gout)
    case = {"name": name, "dtype": "float32" if dtype == torch.float32 else "float64",
            "q": tensor(q), "k": tensor(k), "v": tensor(v), "isCausal": is_causal, "gqa": gqa,
            "gout": tensor(gout), "out": tensor(out), "dq": tensor(grads[0]), "dk": tensor(grads[1]),
            "dv": tensor(grads[2])}
    if scale is not None:
        case["scale"] = scale
    if mask is not None:
        case["mask"] = tensor(mask.to(torch.float64))
        case["maskBool"] = mask.dtype == torch.bool
    if mask_grad:
        case["dmask"] = tensor(grads[3])
    return case


bool_mask = torch.rand(5, 7) > 0.3
bool_mask[2] = False  # one row with every key masked: PyTorch gives zeros
cases = []
for dtype in (torch.float64, torch.float32):
    cases.append(sdpa_case("plain", dtype, [2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 3]))
    cases.append(sdpa_case("causal", dtype, [1, 2, 6, 4], [1, 2, 6, 4], [1, 2, 6, 4], is_causal=True))
    cases.append(sdpa_case("causal_rect", dtype, [1, 1, 4, 3], [1, 1, 6, 3], [1, 1, 6, 2], is_causal=True))
    cases.append(sdpa_case("bool_mask", dtype, [2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 3], mask=bool_mask))
    cases.append(sdpa_case("float_mask", dtype, [2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 3],
                           mask=torch.randn(2, 1, 5, 7), scale=0.3, mask_grad=True))
    cases.append(sdpa_case("gqa", dtype, [2, 4, 3, 4], [2, 2, 5, 4], [2, 2, 5, 4], gqa=True))

with open("attention_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "sdpa": cases}, f)


def transformer_case(name, src_len, tgt_len, **kw):
    model = torch.nn.Transformer(batch_first=True, dropout=0.0, **kw)
    for p in model.parameters():  # non-zero biases and norms, so every parameter matters
        with torch.no_grad():
            if p.dim() == 1:
                p.uniform_(-0.5, 0.5)
    model.eval()
    d = kw["d_model"]
    src = torch.randn(2, src_len, d)
    tgt = torch.randn(2, tgt_len, d)
    src_pad = torch.tensor([[False] * src_len, [False] * (src_len - 2) + [True, True]])
    tgt_pad = torch.tensor([[False] * tgt_len, [False] * (tgt_len - 1) + [True]])
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(tgt_len)
    # Gradients enabled: PyTorch's fast path (nested tensors, zeroed padding) stays off.
    out = model(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad,
                memory_key_padding_mask=src_pad)
    return {"name": name, "config": {k: (v if not callable(v) else v.__name__) for k, v in kw.items()},
            "state": {k: tensor(v) for k, v in model.state_dict().items()},
            "src": tensor(src), "tgt": tensor(tgt), "srcPad": tensor(src_pad.double()), "tgtPad": tensor(tgt_pad.double()),
            "out": tensor(out)}


def mha_case(name, **kw):
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True, **kw)
    with torch.no_grad():
        mha.in_proj_bias.uniform_(-0.5, 0.5)
        mha.out_proj.bias.uniform_(-0.5, 0.5)
    q = torch.randn(2, 3, 8)
    k = torch.randn(2, 4, kw.get("kdim") or 8)
    v = torch.randn(2, 4, kw.get("vdim") or 8)
    pad = torch.tensor([[False, False, False, False], [False, False, True, True]])
    mask = torch.tensor([[False, True, False, False], [False, False, False, True], [False, False, False, False]])
    out, w = mha(q, k, v, key_padding_mask=pad, attn_mask=mask, need_weights=True)
    out2, _ = mha(q, k, v, key_padding_mask=pad, attn_mask=mask, need_weights=False)
    assert torch.allclose(out, out2, atol=1e-6)
    return {"name": name, "config": kw, "state": {k: tensor(v) for k, v in mha.state_dict().items()},
            "q": tensor(q), "k": tensor(k), "v": tensor(v), "pad": tensor(pad.double()), "mask": tensor(mask.double()),
            "out": tensor(out), "weights": tensor(w)}


torch.manual_seed(1)
models = [
    transformer_case("post_norm_relu", 5, 4, d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                     dim_feedforward=16),
    transformer_case("pre_norm_gelu", 4, 3, d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                     dim_feedforward=12, norm_first=True, activation="gelu"),
]
attention = [
    mha_case("kdim_vdim", kdim=5, vdim=3),
    mha_case("bias_kv_zero_attn", add_bias_kv=True, add_zero_attn=True),
    mha_case("all", kdim=6, vdim=4, add_bias_kv=True, add_zero_attn=True),
]
with open("transformer_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "transformer": models, "mha": attention}, f)


# Recurrent cells and LSTM proj_size; RoPE and the gated MLP as Hugging Face's Llama code computes
# them (transcribed below: transformers is not installed here).
def state(m):
    return {k: tensor(v) for k, v in m.state_dict().items()}


torch.manual_seed(2)
cells = []
x = torch.randn(3, 4)
for name, cell in (("rnn_tanh", torch.nn.RNNCell(4, 5)), ("rnn_relu", torch.nn.RNNCell(4, 5, nonlinearity="relu")),
                   ("lstm", torch.nn.LSTMCell(4, 5)), ("gru", torch.nn.GRUCell(4, 5))):
    h = torch.randn(3, 5)
    if name == "lstm":
        c = torch.randn(3, 5)
        h1, c1 = cell(x, (h, c))
        out = torch.cat([h1, c1], 1)
        cells.append({"name": name, "state": state(cell), "x": tensor(x), "h": tensor(h), "c": tensor(c), "out": tensor(out)})
    else:
        cells.append({"name": name, "state": state(cell), "x": tensor(x), "h": tensor(h), "out": tensor(cell(x, h))})
lstm = torch.nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True, batch_first=True)
xs = torch.randn(2, 4, 3)
h0 = torch.randn(4, 2, 2)
c0 = torch.randn(4, 2, 5)
ys, (hn, cn) = lstm(xs, (h0, c0))
proj = {"state": state(lstm), "x": tensor(xs), "h0": tensor(h0), "c0": tensor(c0), "out": tensor(ys), "h": tensor(hn),
        "c": tensor(cn)}


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


dim, base = 8, 10000.0
inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
position_ids = torch.tensor([[0, 1, 2, 3, 4], [7, 8, 9, 10, 11]])
freqs = (inv_freq[None, :, None].float().expand(2, -1, 1) @ position_ids[:, None, :].float()).transpose(1, 2)
emb = torch.cat((freqs, freqs), dim=-1)
cos, sin = emb.cos(), emb.sin()
q = torch.randn(2, 3, 5, dim)
k = torch.randn(2, 1, 5, dim)
q_embed = q * cos.unsqueeze(1) + rotate_half(q) * sin.unsqueeze(1)
k_embed = k * cos.unsqueeze(1) + rotate_half(k) * sin.unsqueeze(1)
rope = {"positions": tensor(position_ids.double()), "cos": tensor(cos), "sin": tensor(sin), "q": tensor(q), "k": tensor(k),
        "qEmbed": tensor(q_embed), "kEmbed": tensor(k_embed)}

gate, up, down = torch.nn.Linear(6, 10, bias=False), torch.nn.Linear(6, 10, bias=False), torch.nn.Linear(10, 6, bias=False)
xm = torch.randn(2, 3, 6)
mlp = {"state": {"gate_proj.weight": tensor(gate.weight), "up_proj.weight": tensor(up.weight),
                 "down_proj.weight": tensor(down.weight)},
       "x": tensor(xm), "out": tensor(down(F.silu(gate(xm)) * up(xm)))}
with open("recurrent_rope_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "cells": cells, "lstmProj": proj, "rope": rope, "mlp": mlp}, f)
