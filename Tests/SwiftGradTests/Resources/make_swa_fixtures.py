"""Writes swa_fixtures.json: torch.optim.swa_utils in float64 (AveragedModel with the SWA average,
get_ema_avg_fn and get_ema_multi_avg_fn, update_bn, SWALR), on a small Linear-BatchNorm-ReLU-Linear
network trained with SGD on fixed data.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_swa_fixtures.py
Every state is recorded as a state dict: key -> flat list (num_batches_tracked and n_averaged as
integers). SwiftGradTests/SWAParityTests.swift replays each case and compares to 1e-12.
"""
import json

import torch
from torch import nn
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_avg_fn, get_ema_multi_avg_fn, update_bn

torch.set_default_dtype(torch.float64)


def net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.2), nn.ReLU(), nn.Linear(4, 2))


def flat(sd):
    return {k: v.detach().flatten().tolist() for k, v in sd.items()}


gen = torch.Generator().manual_seed(11)
X = torch.randn(8, 3, generator=gen)
Y = torch.randn(8, 2, generator=gen)
BATCHES = [(X[0:4], Y[0:4]), (X[4:8], Y[4:8])]


def train_step(model, opt, xb, yb):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(xb), yb)
    loss.backward()
    opt.step()


def swa_case(name, seed, epochs, swa_start, swa_lr, anneal_epochs, anneal_strategy, **avg_kwargs):
    """SWA: SGD for `epochs` epochs of two batches; from `swa_start` on, after each epoch,
    update_parameters and SWALR.step(); then update_bn over the two batches and the averaged
    model's eval output on X."""
    model = net(seed)
    init = flat(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    swa = AveragedModel(model, **avg_kwargs)
    sched = SWALR(opt, swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=anneal_strategy)
    epochs_out = []
    for epoch in range(epochs):
        for xb, yb in BATCHES:
            train_step(model, opt, xb, yb)
        if epoch >= swa_start:
            swa.update_parameters(model)
            sched.step()
        epochs_out.append({"lr": opt.param_groups[0]["lr"], "model": flat(model.state_dict()),
                           "averaged": flat(swa.state_dict())})
    update_bn([xb for xb, _ in BATCHES], swa)
    after_bn = flat(swa.state_dict())
    swa.eval()
    with torch.no_grad():
        out = swa(X).flatten().tolist()
    return {"name": name, "kind": "swa", "init": init, "epochs": epochs, "swa_start": swa_start, "swa_lr": swa_lr,
            "anneal_epochs": anneal_epochs, "anneal_strategy": anneal_strategy,
            "use_buffers": avg_kwargs.get("use_buffers", False), "trajectory": epochs_out,
            "after_update_bn": after_bn, "eval_output": out}


def ema_case(name, seed, steps, decay, multi, use_buffers):
    """EMA: an update after every SGD step (PyTorch's recipe), with get_ema_multi_avg_fn (multi)
    or get_ema_avg_fn."""
    model = net(seed)
    init = flat(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    fn = {"multi_avg_fn": get_ema_multi_avg_fn(decay)} if multi else {"avg_fn": get_ema_avg_fn(decay)}
    ema = AveragedModel(model, use_buffers=use_buffers, **fn)
    traj = []
    for k in range(steps):
        xb, yb = BATCHES[k % 2]
        train_step(model, opt, xb, yb)
        ema.update_parameters(model)
        traj.append({"model": flat(model.state_dict()), "averaged": flat(ema.state_dict())})
    ema.eval()
    with torch.no_grad():
        out = ema(X).flatten().tolist()
    return {"name": name, "kind": "ema", "init": init, "steps": steps, "decay": decay, "multi": multi,
            "use_buffers": use_buffers, "trajectory": traj, "eval_output": out}


def swalr_groups_case(steps, swa_lrs, anneal_epochs, anneal_strategy):
    """SWALR with one rate per group (two groups at 0.1 and 0.3), each group's rate after each step."""
    ps = [[torch.zeros(1, requires_grad=True)] for _ in range(2)]
    opt = torch.optim.SGD([{"params": p, "lr": lr} for p, lr in zip(ps, [0.1, 0.3])])
    sched = SWALR(opt, swa_lr=swa_lrs, anneal_epochs=anneal_epochs, anneal_strategy=anneal_strategy)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return {"swa_lrs": swa_lrs, "anneal_epochs": anneal_epochs, "anneal_strategy": anneal_strategy, "lrs": lrs}


cases = [
    swa_case("swa_cos", 0, 6, 2, 0.05, 2, "cos"),
    swa_case("swa_linear_buffers", 1, 5, 1, 0.02, 3, "linear", use_buffers=True),
    ema_case("ema_multi", 2, 5, 0.9, True, False),
    ema_case("ema_multi_buffers_lerp_high", 3, 5, 0.3, True, True),
    ema_case("ema_avg_fn_buffers", 4, 4, 0.8, False, True),
]
swalr = [
    swalr_groups_case(6, [0.05, 0.01], 3, "cos"),
    swalr_groups_case(5, [0.02, 0.2], 2, "linear"),
]

with open("swa_fixtures.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "data": {"x": X.flatten().tolist(), "y": Y.flatten().tolist()},
               "cases": cases, "swalr_groups": swalr}, f, indent=None, separators=(",", ":"))
