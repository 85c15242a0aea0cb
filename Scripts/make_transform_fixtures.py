"""Writes Tests/SwiftGradTests/Resources/transform_fixtures.json: torch.func results in float64
(grad, vjp, jvp, jacrev, jacfwd, hessian, argnums and has_aux) for a few small functions, which
TransformTests compares with SwiftGrad's transforms to 1e-12.

Run by a developer (never by the tests), from the repository root, with torch installed:
    python Scripts/make_transform_fixtures.py
Each function below is written the same way in TransformTests.swift.
"""
import json
import os

import torch
from torch.func import grad, hessian, jacfwd, jacrev, jvp, vjp

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(17)


def randn(*shape):
    return torch.randn(*shape, generator=gen)


def enc(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


# A. An elementwise chain.
def chain(x):
    return torch.sin(x) * torch.exp(x) + x.square() / (1 + x.square())


# B. A small MLP as a function of its first weight (x, b1, w2 fixed).
mlp_x, mlp_b1, mlp_w2 = randn(4, 2), randn(3), randn(2, 3)


def mlp(w1):
    return torch.tanh(torch.nn.functional.linear(mlp_x, w1, mlp_b1)) @ mlp_w2.T


def mlp_loss(w1):
    return (mlp(w1) ** 2).mean()


# C. Softmax (vector output) and logsumexp (scalar).
def softmax(x):
    return torch.softmax(x, dim=-1)


def log_softmax(x):
    return torch.log_softmax(x, dim=-1)


def lse(x):
    return torch.logsumexp(x, dim=1).sum()


# D. Reductions: a norm, a mean and a max along an axis.
def reduction(x):
    return torch.linalg.vector_norm(x, dim=1) * x.mean(dim=1) + x.max(dim=1).values


# E. Two arguments with an auxiliary output.
def two(a, b):
    loss = (a * b).sum() + torch.tanh(a @ b.T).sum()
    return loss, a.max()


cases = {}


def vector_case(name, f, x):
    v, u = randn(*x.shape), randn(*f(x).shape)
    out, t = jvp(f, (x,), (v,))
    _, pullback = vjp(f, x)
    cases[name] = {"x": enc(x), "v": enc(v), "u": enc(u), "out": enc(out), "jvp": enc(t),
                   "vjp": enc(pullback(u)[0]), "jacrev": enc(jacrev(f)(x)), "jacfwd": enc(jacfwd(f)(x))}


def scalar_case(name, f, x):
    cases[name] = {"x": enc(x), "value": enc(f(x)), "grad": enc(grad(f)(x)), "hessian": enc(hessian(f)(x))}


vector_case("chain", chain, randn(2, 3))
scalar_case("chain_sum", lambda x: chain(x).sum(), randn(2, 3))
vector_case("mlp", mlp, randn(3, 2))
scalar_case("mlp_loss", mlp_loss, randn(3, 2))
vector_case("softmax", softmax, randn(2, 3))
vector_case("log_softmax", log_softmax, randn(2, 3))
scalar_case("logsumexp", lse, randn(2, 3))
vector_case("reduction", reduction, randn(3, 4))
scalar_case("reduction_sum", lambda x: reduction(x).sum(), randn(3, 4))

a, b, ta, tb = randn(2, 3), randn(2, 3), randn(2, 3), randn(2, 3)
(ga, gb), aux = grad(two, argnums=(0, 1), has_aux=True)(a, b)
out, t = jvp(lambda a, b: two(a, b)[0], (a, b), (ta, tb))
cases["two"] = {"a": enc(a), "b": enc(b), "ta": enc(ta), "tb": enc(tb), "ga": enc(ga), "gb": enc(gb),
                "aux": enc(aux), "out": enc(out), "jvp": enc(t),
                "hessian_b": enc(hessian(lambda a, b: two(a, b)[0], argnums=1)(a, b)),
                "mlp_x": enc(mlp_x), "mlp_b1": enc(mlp_b1), "mlp_w2": enc(mlp_w2)}

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SwiftGradTests", "Resources", "transform_fixtures.json")
with open(path, "w") as fh:
    json.dump({"torch": torch.__version__, "cases": cases}, fh, separators=(",", ":"))
print("wrote", path, sum(len(json.dumps(c)) for c in cases.values()), "bytes")
