"""Writes Tests/SwiftGradTests/Resources/conformance_fixtures.json.gz from PyTorch's OpInfo database.

Run by a developer (never by the tests), from the repository root, with torch, numpy and expecttest
installed (the OpInfo module imports them):
    python Scripts/conformance/make_fixtures.py [--only NAME ...]

For every entry of `op_db` (torch.testing._internal.common_methods_invocations) it records:
- whether the entry applies to real-valued CPU tensors (and why not, when it does not);
- a capped selection of its `reference_inputs` (which include its `sample_inputs`) in float64: the
  inputs, the args/kwargs, the outputs, and the gradients of sum(output_j * upstream_j) over the
  floating outputs with respect to every input tensor that requires grad. The upstream is not
  stored: element k of output j is ((37 k + 11 j + 5) mod 17 - 8) / 4, which the Swift side
  recomputes (`Conformance.upstream`). A leaf that PyTorch's graph does not reach (OpInfo's views
  flagged requires_grad) takes its gradient from a second run on fresh leaves (`gradients`); a
  gradient left null is one PyTorch does not define, and the test requires ours to be zero;
- values-only samples (no gradients) for the other dtypes the op supports on CPU: float32, int64,
  bool, float16, bfloat16, int32, uint8.

The selection is greedy over features (0-d, empty, broadcasting, negative ints in the arguments,
each keyword argument, non-finite values, non-contiguous inputs, ranks) and then evenly spread over
the rest, among the samples whose element count is at most MAX_ELEMENTS (the smallest sample when
none is that small). The format is described in Docs/Conformance.md.
"""
import argparse
import gzip
import itertools
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import torch
from torch.testing._internal.common_methods_invocations import op_db

warnings.filterwarnings("ignore")
torch.manual_seed(0)

OUT = "Tests/SwiftGradTests/Resources/conformance_fixtures.json.gz"
# Samples per entry and dtype (float64 carries gradients; the others are values only).
CAPS = {torch.float64: 6, torch.float32: 2, torch.int64: 2, torch.bool: 1,
        torch.float16: 1, torch.bfloat16: 1, torch.int32: 1, torch.uint8: 1}
POOL = 60                   # samples drawn from a generator before selecting
MAX_SAMPLE_BYTES = 8000     # JSON text of one sample (large outputs: kron, grid_sample...)
MAX_ELEMENTS = 400          # inputs + outputs of one sample (float64: + gradients)
DTYPE_NAMES = {torch.float64: "float64", torch.float32: "float32", torch.float16: "float16",
               torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
               torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}

# Entries whose outputs are random or uninitialised: only the outputs' shapes and dtypes are kept.
RANDOM = {"cauchy", "exponential", "geometric", "log_normal", "normal", "uniform", "bernoulli",
          "multinomial", "randn", "randn_like", "rand_like", "randint", "randint_like", "empty",
          "empty_like", "new_empty", "new_empty_strided", "empty_strided", "empty_permuted",
          "resize_", "resize_as_", "nn.functional.dropout", "nn.functional.dropout2d",
          "nn.functional.dropout3d", "nn.functional.alpha_dropout",
          "nn.functional.feature_alpha_dropout", "nn.functional.rrelu", "svd_lowrank", "pca_lowrank",
          "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d"}


# Entries whose samples read their input's storage beyond its own elements (as_strided of a view with
# an explicit storage_offset): their view inputs also carry the whole storage ("storage").
STORAGE = {"as_strided.partial_views"}


class Unencodable(Exception):
    pass


def upstream(j, n):
    k = torch.arange(n, dtype=torch.int64)
    return (((37 * k + 11 * j + 5) % 17) - 8).to(torch.float64) / 4


def fmt_float(x, dtype):
    """Shortest text that reads back to the same value of `dtype` (JSON has no NaN/Inf: strings)."""
    if math.isnan(x):
        return '"nan"'
    if math.isinf(x):
        return '"inf"' if x > 0 else '"-inf"'
    if dtype == torch.float32:
        s = str(np.float32(x))
    elif dtype == torch.float16:
        s = str(np.float16(x))
    else:
        s = repr(float(x))
    if s.endswith(".0"):
        s = s[:-2]
    return s


