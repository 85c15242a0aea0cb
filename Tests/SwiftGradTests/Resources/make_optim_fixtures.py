"""Writes optim_fixtures.json: float64 trajectories of torch.optim optimizers on tiny problems.

Run by a developer (never by the tests), from this directory, with torch installed:
    python make_optim_fixtures.py
Each LBFGS case records, after every `step(closure)`, the loss it returned and every parameter.
"""
import json

import torch

torch.set_default_dtype(torch.float64)


def rosenbrock(ps):
    u, v = ps
    return ((1 - u) ** 2 + 100 * (v - u * u) ** 2).sum()


# A small least-squares problem: 6 equations, 3 unknowns.
A = torch.tensor([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [2.0, 0.1, -0.4],
                  [-1.2, 0.7, 1.1], [0.5, 0.5, 0.5], [1.5, -0.3, 0.2]])
B = torch.tensor([1.0, -2.0, 0.5, 3.0, 0.2, -1.0])


def least_squares(ps):
    (w,) = ps
    return ((A @ w - B) ** 2).mean()


# Logistic regression: 8 points in 2-D, weight and bias as two parameters.
X = torch.tensor([[0.5, 1.0], [1.5, -0.5], [-1.0, 0.3], [0.2, 0.2],
                  [2.0, 1.0], [-0.7, -1.2], [1.1, 0.4], [-1.5, 0.8]])
Y = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0])


def logistic(ps):
    w, b = ps
    return torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, Y)


PROBLEMS = {
    "rosenbrock": (rosenbrock, [[-1.5], [2.0]]),
    "least_squares": (least_squares, [[0.0, 0.0, 0.0]]),
    "logistic": (logistic, [[0.1, -0.2], [0.0]]),
}


def lbfgs_case(problem, steps, **kwargs):
    fn, init = PROBLEMS[problem]
    ps = [torch.tensor(v, requires_grad=True) for v in init]
    opt = torch.optim.LBFGS(ps, **kwargs)

    def closure():
        opt.zero_grad()
        loss = fn(ps)
        loss.backward()
        return loss

    traj = []
    for _ in range(steps):
        loss = opt.step(closure)
        traj.append({"loss": float(loss), "params": [p.detach().tolist() for p in ps]})
    state = opt.state[ps[0]]
    return {"optimizer": "LBFGS", "problem": problem, "kwargs": kwargs, "steps": steps, "trajectory": traj,
            "func_evals": state["func_evals"], "n_iter": state["n_iter"]}


cases = [
    lbfgs_case("rosenbrock", 3, lr=0.05, max_iter=5),
    lbfgs_case("rosenbrock", 4, max_iter=10, line_search_fn="strong_wolfe"),
    lbfgs_case("rosenbrock", 2, max_iter=8, history_size=3, line_search_fn="strong_wolfe"),
    lbfgs_case("least_squares", 3, lr=0.5, max_iter=4, history_size=2),
    lbfgs_case("least_squares", 2, max_iter=6, line_search_fn="strong_wolfe"),
    lbfgs_case("logistic", 3, lr=1, max_iter=5),
    lbfgs_case("logistic", 3, max_iter=6, history_size=2, line_search_fn="strong_wolfe"),
]



def grad_case(name, shapes, steps, seed, sparse_rows=False, **kwargs):
    """Params of `shapes`, given gradients (seeded normals) at each step; records every parameter after each step."""
    gen = torch.Generator().manual_seed(seed)
    ps = [torch.randn(*s, generator=gen).requires_grad_() for s in shapes]
    init = [p.detach().flatten().tolist() for p in ps]
    opt = getattr(torch.optim, name)(ps, **kwargs)
    grads, traj = [], []
    for k in range(steps):
        gs = [torch.randn(*s, generator=gen) for s in shapes]
        if sparse_rows:  # zero some rows: SparseAdam's gradient then holds only the others
            for g in gs:
                g[(k % g.shape[0])::3] = 0
        for p, g in zip(ps, gs):
            p.grad = g.to_sparse(sparse_dim=1) if name == "SparseAdam" else g.clone()
        opt.step()
        grads.append([g.flatten().tolist() for g in gs])
        traj.append([p.detach().flatten().tolist() for p in ps])
    return {"optimizer": name, "kwargs": kwargs, "shapes": [list(s) for s in shapes], "init": init,
            "grads": grads, "trajectory": traj}


