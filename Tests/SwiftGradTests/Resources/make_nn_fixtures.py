"""Writes nn_fixtures.json: PyTorch values of the neural-network functions (activations, losses,
padding, pooling, norms...) for NNFunctionTests. Run by a developer with PyTorch installed
(`python make_nn_fixtures.py` in this folder); the tests only read the JSON.

Each case: name, op (the key of a Swift table), args, inputs, output, upstream and the gradients
of sum(output * upstream) with respect to each input that has one (null otherwise), in float64.
"""
import json
import math
import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []


def enc(t):
    if t is None:
        return None
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(v) if math.isfinite(v) else str(v) for v in t.reshape(-1).tolist()]}


def case(name, op, fn, inputs, grad=None, args=None):
    grad = grad if grad is not None else [x.is_floating_point() for x in inputs]
    xs = [x.clone().requires_grad_(g) if g else x.clone() for x, g in zip(inputs, grad)]
    out = fn(*xs)
    up = torch.linspace(0.5, 1.5, out.numel(), dtype=torch.float64).reshape(out.shape)
    grads = [None] * len(xs)
    if any(grad):
        gs = torch.autograd.grad((out * up).sum(), [x for x, g in zip(xs, grad) if g], allow_unused=True)
        it = iter(gs)
        grads = [enc(next(it)) if g else None for g in grad]
    cases.append({"name": name, "op": op, "args": args or {}, "inputs": [enc(x) for x in inputs],
                  "output": enc(out), "upstream": enc(up), "grads": grads})


def randn(*s):
    return torch.randn(*s, dtype=torch.float64)


# Activations (values away from the kinks at ±λ and the threshold).
x = torch.tensor([-2.3, -0.7, -0.2, 0.1, 0.35, 0.8, 1.9, -1.1], dtype=torch.float64)
case("threshold", "threshold", lambda a: F.threshold(a, 0.2, -3.0), [x], args={"threshold": 0.2, "value": -3.0})
case("hardshrink", "hardshrink", lambda a: F.hardshrink(a, 0.5), [x], args={"lambda": 0.5})
case("hardshrink_1", "hardshrink", lambda a: F.hardshrink(a, 1.0), [x], args={"lambda": 1.0})
case("softshrink", "softshrink", lambda a: F.softshrink(a, 0.5), [x], args={"lambda": 0.5})
case("softshrink_0.3", "softshrink", lambda a: F.softshrink(a, 0.3), [x], args={"lambda": 0.3})
case("tanhshrink", "tanhshrink", F.tanhshrink, [x])
case("celu", "celu", lambda a: F.celu(a), [x], args={"alpha": 1.0})
case("celu_0.5", "celu", lambda a: F.celu(a, 0.5), [x], args={"alpha": 0.5})
x3 = randn(2, 4, 3)
case("softmin", "softmin", lambda a: F.softmin(a, dim=1), [x3], args={"axis": 1})
case("softmin_last", "softmin", lambda a: F.softmin(a, dim=-1), [x3], args={"axis": -1})
case("glu", "glu", lambda a: F.glu(a, dim=1), [x3], args={"axis": 1})
case("glu_last", "glu", lambda a: F.glu(a, dim=-1), [randn(2, 3, 4)], args={"axis": -1})
img = randn(2, 3, 2, 2)
case("prelu_channels", "prelu", lambda a, w: F.prelu(a, w), [img, torch.tensor([0.25, -0.5, 1.5], dtype=torch.float64)])
case("prelu_one", "prelu", lambda a, w: F.prelu(a, w), [randn(3, 4), torch.tensor([0.1], dtype=torch.float64)])
case("rrelu_eval", "rrelu", lambda a: F.rrelu(a, 0.1, 0.3, training=False), [x], args={"lower": 0.1, "upper": 0.3})
nanx = torch.tensor([float("nan"), -0.3, 0.9], dtype=torch.float64)
case("hardshrink_nan", "hardshrink", lambda a: F.hardshrink(a, 0.5), [nanx], grad=[False], args={"lambda": 0.5})
case("softshrink_nan", "softshrink", lambda a: F.softshrink(a, 0.5), [nanx], grad=[False], args={"lambda": 0.5})
case("threshold_nan", "threshold", lambda a: F.threshold(a, 0.2, -3.0), [nanx], grad=[False], args={"threshold": 0.2, "value": -3.0})

