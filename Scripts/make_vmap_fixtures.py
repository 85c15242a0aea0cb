"""Writes Tests/SwiftGradTests/Resources/vmap_fixtures.json: torch.func.vmap results in float64
(in_dims and out_dims, None for a shared argument, nested vmap, matmul cases, and per-sample
gradients of a small MLP: vmap(grad(loss), in_dims=(None, 0, 0))), and torch.func.linearize and
functional_call (values and a gradient through it), which VmapTests compares with SwiftGrad to 1e-12.

Run by a developer (never by the tests), from the repository root, with torch installed:
    python Scripts/make_vmap_fixtures.py
Each function below is written the same way in VmapTests.swift.
"""
import json
import os

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, linearize, vmap

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(23)


def randn(*shape):
    return torch.randn(*shape, generator=gen)


def enc(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


cases = {}

# A. A small MLP on one sample (x: [2]), mapped over a batch of 5.
w1, b1, w2, b2 = randn(3, 2), randn(3), randn(4, 3), randn(4)


def mlp(x):
    return F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2)


xs = randn(5, 2)
cases["mlp"] = {"w1": enc(w1), "b1": enc(b1), "w2": enc(w2), "b2": enc(b2), "x": enc(xs), "out": enc(vmap(mlp)(xs))}


# B. Per-sample gradients of the MLP's cross-entropy: vmap(grad(loss), in_dims=(None, 0, 0)).
def loss(params, x, y):
    a, b, c, d = params
    logits = F.linear(torch.tanh(F.linear(x, a, b)), c, d)
    return F.cross_entropy(logits.unsqueeze(0), y.unsqueeze(0))


ys = torch.tensor([0, 3, 1, 2, 3])
per_sample = vmap(grad(loss), in_dims=(None, 0, 0))((w1, b1, w2, b2), xs, ys)
cases["per_sample_grads"] = {"y": ys.tolist(), "gw1": enc(per_sample[0]), "gb1": enc(per_sample[1]),
                             "gw2": enc(per_sample[2]), "gb2": enc(per_sample[3])}


# C. in_dims (1, None) and out_dims 1: softmax over the mapped columns of a, scaled by a shared b.
def scaled_softmax(a, b):
    return torch.softmax(a * b, dim=0)


a, b = randn(3, 4), randn(3)
cases["in_out_dims"] = {"a": enc(a), "b": enc(b), "out": enc(vmap(scaled_softmax, in_dims=(1, None), out_dims=1)(a, b))}


# D. Nested vmap: a Gaussian kernel matrix, out[j, i] = k(X[i], Y[j]).
def kernel(x, y):
    return torch.exp(-((x - y) ** 2).sum())


X, Y = randn(4, 3), randn(5, 3)
cases["nested"] = {"X": enc(X), "Y": enc(Y), "out": enc(vmap(vmap(kernel, in_dims=(0, None)), in_dims=(None, 0))(X, Y))}

# E. matmul: batched matrix-vector, and a shared matrix times batched matrices (negative in_dims).
A, v = randn(3, 2, 4), randn(3, 4)
M, V = randn(2, 3), randn(3, 4, 5)
cases["matmul"] = {"A": enc(A), "v": enc(v), "Av": enc(vmap(torch.matmul)(A, v)),
                   "M": enc(M), "V": enc(V), "MV": enc(vmap(torch.matmul, in_dims=(None, -1))(M, V))}

# F. linearize: an elementwise chain at x, its jvp along two directions.
def chain(x):
    return torch.sin(x) * torch.exp(x) + x.square() / (1 + x.square())


lx, lv1, lv2 = randn(5), randn(5), randn(5)
lout, ljvp = linearize(chain, lx)
cases["linearize"] = {"x": enc(lx), "v1": enc(lv1), "v2": enc(lv2), "out": enc(lout), "t1": enc(ljvp(lv1)), "t2": enc(ljvp(lv2))}

# G. functional_call: Sequential(Linear(3, 4), Tanh(), Linear(4, 2)) run with given parameters,
# and the gradient of its output's square sum with respect to them.
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
fparams = {name: randn(*p.shape) for name, p in model.named_parameters()}
fx = randn(6, 3)
fout = functional_call(model, fparams, (fx,))
fgrads = grad(lambda p: functional_call(model, p, (fx,)).square().sum())(fparams)
cases["functional_call"] = {"x": enc(fx), "out": enc(fout), **{"p " + k: enc(v) for k, v in fparams.items()},
                            **{"g " + k: enc(v) for k, v in fgrads.items()}}

path = os.path.join("Tests", "SwiftGradTests", "Resources", "vmap_fixtures.json")
with open(path, "w") as f:
    json.dump({"generator": "Scripts/make_vmap_fixtures.py", "torch": torch.__version__, "cases": cases}, f)
print("wrote", path)