cases += [
    grad_case("Adamax", [(2, 3), (3,)], 3, 1, lr=0.1),
    grad_case("Adamax", [(2, 3), (3,)], 3, 2, lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1, maximize=True),
    grad_case("ASGD", [(2, 3), (3,)], 3, 3, lr=0.1, lambd=0.1, alpha=0.5, t0=2),
    grad_case("ASGD", [(2, 3), (3,)], 3, 4, lr=0.05, weight_decay=0.1, maximize=True),
    grad_case("Rprop", [(2, 3), (3,)], 3, 5, lr=0.1),
    grad_case("Rprop", [(2, 3), (3,)], 3, 6, lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-3, 0.02), maximize=True),
    grad_case("Adafactor", [(3, 4), (2,), (2, 2, 3)], 3, 7, lr=0.1),
    grad_case("Adafactor", [(2, 3), (4,)], 3, 8, lr=0.05, beta2_decay=-0.5, eps=(1e-6, 1e-2), d=1.5, weight_decay=0.1, maximize=True),
    grad_case("SparseAdam", [(4, 2), (5,)], 3, 9, sparse_rows=True, lr=0.1),
    grad_case("SparseAdam", [(4, 2)], 3, 10, sparse_rows=True, lr=0.05, betas=(0.8, 0.9), eps=1e-4, maximize=True),
]


def sched_case(name, steps, groups=2, opt="SGD", opt_kwargs=None, momentum_key=None, **kwargs):
    """Two groups (rates 0.1 and 0.2); records every group's rate (and momentum) after each step."""
    ps = [[torch.zeros(1, requires_grad=True)] for _ in range(groups)]
    optimizer = getattr(torch.optim, opt)([{"params": p, "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)],
                                          **(opt_kwargs or {}))
    if name == "MultiplicativeLR":
        sched = torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lambda e: 0.9 if e % 2 else 0.8)
    elif name == "SWALR":
        sched = torch.optim.swa_utils.SWALR(optimizer, **kwargs)
    else:
        sched = getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs)

    def momenta():
        if momentum_key == "betas":
            return [g["betas"][0] for g in optimizer.param_groups]
        if momentum_key:
            return [g[momentum_key] for g in optimizer.param_groups]
        return []

    lrs, moms = [[g["lr"] for g in optimizer.param_groups]], [momenta()]
    for _ in range(steps):
        optimizer.step()
        sched.step()
        lrs.append([g["lr"] for g in optimizer.param_groups])
        moms.append(momenta())
    return {"scheduler": name, "optimizer": opt, "opt_kwargs": opt_kwargs or {}, "kwargs": kwargs, "lrs": lrs, "momenta": moms}


schedulers = [
    sched_case("MultiplicativeLR", 6),
    sched_case("CyclicLR", 12, base_lr=0.01, max_lr=0.1, step_size_up=3, opt_kwargs={"momentum": 0.9}, momentum_key="momentum"),
    sched_case("CyclicLR", 14, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3, mode="triangular2",
               cycle_momentum=False),
    sched_case("CyclicLR", 10, opt="Adam", base_lr=0.001, max_lr=0.01, step_size_up=3, mode="exp_range", gamma=0.9,
               base_momentum=0.7, max_momentum=0.95, momentum_key="betas"),
    sched_case("SWALR", 8, swa_lr=0.05, anneal_epochs=4),
    sched_case("SWALR", 5, swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
    sched_case("SWALR", 3, swa_lr=0.02, anneal_epochs=0),
]

with open("optim_fixtures.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases, "schedulers": schedulers}, f, indent=None, separators=(",", ":"))
