"""Writes Tests/SwiftGradTests/Resources/module_conformance_fixtures.json.gz from PyTorch's ModuleInfo database.

Run by a developer (never by the tests), from the repository root, with torch, numpy and expecttest
installed (the ModuleInfo module imports them):
    python Scripts/conformance/make_module_fixtures.py [--only nn.Linear ...]

For every entry of `module_db` (torch.testing._internal.common_modules) it records, on the CPU, a
capped selection of the samples of its `module_inputs_func`, for float64 (with gradients) and
float32 (values only), in training mode and, when the entry says that the modes differ
(`train_and_eval_differ`), in eval mode too:
- the constructor's args and kwargs (a module argument, such as TransformerEncoder's layer, as
  {"module": name, "config": {...}}; a function, such as F.gelu, as {"callable": name});
- the module's state dict right after construction (parameters and buffers, each in the dtype the
  module was built in: float32 for PyTorch's default initialisation, converted to the sample's dtype
  afterwards as PyTorch's tests do), so the test loads PyTorch's weights instead of reproducing its
  initialisation; `params` names the parameters among them;
- the forward call's args and kwargs, and its outputs;
- in float64: the gradients of sum_j sum(output_j * upstream_j) (the upstream of make_fixtures.py:
  element k of output j is ((37 k + 11 j + 5) mod 17 - 8) / 4) with respect to every input tensor that
  requires grad (`grads`, in the order of the "grad": k tags) and every parameter (`paramGrads`);
- in training mode, the buffers after the forward call (`buffersAfter`: BatchNorm's running stats).

Lazy modules (LazyConv*) are run once first, so that their parameters exist; their state dict is
taken after that run. Entries whose outputs are random would keep only the outputs'
shapes (none today: module_db's FractionalMaxPool samples fix their windows with `_random_samples`).
Tensors and values are encoded as in make_fixtures.py (Docs/Conformance.md).
"""
import argparse
import gzip
import itertools
import json
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import DTYPE_NAMES, Encoder, Unencodable, flat_outputs, upstream  # noqa: E402
from torch.testing._internal.common_modules import module_db  # noqa: E402

warnings.filterwarnings("ignore")

OUT = "Tests/SwiftGradTests/Resources/module_conformance_fixtures.json.gz"
# Samples per entry, dtype and training mode (float64 carries gradients; float32 values only).
CAPS = {torch.float64: 4, torch.float32: 1}
MAX_SAMPLE_BYTES = 12000    # JSON text of one sample, gradients included
# All samples of one entry: 80% for float64, 20% for float32, split evenly between the modes (the
# smallest float64 sample of each mode is kept even when it is larger).
ENTRY_BYTES = 26000
# Entries whose outputs are random (none today: FractionalMaxPool's samples pass `_random_samples`).
RANDOM = set()


class ModuleEncoder(Encoder):
    """make_fixtures' encoder, plus modules and functions passed to a constructor."""

    def value(self, v):
        if isinstance(v, torch.nn.TransformerEncoderLayer):
            return '{"module":"nn.TransformerEncoderLayer","config":%s}' % self.value(encoder_layer_config(v))
        if isinstance(v, torch.nn.Module):
            raise Unencodable(f"module argument {type(v).__name__}")
        if callable(v) and hasattr(v, "__name__") and not isinstance(v, type):
            return '{"callable":%s}' % json.dumps(v.__name__)
        return super().value(v)


def encoder_layer_config(layer):
    """The constructor arguments of a TransformerEncoderLayer, read back from the layer."""
    act = layer.activation
    return {"d_model": layer.self_attn.embed_dim, "nhead": layer.self_attn.num_heads,
            "dim_feedforward": layer.linear1.out_features, "dropout": float(layer.dropout.p),
            "activation": act.__name__ if hasattr(act, "__name__") else type(act).__name__.lower(),
            "layer_norm_eps": float(layer.norm1.eps), "batch_first": bool(layer.self_attn.batch_first),
            "norm_first": bool(layer.norm_first), "bias": layer.linear1.bias is not None}


