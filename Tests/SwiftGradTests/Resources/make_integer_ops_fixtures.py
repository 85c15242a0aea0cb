"""Writes integer_ops_fixtures.json: PyTorch's values for the integer products (mm, matmul, bmm,
dot, mv, the add*-products, einsum, tensordot, inner, multi_dot, linear, bilinear, trace) and the
other integer paths (linspace/logspace with an integer dtype, the trapezoid rules and logsumexp of
integer tensors), including int64 and uint8 wrap-around.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_integer_ops_fixtures.py
Each case: a name, an op (the Swift test maps it to a closure), its tensor inputs with their
dtypes, its other arguments, and PyTorch's output with its dtype. Integer data are exact JSON ints.
"""
import json

import torch

torch.manual_seed(0)
cases = []


def enc(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "data": [int(v) if not t.is_floating_point() else float(v) for v in t.reshape(-1).tolist()]}


def case(name, op, inputs, fn, **args):
    out = fn(*inputs)
    cases.append({"name": name, "op": op, "args": args, "inputs": [enc(x) for x in inputs], "output": enc(out)})


def ri(dtype, *shape, lo=-9, hi=10):
    if dtype == torch.uint8:
        lo, hi = 0, 256
    elif dtype == torch.bool:
        return torch.randint(0, 2, shape).bool()
    return torch.randint(lo, hi, shape, dtype=dtype)


big = 2 ** 62
# int64 wrap-around: products and sums past 2^63.
case("mm int64 wraps", "mm", [torch.tensor([[big, 3], [5, -7]]), torch.tensor([[4, 1], [big + 12345, 9]])], torch.mm)
case("mm uint8 wraps", "mm", [ri(torch.uint8, 3, 4), ri(torch.uint8, 4, 2)], torch.mm)
for dt in (torch.int8, torch.int16, torch.int32, torch.int64):
    case(f"mm {dt}", "mm", [ri(dt, 3, 5, lo=-100, hi=100), ri(dt, 5, 4, lo=-100, hi=100)], torch.mm)
case("mm int64 transposed view", "mm_t", [ri(torch.int64, 4, 3), ri(torch.int64, 4, 2)], lambda a, b: a.t().mm(b))
case("mm int64 empty inner", "mm", [ri(torch.int64, 2, 0), ri(torch.int64, 0, 3)], torch.mm)
case("mm int64 empty rows", "mm", [ri(torch.int64, 0, 3), ri(torch.int64, 3, 2)], torch.mm)
case("matmul int64 batch broadcast", "matmul", [ri(torch.int64, 2, 1, 3, 4), ri(torch.int64, 3, 4, 2)], torch.matmul)
case("matmul int32 shared matrix", "matmul", [ri(torch.int32, 2, 3, 4), ri(torch.int32, 4, 5)], torch.matmul)
case("matmul int16 vector-matrix", "matmul", [ri(torch.int16, 4), ri(torch.int16, 2, 4, 3)], torch.matmul)
case("matmul uint8 matrix-vector", "matmul", [ri(torch.uint8, 3, 4), ri(torch.uint8, 4)], torch.matmul)
case("matmul int64 vector-vector", "matmul", [ri(torch.int64, 5), ri(torch.int64, 5)], torch.matmul)
case("bmm int32", "bmm", [ri(torch.int32, 2, 3, 4), ri(torch.int32, 2, 4, 2)], torch.bmm)
case("dot int16", "dot", [ri(torch.int16, 6), ri(torch.int16, 6)], torch.dot)
case("mv uint8", "mv", [ri(torch.uint8, 3, 4), ri(torch.uint8, 4)], torch.mv)
case("addmm int64", "addmm", [ri(torch.int64, 2, 3), ri(torch.int64, 2, 4), ri(torch.int64, 4, 3)],
     lambda s, a, b: torch.addmm(s, a, b, beta=2, alpha=-3), beta=2, alpha=-3)
case("addmm int32 beta 0", "addmm", [ri(torch.int32, 3), ri(torch.int32, 2, 4), ri(torch.int32, 4, 3)],
     lambda s, a, b: torch.addmm(s, a, b, beta=0, alpha=1), beta=0, alpha=1)
case("addmv uint8", "addmv", [ri(torch.uint8, 3), ri(torch.uint8, 3, 4), ri(torch.uint8, 4)],
     lambda s, m, v: torch.addmv(s, m, v, beta=1, alpha=2), beta=1, alpha=2)
