"""PyTorch's torch.func counterpart of the Benchmarks workloads vmap_per_sample_grads and
loop_per_sample_grads: per-sample gradients of a 2-layer MLP (32 -> 64 tanh -> 10, cross-entropy,
float32) over 256 samples, with vmap(grad(loss)) and with a Python loop of grad(loss).
Prints one JSON line per workload, like the Benchmarks executable.

    python Scripts/bench/torch_per_sample_grads.py
"""
import json, statistics, time
import torch
from torch.func import grad, vmap

torch.manual_seed(0)
params = [torch.randn(64, 32) * 0.2, torch.zeros(64), torch.randn(10, 64) * 0.2, torch.zeros(10)]
x = torch.randn(256, 32)
y = torch.randint(0, 10, (256,))

def loss(w1, b1, w2, b2, xi, yi):
    h = torch.tanh(torch.nn.functional.linear(xi, w1, b1))
    return torch.nn.functional.cross_entropy(torch.nn.functional.linear(h, w2, b2).unsqueeze(0), yi.unsqueeze(0))

g = grad(loss, argnums=(0, 1, 2, 3))
per_sample = vmap(g, in_dims=(None, None, None, None, 0, 0))

def loop():
    gs = [g(*params, x[i], y[i]) for i in range(256)]
    return [torch.stack([s[k] for s in gs]) for k in range(4)]

def timeit(fn, warmup=1, reps=5):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)

print(json.dumps({"workload": "vmap_per_sample_grads", "median_ms": round(timeit(lambda: per_sample(*params, x, y)), 4)}))
print(json.dumps({"workload": "loop_per_sample_grads", "median_ms": round(timeit(loop), 4)}))