def state_text(module):
    enc = ModuleEncoder(tag_grads=False)
    items = [f"{json.dumps(k)}:{enc.tensor(t.detach())}" for k, t in module.state_dict(keep_vars=True).items()]
    return "{" + ",".join(items) + "}"


def features(mi, training):
    """What a sample adds: its description, constructor options, forward keywords, input rank."""
    f = {f"desc:{mi.desc}"}
    for k, v in mi.constructor_input.kwargs.items():
        f.add(f"ctor:{k}={v!r}"[:60] if isinstance(v, (bool, str, int, float)) else f"ctor:{k}")
    f.add(f"ctorargs{len(mi.constructor_input.args)}")
    for k, v in mi.forward_input.kwargs.items():
        f.add(f"fwd:{k}" + ("=None" if v is None else ""))
    args = mi.forward_input.args
    if args and isinstance(args[0], torch.Tensor):
        f.add(f"rank{args[0].dim()}")
    f.add(f"nargs{len(args)}")
    return f


def encode(info, mi, dtype, training, with_grad, random):
    cls = info.module_cls
    ctor = mi.constructor_input
    enc_ctor = ModuleEncoder(tag_grads=False)
    ctor_args, ctor_kwargs = enc_ctor.value(list(ctor.args)), enc_ctor.value(dict(ctor.kwargs))
    torch.manual_seed(0)
    m = cls(*ctor.args, **ctor.kwargs)
    fwd = mi.forward_input
    if info.is_lazy:
        # The first call materializes the parameters in the default dtype (float32), as construction would.
        with torch.no_grad():
            m(*[a.detach().float() if isinstance(a, torch.Tensor) else a for a in fwd.args], **fwd.kwargs)
    state = state_text(m)
    params = [n for n, _ in m.named_parameters()]
    m = m.to(dtype)
    m.train(training)
    enc = ModuleEncoder()
    args, kwargs = enc.value(list(fwd.args)), enc.value(dict(fwd.kwargs))
    out = m(*fwd.args, **fwd.kwargs)
    outs = flat_outputs(out)
    out_text = ModuleEncoder(with_data=not random, tag_grads=False).value(out)
    parts = [f'"dtypeName":"{DTYPE_NAMES[dtype]}"', f'"training":{"true" if training else "false"}',
             f'"ctorArgs":{ctor_args}', f'"ctorKwargs":{ctor_kwargs}', f'"state":{state}',
             f'"params":{json.dumps(params)}', f'"args":{args}', f'"kwargs":{kwargs}', f'"output":{out_text}']
    if mi.desc:
        parts.append(f'"desc":{json.dumps(mi.desc)}')
    if training:
        g = ModuleEncoder(tag_grads=False)
        bufs = [f"{json.dumps(k)}:{g.tensor(b.detach())}" for k, b in m.named_buffers()]
        if bufs:
            parts.append('"buffersAfter":{' + ",".join(bufs) + "}")
    if with_grad and not random:
        named = [(n, p) for n, p in m.named_parameters() if p.requires_grad]
        wrt = list(enc.leaves) + [p for _, p in named]
        diff = [(j, t) for j, t in enumerate(outs) if t.dtype.is_floating_point and t.requires_grad]
        if diff and wrt:
            loss = sum((t * upstream(j, t.numel()).reshape(t.shape)).sum() for j, t in diff)
            try:
                grads = torch.autograd.grad(loss, wrt, allow_unused=True)
                g = ModuleEncoder(tag_grads=False)
                gi, gp = grads[:len(enc.leaves)], grads[len(enc.leaves):]
                parts.append('"grads":[' + ",".join("null" if x is None else g.tensor(x) for x in gi) + "]")
                parts.append('"paramGrads":{' + ",".join(
                    f"{json.dumps(n)}:{'null' if x is None else g.tensor(x)}" for (n, _), x in zip(named, gp)) + "}")
            except Exception as e:  # noqa: BLE001 (PyTorch's own backward refused the sample)
                parts.append(f'"gradError":{json.dumps(str(e).splitlines()[0][:200])}')
    return "{" + ",".join(parts) + "}"