# Losses.
for red in ["none", "mean", "sum"]:
    s = randn(4, 3)
    pm = torch.tensor([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]], dtype=torch.float64)
    case(f"hinge_embedding_{red}", "hingeEmbeddingLoss", lambda a, t: F.hinge_embedding_loss(a, t, margin=0.8, reduction=red),
         [s, pm], grad=[True, False], args={"margin": 0.8, "reduction": red})
    case(f"soft_margin_{red}", "softMarginLoss", lambda a, t: F.soft_margin_loss(a, t, reduction=red), [s, pm],
         grad=[True, False], args={"reduction": red})
    sc = randn(4, 5)
    tg = torch.tensor([1, 0, 4, 2])
    case(f"multi_margin_{red}", "multiMarginLoss", lambda a, t: F.multi_margin_loss(a, t, reduction=red), [sc, tg],
         args={"reduction": red, "p": 1, "margin": 1.0})
    w = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.7], dtype=torch.float64)
    case(f"multi_margin_p2_weight_{red}", "multiMarginLoss",
         lambda a, t, ww: F.multi_margin_loss(a, t, p=2, margin=0.7, weight=ww, reduction=red), [sc, tg, w],
         grad=[True, False, False], args={"reduction": red, "p": 2, "margin": 0.7})
    ml = torch.tensor([[3, 0, -1, 1, 2], [1, 2, 4, 0, 3], [2, 2, -1, 0, 0], [-1, 1, 2, 3, 4]])
    case(f"multilabel_margin_{red}", "multilabelMarginLoss", lambda a, t: F.multilabel_margin_loss(a, t, reduction=red),
         [sc, ml], args={"reduction": red})
    y01 = (torch.rand(4, 5) > 0.5).to(torch.float64)
    case(f"multilabel_soft_margin_{red}", "multilabelSoftMarginLoss",
         lambda a, t: F.multilabel_soft_margin_loss(a, t, reduction=red), [sc, y01], grad=[True, False], args={"reduction": red})
    case(f"multilabel_soft_margin_weight_{red}", "multilabelSoftMarginLoss",
         lambda a, t, ww: F.multilabel_soft_margin_loss(a, t, weight=ww, reduction=red), [sc, y01, w], grad=[True, False, False],
         args={"reduction": red})
    a, p, n = randn(4, 6), randn(4, 6), randn(4, 6)
    case(f"triplet_{red}", "tripletMarginLoss", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, reduction=red),
         [a, p, n], args={"reduction": red, "margin": 2.0, "p": 2.0, "swap": False})
    case(f"triplet_p1_swap_{red}", "tripletMarginLoss",
         lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=1.5, p=1, swap=True, reduction=red),
         [a, p, n], args={"reduction": red, "margin": 1.5, "p": 1.0, "swap": True})
    case(f"triplet_distance_{red}", "tripletMarginWithDistanceLoss",
         lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v),
                                                             margin=0.5, reduction=red),
         [a, p, n], args={"reduction": red, "margin": 0.5})
    v = torch.rand(4, 3, dtype=torch.float64) + 0.1
    v[0, 0] = 1e-8  # below eps: clamped in value, gradient passes
    case(f"gaussian_nll_{red}", "gaussianNLLLoss", lambda a, t, vv: F.gaussian_nll_loss(a, t, vv, reduction=red),
         [s, randn(4, 3), v], args={"reduction": red, "full": False})
    case(f"gaussian_nll_full_{red}", "gaussianNLLLoss", lambda a, t, vv: F.gaussian_nll_loss(a, t, vv, full=True, reduction=red),
         [s, randn(4, 3), torch.rand(4, dtype=torch.float64) + 0.2], args={"reduction": red, "full": True})
    cnt = torch.tensor([[0, 1, 3], [2, 5, 0], [1, 1, 7], [4, 0, 2]], dtype=torch.float64)
    case(f"poisson_nll_{red}", "poissonNLLLoss", lambda a, t: F.poisson_nll_loss(a, t, reduction=red), [s, cnt],
         grad=[True, False], args={"reduction": red, "logInput": True, "full": False})
    case(f"poisson_nll_rate_full_{red}", "poissonNLLLoss",
         lambda a, t: F.poisson_nll_loss(a, t, log_input=False, full=True, reduction=red),
         [torch.rand(4, 3, dtype=torch.float64) + 0.3, cnt], grad=[True, False],
         args={"reduction": red, "logInput": False, "full": True})
    case(f"pairwise_distance_{red}", "pairwiseDistance", lambda a, b: F.pairwise_distance(a, b, p=3.0), [a, p],
         args={"p": 3.0})

