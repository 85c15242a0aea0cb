"""Writes muon_fixtures.json: torch.optim.Muon in float64 (its Newton-Schulz iteration runs in
bfloat16, as PyTorch's does) and the orthogonalisation itself.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_muon_fixtures.py
"trajectories": parameters of the given shapes, given gradients (seeded normals) at each step,
every parameter after each step. "orthogonalize": a matrix and _zeropower_via_newtonschulz of it
(bfloat16 values, written as floats). MuonTests.swift replays both.
"""
import json

import torch
from torch.optim._muon import _zeropower_via_newtonschulz

torch.set_default_dtype(torch.float64)


def case(shapes, steps, seed, **kwargs):
    gen = torch.Generator().manual_seed(seed)
    ps = [torch.randn(*s, generator=gen).requires_grad_() for s in shapes]
    init = [p.detach().flatten().tolist() for p in ps]
    opt = torch.optim.Muon(ps, **kwargs)
    grads, traj = [], []
    for _ in range(steps):
        gs = [torch.randn(*s, generator=gen) for s in shapes]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        opt.step()
        grads.append([g.flatten().tolist() for g in gs])
        traj.append([p.detach().flatten().tolist() for p in ps])
    return {"kwargs": kwargs, "shapes": [list(s) for s in shapes], "init": init, "grads": grads, "trajectory": traj}


def ortho(seed, shape, steps=5, coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7):
    gen = torch.Generator().manual_seed(seed)
    g = torch.randn(*shape, generator=gen) * 3
    o = _zeropower_via_newtonschulz(g, coefficients, steps, eps)
    return {"shape": list(shape), "steps": steps, "coefficients": list(coefficients), "eps": eps,
            "input": g.flatten().tolist(), "output": o.float().flatten().tolist()}


trajectories = [
    case([(3, 4), (5, 2)], 3, 1, lr=0.02),
    case([(4, 4), (2, 6)], 3, 2, lr=0.05, momentum=0.9, nesterov=False, weight_decay=0.0, adjust_lr_fn="match_rms_adamw"),
    case([(6, 3)], 4, 3, lr=0.01, weight_decay=0.2, ns_steps=3, adjust_lr_fn="spectral_unclamped"),
]
orthogonalize = [ortho(4, (3, 4)), ortho(5, (5, 2)), ortho(6, (8, 8)), ortho(7, (4, 6), steps=2)]

with open("muon_fixtures.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "trajectories": trajectories, "orthogonalize": orthogonalize}, f,
              indent=None, separators=(",", ":"))