def select(cands, cap):
    """Greedy over features (half the cap), then evenly spread over the rest; small ones first."""
    chosen, seen = [], set()
    while len(chosen) < max(1, (cap + 1) // 2):
        best, gain = None, 0
        for i, (fs, _) in enumerate(cands):
            if i not in chosen and len(fs - seen) > gain:
                best, gain = i, len(fs - seen)
        if best is None:
            break
        chosen.append(best)
        seen |= cands[best][0]
    rest = [i for i in range(len(cands)) if i not in chosen]
    need = cap - len(chosen)
    if need > 0 and rest:
        step = len(rest) / need
        chosen += sorted({rest[min(int(k * step), len(rest) - 1)] for k in range(need)})
    return sorted(chosen)


def run_entry(info):
    name = info.name
    real = [d for d in info.supported_dtypes("cpu") if not d.is_complex and d in DTYPE_NAMES]
    random = name in RANDOM
    entry = {"name": name, "dtypes": [DTYPE_NAMES[d] for d in real],
             "trainEvalDiffer": bool(info.train_and_eval_differ), "lazy": bool(info.is_lazy)}
    if random:
        entry["random"] = True
    texts, skipped = [], 0
    modes = [True, False] if info.train_and_eval_differ else [True]
    for dtype, cap in CAPS.items():
        if dtype not in real:
            continue
        with_grad = dtype == torch.float64
        for training in modes:
            torch.manual_seed(0)
            try:
                mis = list(info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=with_grad,
                                                   training=training))
            except Exception as e:  # noqa: BLE001
                print(f"  {name} {dtype}: sample generation failed: {str(e)[:120]}", file=sys.stderr)
                continue
            cands = []
            for mi in mis:
                try:
                    text = encode(info, mi, dtype, training, with_grad, random)
                except Unencodable:
                    skipped += 1
                    continue
                except Exception as e:  # noqa: BLE001 (the sample fails in PyTorch)
                    skipped += 1
                    print(f"  {name} {dtype} {mi.desc}: {type(e).__name__}: {str(e)[:120]}", file=sys.stderr)
                    continue
                cands.append((features(mi, training), text))
            budget = ENTRY_BYTES * (0.8 if with_grad else 0.2) / len(modes)
            small = [c for c in cands if len(c[1]) <= min(MAX_SAMPLE_BYTES, budget)]
            if not small and cands and with_grad:
                small = [min(cands, key=lambda c: len(c[1]))]
            kept = 0
            for i in select(small, cap):
                text = small[i][1]
                if kept and len(text) > budget:
                    skipped += 1
                    continue
                texts.append(text)
                kept += 1
                budget -= len(text)
    entry["applicable"] = bool(texts)
    if not texts:
        entry["reason"] = "no encodable real sample"
    if skipped:
        entry["skipped"] = skipped
    return json.dumps(entry)[:-1] + ',"samples":[' + ",\n".join(texts) + "]}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--only", nargs="*")
    p.add_argument("--out", default=OUT)
    a = p.parse_args()
    entries = []
    for info in module_db:
        if a.only and info.name not in a.only:
            continue
        t0 = time.time()
        entries.append(run_entry(info))
        print(f"{info.name}: {time.time() - t0:.1f}s, {len(entries[-1])} bytes", file=sys.stderr, flush=True)
    text = ('{"torch":"%s","upstream":"((37k+11j+5) mod 17 - 8)/4","entries":[\n' % torch.__version__
            + ",\n".join(entries) + "]}\n")
    with gzip.open(a.out, "wb", compresslevel=9) as f:
        f.write(text.encode())
    print(f"{len(entries)} entries, {len(text)} bytes of JSON, {os.path.getsize(a.out)} bytes gzipped")


if __name__ == "__main__":
    main()