case("multi_margin_1d", "multiMarginLoss", lambda a, t: F.multi_margin_loss(a, t), [randn(5), torch.tensor([2])],
     args={"reduction": "mean", "p": 1, "margin": 1.0})
case("multilabel_margin_1d", "multilabelMarginLoss", lambda a, t: F.multilabel_margin_loss(a, t, reduction="none"),
     [randn(4), torch.tensor([3, 0, -1, 1])], args={"reduction": "none"})

# Padding modes, pixel shuffle, unfold/fold.
img = randn(2, 3, 4, 5)
for mode in ["reflect", "replicate", "circular"]:
    case(f"pad_{mode}_2d", "pad", lambda a: F.pad(a, (1, 2, 3, 0), mode=mode), [img], args={"pad": [1, 2, 3, 0], "mode": mode})
    case(f"pad_{mode}_1d", "pad", lambda a: F.pad(a, (2, 3), mode=mode), [randn(2, 3, 4)], args={"pad": [2, 3], "mode": mode})
    case(f"pad_{mode}_1d_unbatched", "pad", lambda a: F.pad(a, (0, 2), mode=mode), [randn(3, 4)], args={"pad": [0, 2], "mode": mode})
    case(f"pad_{mode}_3d", "pad", lambda a: F.pad(a, (1, 0, 0, 1, 1, 1), mode=mode), [randn(1, 2, 2, 3, 3)],
         args={"pad": [1, 0, 0, 1, 1, 1], "mode": mode})
case("pad_constant", "pad", lambda a: F.pad(a, (1, 1, 0, 2), value=2.5), [img], args={"pad": [1, 1, 0, 2], "mode": "constant", "value": 2.5})
case("pixel_shuffle", "pixelShuffle", lambda a: F.pixel_shuffle(a, 2), [randn(2, 8, 2, 3)], args={"r": 2})
case("pixel_shuffle_5d", "pixelShuffle", lambda a: F.pixel_shuffle(a, 3), [randn(2, 1, 9, 1, 2)], args={"r": 3})
case("pixel_unshuffle", "pixelUnshuffle", lambda a: F.pixel_unshuffle(a, 2), [randn(2, 2, 4, 6)], args={"r": 2})
case("unfold", "unfold", lambda a: F.unfold(a, 2), [randn(2, 3, 3, 4)], args={"k": [2, 2], "d": [1, 1], "p": [0, 0], "s": [1, 1]})
case("unfold_all", "unfold", lambda a: F.unfold(a, (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)), [randn(1, 2, 5, 6)],
     args={"k": [2, 3], "d": [2, 1], "p": [1, 2], "s": [2, 3]})
case("unfold_unbatched", "unfold", lambda a: F.unfold(a, 3, padding=1), [randn(2, 3, 3)], args={"k": [3, 3], "d": [1, 1], "p": [1, 1], "s": [1, 1]})
case("fold", "fold", lambda a: F.fold(a, (3, 4), 2), [randn(2, 12, 6)], args={"o": [3, 4], "k": [2, 2], "d": [1, 1], "p": [0, 0], "s": [1, 1]})
case("fold_all", "fold", lambda a: F.fold(a, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)), [randn(1, 12, 9)],
     args={"o": [5, 6], "k": [2, 3], "d": [2, 1], "p": [1, 2], "s": [2, 3]})
case("fold_unbatched", "fold", lambda a: F.fold(a, (3, 3), 3, padding=1), [randn(18, 9)], args={"o": [3, 3], "k": [3, 3], "d": [1, 1], "p": [1, 1], "s": [1, 1]})

# Pools with indices, unpooling, LP pooling.
x4 = randn(2, 2, 5, 6)
v, i = F.max_pool2d(x4, 2, return_indices=True)
case("max_pool2d_indices", "maxPool2dIndices", lambda a: F.max_pool2d(a, 3, stride=2, padding=1, return_indices=True)[1].double(), [x4], grad=[False],
     args={"k": 3, "s": 2, "p": 1})
case("max_pool1d_indices", "maxPool1dIndices", lambda a: F.max_pool1d(a, 3, stride=2, padding=1, return_indices=True)[1].double(), [randn(2, 3, 7)],
     grad=[False], args={"k": 3, "s": 2, "p": 1})