case("addr int64", "addr", [ri(torch.int64, 3, 2), ri(torch.int64, 3), ri(torch.int64, 2)],
     lambda s, a, b: torch.addr(s, a, b, beta=-1, alpha=4), beta=-1, alpha=4)
case("addr bool", "addr", [ri(torch.bool, 3, 2), ri(torch.bool, 3), ri(torch.bool, 2)],
     lambda s, a, b: torch.addr(s, a, b, beta=True, alpha=True), beta=1, alpha=1)
case("addr bool alpha false", "addr", [ri(torch.bool, 3, 2), ri(torch.bool, 3), ri(torch.bool, 2)],
     lambda s, a, b: torch.addr(s, a, b, beta=True, alpha=False), beta=1, alpha=0)
case("baddbmm int32", "baddbmm", [ri(torch.int32, 2, 3, 2), ri(torch.int32, 2, 3, 4), ri(torch.int32, 2, 4, 2)],
     lambda s, a, b: torch.baddbmm(s, a, b, beta=3, alpha=2), beta=3, alpha=2)
case("addbmm int8 wraps", "addbmm", [ri(torch.int8, 3, 2), ri(torch.int8, 2, 3, 4, lo=-100, hi=100), ri(torch.int8, 2, 4, 2, lo=-100, hi=100)],
     lambda s, a, b: torch.addbmm(s, a, b, beta=1, alpha=1), beta=1, alpha=1)
case("einsum int32 batched", "einsum", [ri(torch.int32, 2, 3, 4), ri(torch.int32, 2, 4, 2)],
     lambda a, b: torch.einsum("bij,bjk->bik", a, b), equation="bij,bjk->bik")
case("einsum int32 sum out", "einsum", [ri(torch.int32, 3, 4)], lambda a: torch.einsum("ij->i", a), equation="ij->i")
case("einsum uint8 trace", "einsum", [ri(torch.uint8, 3, 3)], lambda a: torch.einsum("ii", a), equation="ii")
case("einsum int64 three operands", "einsum", [ri(torch.int64, 2, 3), ri(torch.int64, 3, 4), ri(torch.int64, 4)],
     lambda a, b, c: torch.einsum("ij,jk,k->i", a, b, c), equation="ij,jk,k->i")
case("tensordot int64", "tensordot", [ri(torch.int64, 2, 3, 4), ri(torch.int64, 3, 4, 2)],
     lambda a, b: torch.tensordot(a, b, dims=2), dims=2)
case("inner int32", "inner", [ri(torch.int32, 2, 3), ri(torch.int32, 4, 3)], torch.inner)
case("multi_dot int64", "multi_dot", [ri(torch.int64, 2, 3), ri(torch.int64, 3, 4), ri(torch.int64, 4, 2)],
     lambda a, b, c: torch.linalg.multi_dot([a, b, c]))
case("linear int64 bias", "linear", [ri(torch.int64, 2, 3, 4), ri(torch.int64, 5, 4), ri(torch.int64, 5)],
     torch.nn.functional.linear)
case("bilinear int32", "bilinear", [ri(torch.int32, 2, 3), ri(torch.int32, 2, 4), ri(torch.int32, 5, 3, 4), ri(torch.int32, 5)],
     torch.nn.functional.bilinear)
case("trace int32", "trace", [ri(torch.int32, 3, 4)], torch.trace)
case("trace uint8", "trace", [ri(torch.uint8, 4, 4)], torch.trace)

# Creation with an integer dtype: truncated bounds and points.
for (s, e, n, dt) in [(0, 10, 4, torch.int64), (-7.9, 3.9, 5, torch.int32), (0, 255, 7, torch.uint8), (5, -5, 6, torch.int64)]:
    case(f"linspace {s} {e} {n} {dt}", "linspace", [], lambda: torch.linspace(s, e, n, dtype=dt),
         start=s, end=e, steps=n, dtype=str(dt).replace("torch.", ""))
for (s, e, n, b, dt) in [(0, 3, 4, 2.0, torch.int64), (0.5, 2.7, 5, 10.0, torch.int32), (-1, 2, 4, 3.0, torch.int64)]:
    case(f"logspace {s} {e} {n} {b} {dt}", "logspace", [], lambda: torch.logspace(s, e, n, base=b, dtype=dt),
         start=s, end=e, steps=n, base=b, dtype=str(dt).replace("torch.", ""))

