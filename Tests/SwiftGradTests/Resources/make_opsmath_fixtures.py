"""Writes opsmath_fixtures.json: PyTorch values and gradients for the math family and the products.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_opsmath_fixtures.py
Each case: an op name (the Swift test maps it to a closure), its inputs, the output, and for cases with
`grad`, the gradients of sum(output * upstream) with respect to every float input. Non-finite numbers
are written as the strings "nan", "inf", "-inf". dtype is "float64" unless the case says "float32".
"""
import json
import math

import torch

torch.manual_seed(0)


def enc(t):
    vals = []
    for v in t.detach().reshape(-1).tolist():
        if isinstance(v, bool):
            v = float(v)
        if isinstance(v, float) and not math.isfinite(v):
            vals.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            vals.append(v)
    return {"shape": list(t.shape), "data": vals}


cases = []


def case(name, op, inputs, fn, grad=True, dtype=torch.float64, args=None):
    xs = [(x.to(dtype) if x.is_floating_point() else x).clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    out = fn(*xs)
    c = {"name": name, "op": op, "dtype": str(dtype).replace("torch.", ""), "args": args or {},
         "inputs": [enc(x) for x in xs], "output": enc(out)}
    if grad:
        up = torch.randn(out.shape, dtype=out.dtype)
        (out * up).sum().backward()
        c["upstream"] = enc(up)
        c["grads"] = [enc(x.grad) if x.grad is not None else None for x in xs]
    cases.append(c)


def T(*v):
    return torch.tensor(v, dtype=torch.float64)


r = lambda *s: torch.randn(*s, dtype=torch.float64)
u = lambda lo, hi, *s: torch.rand(*s, dtype=torch.float64) * (hi - lo) + lo

# Unary: smooth points with gradients, then edge values (poles, domain ends) without.
unary = {
    "tan": (torch.tan, u(-1.2, 1.2, 2, 3), T(0.0, -0.0, math.pi / 2, float("inf"), float("nan"))),
    "asin": (torch.asin, u(-0.9, 0.9, 2, 3), T(-1.0, 1.0, 1.5, -0.0)),
    "acos": (torch.acos, u(-0.9, 0.9, 2, 3), T(-1.0, 1.0, 1.5, 0.0)),
    "atan": (torch.atan, r(2, 3) * 3, T(float("inf"), float("-inf"), -0.0)),
    "sinh": (torch.sinh, r(2, 3) * 2, T(800.0, -800.0, -0.0)),
    "cosh": (torch.cosh, r(2, 3) * 2, T(800.0, -800.0, 0.0)),
    "asinh": (torch.asinh, r(2, 3) * 3, T(1e300, -1e-300, -0.0)),
    "acosh": (torch.acosh, u(1.1, 5, 2, 3), T(1.0, 0.5, float("inf"))),
    "atanh": (torch.atanh, u(-0.9, 0.9, 2, 3), T(1.0, -1.0, 2.0, -0.0)),
    "log2": (torch.log2, u(0.1, 5, 2, 3), T(0.0, -1.0, 1024.0, float("inf"))),
    "log10": (torch.log10, u(0.1, 5, 2, 3), T(0.0, -1.0, 1000.0, 1e-300)),
    "exp2": (torch.exp2, r(2, 3) * 3, T(1100.0, -1100.0, 10.0, -0.5)),
    "erfc": (torch.erfc, r(2, 3) * 2, T(27.0, -6.0, 10.0, float("inf"))),
    "erfinv": (torch.erfinv, u(-0.95, 0.95, 2, 3), T(1.0, -1.0, 1.5, 0.0, -0.0, 0.999999, -0.9999999999, 1e-10, 0.5, 0.7)),
    "lgamma": (torch.lgamma, u(0.2, 6, 2, 3), T(0.0, -0.0, -1.0, -2.5, -0.5, 1e-300, 1.0, 2.0, 200.5, -100.25)),
    "digamma": (torch.digamma, u(0.2, 6, 2, 3), T(0.0, -0.0, -1.0, -2.5, -0.5, 1e-8, 1.0, 10.0, 1e6, -100.25, 3.7)),
    "i0": (torch.i0, r(2, 3) * 4, T(0.0, 29.9, 30.1, -45.0, 200.0, 700.0, 720.0)),
    "special_i1": (torch.special.i1, r(2, 3) * 4, T(0.0, 29.9, -30.1, 45.0, 200.0, 1e-5)),
    "sinc": (torch.sinc, torch.cat([r(5), T(0.0)]), T(1.0, -2.0, 0.5, 1e-20)),
    "logit": (torch.logit, u(0.05, 0.95, 2, 3), T(0.0, 1.0, 1.5, -0.5)),
    "deg2rad": (torch.deg2rad, r(2, 3) * 100, T(180.0, -360.0)),
    "rad2deg": (torch.rad2deg, r(2, 3), T(math.pi, -1.0)),
    "frac": (torch.frac, r(2, 3) * 5, T(-2.5, 3.0, -0.0, float("inf"))),
    "floor": (torch.floor, r(2, 3) * 5, T(-2.5, 2.5, -0.0, -0.5, float("nan"))),
    "ceil": (torch.ceil, r(2, 3) * 5, T(-2.5, 2.5, -0.5, 0.5)),
    "round": (torch.round, r(2, 3) * 5, T(0.5, 1.5, 2.5, -0.5, -1.5, 4503599627370497.0)),
    "trunc": (torch.trunc, r(2, 3) * 5, T(-2.7, 2.7, -0.2)),
}
for name, (fn, smooth, edge) in unary.items():
    case(name, name, [smooth], fn)
    case(name + " edge", name, [edge], fn, grad=False)
    case(name + " float32", name, [edge], fn, grad=False, dtype=torch.float32)

for d in [1, 2, -1, -2, 3]:
    case(f"round decimals {d}", "round_decimals", [T(1.25, 2.675, -0.35, 1234.5678, 15.0, -25.0, 0.045)],
         lambda x, d=d: torch.round(x, decimals=d), grad=False, args={"decimals": d})
    case(f"round decimals {d} float32", "round_decimals", [T(1.25, 2.675, -0.35, 1234.5678, 15.0, -25.0, 0.045)],
         lambda x, d=d: torch.round(x, decimals=d), grad=False, dtype=torch.float32, args={"decimals": d})
case("logit eps", "logit_eps", [T(0.0, 0.0005, 0.3, 0.9999, 1.0, 0.5)], lambda x: torch.logit(x, eps=1e-3),
     args={"eps": 1e-3})
for n in range(5):
    case(f"polygamma {n}", "polygamma", [u(0.3, 6, 2, 3)], lambda x, n=n: torch.polygamma(n, x), args={"n": n})
    case(f"polygamma {n} edge", "polygamma", [T(0.0, -1.0, -2.5, -0.5, 1e-3, 1.0, 30.0, 1e5)],
         lambda x, n=n: torch.polygamma(n, x), grad=False, args={"n": n})

# Binary, broadcast [2, 3] with [3].
binary = {
    "atan2": (torch.atan2, r(2, 3), r(3), (T(0.0, -0.0, 0.0, 1.0, float("inf")), T(0.0, 0.0, -0.0, float("inf"), float("inf")))),
    "hypot": (torch.hypot, r(2, 3), r(3), (T(3.0, 1e300, float("inf"), float("nan")), T(4.0, 1e300, float("nan"), 1.0))),
    "copysign": (torch.copysign, r(2, 3), r(3), (T(1.0, 2.0, 0.0, float("inf")), T(-0.0, 0.0, -1.0, -2.0))),
    "logaddexp": (torch.logaddexp, r(2, 3), r(3), (T(float("-inf"), float("inf"), 1000.0, -1000.0, float("-inf")),
                                                   T(float("-inf"), float("inf"), 1000.0, -1001.0, 3.0))),
    "logaddexp2": (torch.logaddexp2, r(2, 3), r(3), (T(float("-inf"), float("inf"), 1000.0, -1000.0),
                                                     T(float("-inf"), float("inf"), 1000.0, -1001.0))),
    "xlogy": (torch.xlogy, r(2, 3), u(0.2, 3, 3), (T(0.0, 0.0, 0.0, 1.0, 2.0, -1.0), T(float("nan"), 0.0, -1.0, 0.0, float("inf"), 3.0))),
}
for name, (fn, a, b, (ea, eb)) in binary.items():
    case(name, name, [a, b], fn)
    case(name + " edge", name, [ea, eb], fn, grad=False)
    case(name + " float32", name, [ea, eb], fn, grad=False, dtype=torch.float32)

case("heaviside", "heaviside", [T(-1.0, 0.0, 2.0, float("nan"), -0.0), T(0.5)], torch.heaviside, grad=False)
case("lerp scalar small", "lerp_scalar", [r(2, 3), r(3)], lambda a, b: torch.lerp(a, b, 0.3), args={"weight": 0.3})
case("lerp scalar large", "lerp_scalar", [r(2, 3), r(3)], lambda a, b: torch.lerp(a, b, 0.8), args={"weight": 0.8})
case("lerp scalar float32", "lerp_scalar", [r(2, 3), r(3)], lambda a, b: torch.lerp(a, b, 0.7), grad=False,
     dtype=torch.float32, args={"weight": 0.7})
case("lerp tensor", "lerp_tensor", [r(2, 3), r(3), u(-0.5, 1.5, 2, 1)], torch.lerp)
case("addcmul", "addcmul", [r(2, 3), r(3), r(2, 1)], lambda a, b, c: torch.addcmul(a, b, c, value=0.7), args={"value": 0.7})
case("addcdiv", "addcdiv", [r(2, 3), r(3), u(0.5, 2, 2, 1)], lambda a, b, c: torch.addcdiv(a, b, c, value=-1.5),
     args={"value": -1.5})

# Products: einsum (explicit, implicit, diagonals, ellipsis, broadcasting, several operands), then
# tensordot, inner, the add*-products, multi_dot, vecdot, block_diag, cartesian_prod, cdist, pdist,
# cov and corrcoef.
einsums = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i", [(4,), (4,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("...ij,jk", [(2, 2, 3), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("ijk,ikj->i", [(2, 3, 4), (2, 4, 3)]),
    ("Ab,bA->", [(2, 3), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("b...,b...->b", [(2, 3, 2), (2, 3, 2)]),
]
for eq, shapes in einsums:
    case("einsum " + eq, "einsum", [r(*s) for s in shapes], lambda *xs, eq=eq: torch.einsum(eq, *xs), args={"equation": eq})
case("einsum float32", "einsum", [r(2, 3), r(3, 4)], lambda a, b: torch.einsum("ij,jk->ik", a, b), grad=False,
     dtype=torch.float32, args={"equation": "ij,jk->ik"})
case("tensordot 2", "tensordot_n", [r(2, 3, 4), r(3, 4, 2)], lambda a, b: torch.tensordot(a, b, dims=2), args={"dims": 2})
case("tensordot 0", "tensordot_n", [r(2, 3), r(2)], lambda a, b: torch.tensordot(a, b, dims=0), args={"dims": 0})
case("tensordot pairs", "tensordot_pairs", [r(2, 3, 4), r(4, 2, 3)], lambda a, b: torch.tensordot(a, b, dims=([1, 0], [2, 1])),
     args={"a": [1, 0], "b": [2, 1]})
case("inner", "inner", [r(2, 3), r(4, 3)], torch.inner)
case("inner 1d", "inner", [r(3), r(3)], torch.inner)
case("addmv", "addmv", [r(3), r(3, 4), r(4)], lambda s, m, v: torch.addmv(s, m, v, beta=0.5, alpha=2.0), args={"beta": 0.5, "alpha": 2.0})
case("addmv beta0", "addmv", [T(float("nan"), 1.0, 2.0), r(3, 4), r(4)], lambda s, m, v: torch.addmv(s, m, v, beta=0.0),
     grad=False, args={"beta": 0.0, "alpha": 1.0})
case("addr", "addr", [r(3, 1), r(3), r(2)], lambda s, a, b: torch.addr(s, a, b, beta=-1.0, alpha=0.5), args={"beta": -1.0, "alpha": 0.5})
case("baddbmm", "baddbmm", [r(1, 4), r(2, 3, 2), r(2, 2, 4)], lambda s, a, b: torch.baddbmm(s, a, b, beta=2.0, alpha=0.25),
     args={"beta": 2.0, "alpha": 0.25})
case("addbmm", "addbmm", [r(3, 4), r(2, 3, 2), r(2, 2, 4)], lambda s, a, b: torch.addbmm(s, a, b, beta=1.0, alpha=-1.0),
     args={"beta": 1.0, "alpha": -1.0})
case("multi_dot", "multi_dot", [r(3), r(3, 5), r(5, 2), r(2, 4), r(4)], lambda *xs: torch.linalg.multi_dot(xs))
case("multi_dot 2", "multi_dot", [r(2, 3), r(3, 2)], lambda *xs: torch.linalg.multi_dot(xs))
case("vecdot", "vecdot", [r(2, 3), r(3)], lambda a, b: torch.linalg.vecdot(a, b))
case("vecdot axis 0", "vecdot_axis0", [r(3, 2), r(3, 1)], lambda a, b: torch.linalg.vecdot(a, b, dim=0))
case("block_diag", "block_diag", [r(2, 3), r(3), T(5.0), r(1, 2)], lambda *xs: torch.block_diag(*xs))
case("cartesian_prod", "cartesian_prod", [r(2), r(3), r(2)], lambda *xs: torch.cartesian_prod(*xs))
for pn in [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0]:
    case(f"cdist p={pn}", "cdist", [r(2, 3, 4), r(1, 2, 4)], lambda a, b, pn=pn: torch.cdist(a, b, p=pn), args={"p": pn if math.isfinite(pn) else "inf"})
    case(f"pdist p={pn}", "pdist", [r(4, 3)], lambda a, pn=pn: torch.pdist(a, p=pn), args={"p": pn if math.isfinite(pn) else "inf"})
case("cov", "cov", [r(3, 5)], lambda x: torch.cov(x), args={"correction": 1})
case("cov 1d c0", "cov", [r(6)], lambda x: torch.cov(x, correction=0), args={"correction": 0})
case("cov weights", "cov_weights", [r(2, 4), torch.tensor([1, 2, 0, 3]), u(0.5, 2, 4)],
     lambda x, f, a: torch.cov(x, correction=1, fweights=f, aweights=a), args={"correction": 1})
case("corrcoef", "corrcoef", [r(3, 6)], torch.corrcoef)

# Linear algebra composed from the recorded linalg ops.
spd = lambda n: (lambda m: m @ m.T + n * torch.eye(n, dtype=torch.float64))(r(n, n))
case("logdet", "logdet", [spd(3)], torch.logdet)
case("logdet negative", "logdet", [T(-1.0, 0.0, 0.0, 2.0).reshape(2, 2)], torch.logdet, grad=False)
# PyTorch's cholesky_inverse gradient is the full-matrix formula, nonzero outside the triangle the op
# reads; ours is the derivative of what is computed (0 there). The triangle is taken first, so both agree.
case("cholesky_inverse", "cholesky_inverse", [torch.linalg.cholesky(spd(3))], lambda l: torch.cholesky_inverse(l.tril()))
case("cholesky_inverse upper", "cholesky_inverse_upper", [torch.linalg.cholesky(spd(3)).mT.contiguous()],
     lambda u: torch.cholesky_inverse(u.triu(), upper=True))
for o in [None, -2, "fro", "nuc", 1, -1, "inf", "-inf"]:
    po = {"inf": float("inf"), "-inf": float("-inf")}.get(o, o) if isinstance(o, str) and "inf" in o else o
    a = r(2, 3, 3) + 3 * torch.eye(3, dtype=torch.float64)
    args = {"ord": "none" if o is None else str(o)}
    case(f"cond {o}", "cond", [a], lambda a, po=po: torch.linalg.cond(a, p=po), grad=False, args=args)
    # PyTorch 2's cond backward fails for these orders (it modifies inv's output in place): the
    # gradient is taken through the definition ||A||·||A^-1|| instead.
    ref = (lambda a, po=po: torch.linalg.cond(a, p=po)) if o in (None, -2) else \
        (lambda a, po=po: torch.linalg.matrix_norm(a, po) * torch.linalg.matrix_norm(torch.linalg.inv(a), po))
    case(f"cond {o} grad", "cond", [a], ref, args=args)
case("cond rectangular", "cond", [r(4, 2)], lambda a: torch.linalg.cond(a), args={"ord": "none"})
geq, tau = torch.geqrf(r(2, 4, 3))
case("householder_product", "householder_product", [geq, tau], torch.linalg.householder_product)
case("householder_product k<n", "householder_product", [r(4, 3), r(2) * 0.5], torch.linalg.householder_product)
for o in ["fro", "nuc", 2, 1, "-inf"]:
    po = float("-inf") if o == "-inf" else o
    case(f"matrix_norm axes {o}", "matrix_norm_axes", [r(3, 2, 4)],
         lambda a, po=po: torch.linalg.matrix_norm(a, ord=po, dim=(2, 0), keepdim=True), args={"ord": str(o)})

with open("opsmath_fixtures.json", "w") as f:
    json.dump({"cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