case("adaptive_max_pool2d_indices", "adaptiveMaxPool2dIndices", lambda a: F.adaptive_max_pool2d(a, (2, 3), return_indices=True)[1].double(), [x4],
     grad=[False], args={"o": [2, 3]})
case("adaptive_max_pool1d_indices", "adaptiveMaxPool1dIndices", lambda a: F.adaptive_max_pool1d(a, 3, return_indices=True)[1].double(), [randn(2, 2, 7)],
     grad=[False], args={"o": 3})
case("max_unpool2d", "maxUnpool2d", lambda a, idx: F.max_unpool2d(a, idx, 2), [v, i], args={"k": 2})
case("max_unpool2d_size", "maxUnpool2d", lambda a, idx: F.max_unpool2d(a, idx, 2, output_size=(5, 6)), [v, i], args={"k": 2, "o": [5, 6]})
v1, i1 = F.max_pool1d(randn(2, 3, 8), 2, return_indices=True)
case("max_unpool1d", "maxUnpool1d", lambda a, idx: F.max_unpool1d(a, idx, 2), [v1, i1], args={"k": 2})
case("lp_pool2d", "lpPool2d", lambda a: F.lp_pool2d(a, 2, 2), [x4], args={"p": 2.0, "k": [2, 2]})
case("lp_pool2d_p3", "lpPool2d", lambda a: F.lp_pool2d(a.abs() + 0.1, 3, (2, 3), stride=1), [x4], args={"p": 3.0, "k": [2, 3], "s": 1, "abs": True})
case("lp_pool1d", "lpPool1d", lambda a: F.lp_pool1d(a, 2, 3, stride=2), [randn(2, 3, 7)], args={"p": 2.0, "k": 3, "s": 2})

# Norms.
case("instance_norm", "instanceNorm", lambda a: F.instance_norm(a), [x4])
case("instance_norm_affine", "instanceNorm", lambda a, w, b: F.instance_norm(a, weight=w, bias=b, eps=1e-3), [randn(2, 3, 6), randn(3), randn(3)],
     args={"eps": 1e-3})
rm, rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
F.instance_norm(x4, rm, rv, use_input_stats=True, momentum=0.3)
cases.append({"name": "instance_norm_running", "op": "instanceNormRunning", "args": {"momentum": 0.3}, "inputs": [enc(x4)],
              "output": enc(torch.cat([rm, rv])), "upstream": None, "grads": []})
case("instance_norm_eval", "instanceNormEval", lambda a, m, vv: F.instance_norm(a, m, vv, use_input_stats=False),
     [x4, randn(2), torch.rand(2, dtype=torch.float64) + 0.5], grad=[True, False, False])
case("local_response_norm", "localResponseNorm", lambda a: F.local_response_norm(a, 3, alpha=0.5, beta=0.7, k=1.5), [randn(2, 5, 3, 2)],
     args={"size": 3, "alpha": 0.5, "beta": 0.7, "k": 1.5})
case("local_response_norm_3d", "localResponseNorm", lambda a: F.local_response_norm(a, 2), [randn(2, 4, 3)],
     args={"size": 2, "alpha": 1e-4, "beta": 0.75, "k": 1.0})
case("local_response_norm_5d", "localResponseNorm", lambda a: F.local_response_norm(a, 4, alpha=0.1), [randn(1, 5, 2, 2, 2)],
     args={"size": 4, "alpha": 0.1, "beta": 0.75, "k": 1.0})

# Embedding bags.
table = randn(10, 3)
ids = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
offs = torch.tensor([0, 3, 3, 6])
for mode in ["sum", "mean", "max"]:
    case(f"embedding_bag_{mode}", "embeddingBag", lambda w, x, o: F.embedding_bag(x, w, o, mode=mode), [table, ids, offs],
         args={"mode": mode})
    case(f"embedding_bag_2d_{mode}", "embeddingBag", lambda w, x: F.embedding_bag(x, w, mode=mode), [table, ids.reshape(2, 4)],
         args={"mode": mode})
    case(f"embedding_bag_pad_{mode}", "embeddingBag", lambda w, x, o: F.embedding_bag(x, w, o, mode=mode, padding_idx=4), [table, ids, offs],
         args={"mode": mode, "paddingIdx": 4})