class Encoder:
    """Encodes a sample's values as JSON text; collects the tensors that require grad (`leaves`)."""

    def __init__(self, with_data=True, tag_grads=True, with_storage=False):
        self.leaves = []
        self.with_data = with_data
        self.tag_grads = tag_grads
        self.with_storage = with_storage

    def tensor(self, t):
        if t.is_complex() or t.layout != torch.strided or t.is_quantized:
            raise Unencodable("complex or non-strided tensor")
        if t.dtype not in DTYPE_NAMES:
            raise Unencodable(f"dtype {t.dtype}")
        parts = [f'"dtype":"{DTYPE_NAMES[t.dtype]}"', f'"shape":{json.dumps(list(t.shape), separators=(",", ":"))}']
        if self.with_data:
            flat = t.detach().contiguous().reshape(-1)
            if t.dtype.is_floating_point:
                data = ",".join(fmt_float(v, t.dtype) for v in flat.double().tolist())
            else:
                data = ",".join(str(int(v)) for v in flat.tolist())
            parts.append(f'"data":[{data}]')
        if self.tag_grads and t.requires_grad and t.dtype.is_floating_point:
            # The same tensor object twice (`x, x`) is one leaf: its gradient is the sum of both uses.
            k = next((i for i, l in enumerate(self.leaves) if l is t), None)
            if k is None:
                k = len(self.leaves)
                self.leaves.append(t)
            parts.append(f'"grad":{k}')
        if not t.is_contiguous() and t.numel() > 1:
            parts.append('"noncontiguous":true')
        if self.with_storage and self.with_data:
            # For ops that read the storage itself (as_strided with a storage_offset): the whole
            # storage, and where the tensor sits in it.
            n = t.untyped_storage().nbytes() // t.element_size()
            if n != t.numel() or t.storage_offset() != 0:
                base = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage(), 0, (n,), (1,))
                flat = base.detach().reshape(-1)
                data = (",".join(fmt_float(v, t.dtype) for v in flat.double().tolist()) if t.dtype.is_floating_point
                        else ",".join(str(int(v)) for v in flat.tolist()))
                parts.append('"storage":{"data":[%s],"offset":%d,"strides":%s}'
                             % (data, t.storage_offset(), json.dumps(list(t.stride()), separators=(",", ":"))))
        return "{" + ",".join(parts) + "}"

    def value(self, v):
        if isinstance(v, torch.Tensor):
            return self.tensor(v)
        if v is None:
            return "null"
        if isinstance(v, bool):
            return '{"bool":%s}' % ("true" if v else "false")
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return '{"float":%s}' % fmt_float(v, torch.float64)
        if isinstance(v, complex):
            raise Unencodable("complex scalar")
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, torch.dtype):
            if v not in DTYPE_NAMES:
                raise Unencodable(f"dtype argument {v}")
            return '{"torch_dtype":"%s"}' % DTYPE_NAMES[v]
        if isinstance(v, torch.device):
            return '{"device":"%s"}' % v.type
        if isinstance(v, (torch.memory_format, torch.layout)):
            return '{"other":%s}' % json.dumps(str(v))
        if isinstance(v, slice):
            return '{"slice":[%s,%s,%s]}' % tuple(self.value(x) for x in (v.start, v.stop, v.step))
        if v is Ellipsis:
            return '{"ellipsis":true}'
        if isinstance(v, (list, tuple, torch.Size)):
            return "[" + ",".join(self.value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ",".join(f"{json.dumps(k)}:{self.value(x)}" for k, x in v.items()) + "}"
        raise Unencodable(f"{type(v).__name__}")


def tensors_in(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (list, tuple)):
        return [t for x in v for t in tensors_in(x)]
    if isinstance(v, dict):
        return [t for x in v.values() for t in tensors_in(x)]
    return []


def element_count(s):
    return sum(t.numel() for t in tensors_in([s.input, list(s.args), s.kwargs]))


def has_negative_int(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return v < 0
    if isinstance(v, (list, tuple)):
        return any(has_negative_int(x) for x in v)
    if isinstance(v, dict):
        return any(has_negative_int(x) for x in v.values())
    return False


def features(s):
    ts = tensors_in([s.input, list(s.args), s.kwargs])
    f = set()
    first = ts[0] if ts else None
    if first is not None:
        f.add(f"rank{min(first.dim(), 4)}")
        if first.dim() == 0:
            f.add("0-d")
    if any(t.numel() == 0 for t in ts):
        f.add("empty")
    if s.broadcasts_input or len({tuple(t.shape) for t in ts}) > 1:
        f.add("broadcast")
    if has_negative_int(list(s.args)) or has_negative_int(s.kwargs):
        f.add("negative")
    for k, v in s.kwargs.items():
        f.add(f"kw:{k}={v!r}"[:60] if isinstance(v, (bool, str)) else f"kw:{k}")
    f.add(f"nargs{len(s.args)}")
    if any(t.dtype.is_floating_point and not torch.isfinite(t).all() for t in ts):
        f.add("nonfinite")
    if any(not t.is_contiguous() for t in ts):
        f.add("noncontiguous")
    return f


def signature(s):
    """Shapes, dtypes, the non-tensor arguments and a few values: equal for duplicate samples."""
    ts = tensors_in([s.input, list(s.args), s.kwargs])
    head = [t.detach().reshape(-1)[:3].tolist() for t in ts]
    strip = lambda v: ("T", tuple(v.shape), str(v.dtype)) if isinstance(v, torch.Tensor) else (
        [strip(x) for x in v] if isinstance(v, (list, tuple)) else v)
    return repr((strip(s.input), strip(list(s.args)), sorted((k, repr(strip(v))) for k, v in s.kwargs.items()), head))


def select(samples, cap):
    """Greedy over features, then evenly spread; small samples only (the smallest if none is small)."""
    unique, sigs = [], set()
    for s in samples:
        sig = signature(s)
        if sig not in sigs:
            sigs.add(sig)
            unique.append(s)
    samples = unique
    small = [s for s in samples if element_count(s) <= MAX_ELEMENTS]
    if not small and samples:
        small = [min(samples, key=element_count)]
    chosen, seen = [], set()
    feats = [features(s) for s in small]
    while len(chosen) < cap:
        best, gain = None, 0
        for i, fs in enumerate(feats):
            if i in chosen:
                continue
            g = len(fs - seen)
            if g > gain:
                best, gain = i, g
        if best is None or len(chosen) >= (cap + 1) // 2 + 1:
            break
        chosen.append(best)
        seen |= feats[best]
    rest = [i for i in range(len(small)) if i not in chosen]
    need = cap - len(chosen)
    if need > 0 and rest:
        step = len(rest) / need
        chosen += sorted({rest[min(int(k * step), len(rest) - 1)] for k in range(need)})
    return [small[i] for i in sorted(chosen)]


def flat_outputs(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for x in out for t in flat_outputs(x)]
    return []


def encode_sample(op, s, dtype, random, with_grad, storage=False):
    enc = Encoder(with_storage=storage)
    inp = enc.value(s.input)
    args = enc.value(list(s.args))
    kwargs = enc.value(dict(s.kwargs))
    out = op(s.input, *s.args, **s.kwargs)
    outs = flat_outputs(out)
    if any(t.is_complex() for t in outs):
        raise Unencodable("complex output")
    out_text = Encoder(with_data=not random, tag_grads=False).value(out)
    parts = [f'"input":{inp}', f'"args":{args}', f'"kwargs":{kwargs}', f'"output":{out_text}']
    if s.name:
        parts.append(f'"desc":{json.dumps(s.name)}')
    if with_grad and not random and enc.leaves:
        if any(t.dtype.is_floating_point and t.requires_grad for t in outs):
            try:
                grads = gradients(op, s, enc.leaves, outs)
                g_enc = Encoder(tag_grads=False)
                parts.append('"grads":[' + ",".join(
                    "null" if g is None else g_enc.tensor(g.detach()) for g in grads) + "]")
            except Exception as e:  # noqa: BLE001 (PyTorch's own backward refused the sample)
                parts.append(f'"gradError":{json.dumps(str(e).splitlines()[0][:200])}')
    return "{" + ",".join(parts) + "}", out


def grads_of(outs, leaves):
    """Gradients of sum_j sum(output_j * upstream_j) with respect to `leaves` (None: not reached)."""
    diff = [(j, t) for j, t in enumerate(outs) if t.dtype.is_floating_point and t.requires_grad]
    if not diff:
        return [None] * len(leaves)
    loss = sum((t * upstream(j, t.numel()).reshape(t.shape)).sum() for j, t in diff)
    return list(torch.autograd.grad(loss, leaves, allow_unused=True))


def same_values(a, b):
    """Equal outputs (floats to 1e-12: an expanded input may take another kernel path, 1 ulp apart)."""
    def same(x, y):
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.is_floating_point:
            return torch.allclose(x.detach(), y.detach(), rtol=1e-12, atol=0, equal_nan=True)
        return torch.equal(x, y)
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


def gradients(op, s, leaves, outs):
    """The gradients of the sample's leaves; None only where PyTorch's graph does not reach a leaf.

    OpInfo's reference inputs include views (expanded, transposed, strided) that were made from a
    leaf and then flagged requires_grad: they report requires_grad, but the graph the op records
    does not reach them, so autograd.grad gives None although the output depends on them. For those
    leaves the op runs again on fresh leaves holding the same values (contiguous copies), and their
    gradients are kept when that run's outputs equal the first run's (ops that read the storage
    layout, as_strided, would differ, and keep None).
    """
    grads = grads_of(outs, leaves)
    if all(g is not None for g in grads):
        return grads
    memo = {}

    def fresh(v):
        if isinstance(v, torch.Tensor):
            if not (v.requires_grad and v.dtype.is_floating_point):
                return v
            if id(v) not in memo:
                memo[id(v)] = v.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
            return memo[id(v)]
        if isinstance(v, torch.Size):
            return v
        if isinstance(v, list):
            return [fresh(x) for x in v]
        if isinstance(v, tuple):
            return tuple(fresh(x) for x in v)
        if isinstance(v, dict):
            return {k: fresh(x) for k, x in v.items()}
        return v

    inp, args, kwargs = fresh(s.input), fresh(list(s.args)), fresh(dict(s.kwargs))
    outs2 = flat_outputs(op(inp, *args, **kwargs))
    if not same_values(outs, outs2):
        return grads
    grads2 = grads_of(outs2, [memo[id(l)] for l in leaves])
    # A zero gradient may come back as a ZeroTensor without storage (sgn of reals): materialize it.
    grads2 = [torch.zeros(g.shape, dtype=g.dtype) if g is not None and g._is_zerotensor() else g for g in grads2]
    return [g2 if g is None else g for g, g2 in zip(grads, grads2)]


def applicability(op, name):
    real = [d for d in op.supported_dtypes("cpu") if not d.is_complex]
    if not real:
        return [], "no real dtype on CPU"
    if name.startswith(("_", "torch.ops.", "torch._", "native_", "jiterator_")) or name in (
            "max_pool2d_with_indices_backward", "hash_tensor"):
        return real, "private or internal op"
    if name.startswith(("sparse.", "to_sparse")) or name == "to_sparse":
        return real, "sparse layout"
    return real, None


def run_entry(op):
    name = op.name
    full = name + ("." + op.variant_test_name if op.variant_test_name else "")
    real, reason = applicability(op, name)
    entry = {"name": name, "variant": op.variant_test_name,
             "dtypes": [DTYPE_NAMES[d] for d in real if d in DTYPE_NAMES],
             "autograd": bool(op.supports_autograd), "gradgrad": bool(op.supports_gradgrad)}
    random = name in RANDOM or full in RANDOM or bool(getattr(op, "has_nondeterministic_output", False))
    if random:
        entry["random"] = True
    samples_text, skipped, complex_out, oversize, n_ok = [], 0, 0, 0, 0
    if reason is None:
        for dtype, cap in CAPS.items():
            if dtype not in real:
                continue
            grad = dtype == torch.float64 and op.supports_autograd
            pool = None
            # float64: reference_inputs (sample_inputs plus extremal and larger cases); the other dtypes:
            # sample_inputs. At most POOL samples are drawn from the (lazy) generators.
            makers = [op.reference_inputs, op.sample_inputs] if dtype == torch.float64 else [op.sample_inputs]
            for make in makers:
                try:
                    torch.manual_seed(0)
                    pool = list(itertools.islice(make("cpu", dtype, requires_grad=grad), POOL))
                    break
                except Exception as e:  # noqa: BLE001
                    print(f"  {full} {dtype}: sample generation failed: {str(e)[:100]}", file=sys.stderr)
            if pool is None:
                continue
            for s in select(pool, cap):
                try:
                    text, _ = encode_sample(op.op, s, dtype, random, grad, storage=full in STORAGE)
                    if len(text) > MAX_SAMPLE_BYTES:
                        skipped += 1
                        oversize += 1
                        continue
                    samples_text.append(text[:-1] + f',"dtypeName":"{DTYPE_NAMES[dtype]}"' + "}")
                    n_ok += 1
                except Unencodable as e:
                    skipped += 1
                    if "complex output" in str(e):
                        complex_out += 1
                except Exception as e:  # noqa: BLE001 (the sample itself fails in PyTorch)
                    skipped += 1
                    print(f"  {full} {dtype}: {type(e).__name__}: {str(e)[:120]}", file=sys.stderr)
        if n_ok == 0:
            reason = ("complex output" if complex_out else "samples too large for the fixtures" if oversize
                      else "no encodable real sample")
    entry["applicable"] = reason is None
    if reason:
        entry["reason"] = reason
    if skipped:
        entry["skipped"] = skipped
    head = json.dumps(entry)[:-1]
    return head + ',"samples":[' + ",\n".join(samples_text) + "]}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--only", nargs="*")
    p.add_argument("--out", default=OUT)
    p.add_argument("--merge", action="store_true",
                   help="replace only the --only entries in the existing --out file, keeping the others")
    a = p.parse_args()
    entries = []
    for op in op_db:
        full = op.name + ("." + op.variant_test_name if op.variant_test_name else "")
        if a.only and op.name not in a.only and full not in a.only:
            continue
        t0 = time.time()
        entries.append(run_entry(op))
        print(f"{full}: {time.time() - t0:.1f}s", file=sys.stderr, flush=True)
    version = torch.__version__
    if a.merge:
        # The new entries take the place of the old ones of the same name and variant.
        with gzip.open(a.out, "rb") as f:
            old = json.loads(f.read())
        if old.get("torch") != version:
            print(f"note: the file was made with torch {old.get('torch')}, these entries with {version}", file=sys.stderr)
            version = old.get("torch")
        # Entries are spliced as text (a JSON round trip would change other entries, e.g. -0 to 0):
        # in the file each entry starts a line with {"name": (its samples start lines with {"input":).
        fresh = {(e["name"], e["variant"]): t for e, t in ((json.loads(t), t) for t in entries)}
        with gzip.open(a.out, "rt") as f:
            lines = f.read().split("\n")
        chunks, current = [], None
        for line in lines[1:]:
            if line.startswith('{"name": '):
                current = [line]
                chunks.append(current)
            elif current is not None:
                current.append(line)
        merged = []
        for chunk in chunks:
            text = "\n".join(chunk).rstrip()
            text = text[:-2] if text.endswith("]}") and text.endswith("]}]}") else text   # the file's closing ]}
            text = text[:-1] if text.endswith(",") else text
            head = json.loads(text[:text.index(',"samples":[')] + "}")
            merged.append(fresh.pop((head["name"], head["variant"]), text))
        entries = merged + list(fresh.values())
    text = ('{"torch":"%s","upstream":"((37k+11j+5) mod 17 - 8)/4","entries":[\n' % version
            + ",\n".join(entries) + "]}\n")
    with gzip.open(a.out, "wb", compresslevel=9) as f:
        f.write(text.encode())
    print(f"{len(entries)} entries, {len(text)} bytes of JSON, {os.path.getsize(a.out)} bytes gzipped")


if __name__ == "__main__":
    main()