# The trapezoid rules of integers: products in the integer dtype (uint8 wraps), halving in float32.
case("trapezoid uint8 x", "trapezoid_x", [ri(torch.uint8, 3, 3), ri(torch.uint8, 3, 3)],
     lambda y, x: torch.trapezoid(y, x, dim=-2), dim=-2)
case("trapezoid int64 dx", "trapezoid_dx", [ri(torch.int64, 2, 5)], lambda y: torch.trapezoid(y, dx=2.5), dx=2.5, dim=-1)
case("trapezoid uint8 dx", "trapezoid_dx", [ri(torch.uint8, 4)], lambda y: torch.trapezoid(y, dx=1.0), dx=1.0, dim=-1)
case("trapezoid int32 1-D x", "trapezoid_x", [ri(torch.int32, 4, 3), ri(torch.int32, 4)],
     lambda y, x: torch.trapezoid(y, x, dim=0), dim=0)
case("trapezoid int64 empty", "trapezoid_dx", [ri(torch.int64, 2, 0)], lambda y: torch.trapezoid(y, dx=1.0), dx=1.0, dim=-1)
case("cumulative_trapezoid uint8 x", "cumulative_trapezoid_x", [ri(torch.uint8, 3, 3), ri(torch.uint8, 3, 3)],
     lambda y, x: torch.cumulative_trapezoid(y, x, dim=-2), dim=-2)
case("cumulative_trapezoid int32 dx", "cumulative_trapezoid_dx", [ri(torch.int32, 2, 5)],
     lambda y: torch.cumulative_trapezoid(y, dx=0.5), dx=0.5, dim=-1)
case("cumulative_trapezoid uint8 dx", "cumulative_trapezoid_dx", [ri(torch.uint8, 5)],
     lambda y: torch.cumulative_trapezoid(y, dx=3.0), dx=3.0, dim=-1)

# logsumexp of integer and bool tensors: float32.
case("logsumexp int64", "logsumexp", [ri(torch.int64, 3, 4)], lambda x: torch.logsumexp(x, dim=1), dim=1)
case("logsumexp bool keepdim", "logsumexp", [ri(torch.bool, 2, 3)], lambda x: torch.logsumexp(x, dim=0, keepdim=True), dim=0, keepdim=True)
case("logsumexp uint8", "logsumexp", [ri(torch.uint8, 4)], lambda x: torch.logsumexp(x, dim=0), dim=0)

# Convolutions of int64 (PyTorch's CPU convolution takes int64), int64 wrap-around included.
F = torch.nn.functional
case("conv2d int64 stride padding groups bias", "conv2d", [ri(torch.int64, 2, 4, 5, 5), ri(torch.int64, 6, 2, 3, 2), ri(torch.int64, 6)],
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     stride=[2, 1], padding=[1, 2], dilation=[1, 2], groups=2)
case("conv1d int64 wraps", "conv1d", [torch.tensor([[[big, 3, big + 5, -7]]]), torch.tensor([[[2, 3]]])],
     lambda x, w: F.conv1d(x, w), stride=1, padding=0, dilation=1, groups=1)
case("conv3d int64", "conv3d", [ri(torch.int64, 1, 2, 3, 4, 3), ri(torch.int64, 3, 2, 2, 2, 2)],
     lambda x, w: F.conv3d(x, w, stride=1, padding=1), stride=1, padding=1, dilation=1, groups=1)
case("conv_transpose2d int64", "conv_transpose2d", [ri(torch.int64, 2, 4, 3, 3), ri(torch.int64, 4, 3, 3, 2), ri(torch.int64, 6)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
     stride=2, padding=1, output_padding=1, groups=2, dilation=1)
case("conv_transpose1d int64 dilation", "conv_transpose1d", [ri(torch.int64, 1, 2, 5), ri(torch.int64, 2, 3, 3)],
     lambda x, w: F.conv_transpose1d(x, w, stride=3, padding=2, dilation=2), stride=3, padding=2, output_padding=0, groups=1, dilation=2)
case("conv_transpose3d int64", "conv_transpose3d", [ri(torch.int64, 1, 2, 2, 3, 2), ri(torch.int64, 2, 2, 2, 2, 2)],
     lambda x, w: F.conv_transpose3d(x, w, stride=2), stride=2, padding=0, output_padding=0, groups=1, dilation=1)

# Pools of integers: the input's dtype; averages truncated toward zero.
case("max_pool2d int32 indices", "max_pool2d_indices", [ri(torch.int32, 1, 2, 5, 6)],
     lambda x: torch.stack([v.to(torch.int64) for v in F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)]),
     kernel=3, stride=2, padding=1, ceil_mode=True)