case("embedding_bag_last_offset", "embeddingBag", lambda w, x, o: F.embedding_bag(x, w, o, mode="mean", include_last_offset=True),
     [table, ids, torch.tensor([0, 3, 3, 6, 8])], args={"mode": "mean", "includeLastOffset": True})
case("embedding_bag_weights", "embeddingBag", lambda w, x, o, psw: F.embedding_bag(x, w, o, mode="sum", per_sample_weights=psw),
     [table, ids, offs, randn(8)], grad=[True, False, False, True], args={"mode": "sum", "weights": True})

# CTC (gradients through log_softmax: PyTorch's own gradient assumes log-softmax inputs).
logits = randn(6, 3, 5)
tg = torch.tensor([[1, 2, 2, 0], [3, 1, 4, 4], [2, 0, 0, 0]])
il, tl = torch.tensor([6, 5, 3]), torch.tensor([3, 4, 1])
for red in ["none", "mean", "sum"]:
    case(f"ctc_{red}", "ctcLoss", lambda x, t, a, b: F.ctc_loss(x.log_softmax(2), t, a, b, reduction=red), [logits, tg, il, tl],
         grad=[True, False, False, False], args={"reduction": red, "blank": 0})
case("ctc_concatenated_blank3", "ctcLoss",
     lambda x, t, a, b: F.ctc_loss(x.log_softmax(2), t, a, b, blank=3, reduction="sum"),
     [logits, torch.tensor([1, 2, 2, 4, 0, 1, 2]), il, torch.tensor([3, 2, 2])], grad=[True, False, False, False],
     args={"reduction": "sum", "blank": 3})
case("ctc_zero_infinity", "ctcLoss",
     lambda x, t, a, b: F.ctc_loss(x.log_softmax(2), t, a, b, reduction="none", zero_infinity=True),
     [logits, tg, torch.tensor([6, 2, 3]), tl], grad=[True, False, False, False], args={"reduction": "none", "blank": 0, "zeroInfinity": True})
case("ctc_unbatched", "ctcLoss", lambda x, t, a, b: F.ctc_loss(x.log_softmax(1), t, a, b, reduction="none"),
     [randn(5, 4), torch.tensor([1, 3]), torch.tensor(5), torch.tensor(2)], grad=[True, False, False, False],
     args={"reduction": "none", "blank": 0, "unbatched": True})

# interpolate: bicubic and area.
im = randn(2, 2, 4, 5)
case("bicubic_size", "interpolate", lambda a: F.interpolate(a, size=(7, 3), mode="bicubic"), [im], args={"size": [7, 3], "mode": "bicubic"})
case("bicubic_align", "interpolate", lambda a: F.interpolate(a, size=(6, 9), mode="bicubic", align_corners=True), [im],
     args={"size": [6, 9], "mode": "bicubic", "align": True})
case("bicubic_scale", "interpolate", lambda a: F.interpolate(a, scale_factor=2.5, mode="bicubic"), [im], args={"scale": 2.5, "mode": "bicubic"})
case("area_size", "interpolate", lambda a: F.interpolate(a, size=(3, 2), mode="area"), [im], args={"size": [3, 2], "mode": "area"})
case("area_1d", "interpolate", lambda a: F.interpolate(a, size=3, mode="area"), [randn(2, 3, 7)], args={"size": [1, 3], "mode": "area"})

# affine_grid and grid_sample (grid points away from pixel boundaries).
theta = torch.tensor([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.05]], [[1.2, 0.1, 0.02], [-0.1, 0.8, 0.1]]], dtype=torch.float64)
for align in [False, True]:
    case(f"affine_grid_{align}", "affineGrid", lambda t: F.affine_grid(t, [2, 3, 4, 5], align_corners=align), [theta],
         args={"size": [2, 3, 4, 5], "align": align})
src = randn(2, 3, 4, 5)
g = (torch.rand(2, 3, 4, 2, dtype=torch.float64) * 2.4 - 1.2)
for mode in ["bilinear", "nearest"]:
    for pad in ["zeros", "border", "reflection"]:
        for align in [False, True]:
            case(f"grid_sample_{mode}_{pad}_{align}", "gridSample",
                 lambda a, gg: F.grid_sample(a, gg, mode=mode, padding_mode=pad, align_corners=align), [src, g],
                 grad=[True, mode == "bilinear"], args={"mode": mode, "padding": pad, "align": align})

if __name__ == "__main__":
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_fixtures.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(len(cases), "cases written to", path)