case("max_pool2d uint8 dilation", "max_pool2d", [ri(torch.uint8, 2, 5, 7)], lambda x: F.max_pool2d(x, 2, stride=2, dilation=2), kernel=2, stride=2, dilation=2)
case("avg_pool2d int64 ceil no pad count", "avg_pool2d", [ri(torch.int64, 1, 2, 5, 5)],
     lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     kernel=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
case("avg_pool2d int64 divisor override", "avg_pool2d", [ri(torch.int64, 2, 4, 4)],
     lambda x: F.avg_pool2d(x, 2, divisor_override=-3), kernel=2, stride=2, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=-3)
case("avg_pool1d int64", "avg_pool1d", [ri(torch.int64, 2, 3, 8)],
     lambda x: F.avg_pool1d(x, 3, stride=2, padding=1), kernel=3, stride=2, padding=1, ceil_mode=False, count_include_pad=True)

# Activations of integers.
case("relu int32", "relu", [ri(torch.int32, 3, 4)], F.relu)
case("relu6 uint8", "relu6", [ri(torch.uint8, 8)], F.relu6)
case("hardtanh int64 fractional bounds", "hardtanh", [ri(torch.int64, 3, 4)], lambda x: F.hardtanh(x, -2.7, 3.3), min=-2.7, max=3.3)
case("hardtanh int64 half bounds", "hardtanh", [ri(torch.int64, 6)], lambda x: F.hardtanh(x, -0.5, 0.5), min=-0.5, max=0.5)
case("softsign int64", "softsign", [ri(torch.int64, 5)], F.softsign)

# Losses of integers: integer arithmetic (uint8 wraps) up to the first float operand.
case("margin_ranking_loss uint8", "margin_ranking_loss", [ri(torch.uint8, 6), ri(torch.uint8, 6), ri(torch.uint8, 6)],
     lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.5, reduction="none"), margin=0.5, reduction="none")
case("margin_ranking_loss int64 mean", "margin_ranking_loss", [ri(torch.int64, 6), ri(torch.int64, 6), torch.tensor([1, -1, 1, -1, 1, -1])],
     lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=1.0), margin=1.0, reduction="mean")
case("cosine_embedding_loss int64", "cosine_embedding_loss", [ri(torch.int64, 4, 3), ri(torch.int64, 4, 3), torch.tensor([1, -1, 1, 0])],
     lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2, reduction="none"), margin=0.2, reduction="none")
case("cosine_embedding_loss uint8", "cosine_embedding_loss", [ri(torch.uint8, 3, 4), ri(torch.uint8, 3, 4), torch.tensor([1, 255, 255], dtype=torch.uint8)],
     lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1, reduction="sum"), margin=0.1, reduction="sum")
case("poisson_nll_loss int64 full", "poisson_nll_loss", [ri(torch.int64, 6, lo=-3, hi=4), ri(torch.int64, 6, lo=0, hi=6)],
     lambda x, t: F.poisson_nll_loss(x, t, log_input=True, full=True, reduction="none"), log_input=True, full=True, reduction="none")
case("poisson_nll_loss int32 no log", "poisson_nll_loss", [ri(torch.int32, 5, lo=1, hi=9), ri(torch.int32, 5, lo=0, hi=6)],
     lambda x, t: F.poisson_nll_loss(x, t, log_input=False, eps=0.25, reduction="mean"), log_input=False, full=False, eps=0.25, reduction="mean")
case("triplet_margin_loss int32", "triplet_margin_loss", [ri(torch.int32, 3, 4), ri(torch.int32, 3, 4), ri(torch.int32, 3, 4)],
     lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=1.0, swap=True), margin=1.0, swap=True)
case("pairwise_distance uint8", "pairwise_distance", [ri(torch.uint8, 3, 4), ri(torch.uint8, 3, 4)],
     lambda a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True), p=1.0, keepdim=True)

with open("integer_ops_fixtures.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
print(len(cases), "cases")
