"""PyTorch's values for the regression tests of the conformance failures (ConformanceFailuresTests).

Run by a developer with torch installed (the tests never run it): python3 Scripts/conformance/failures_reference.py
It prints each case as `name dtype shape values`; the tests hold the numbers.
"""
import torch, json
torch.set_printoptions(precision=17)
def show(name, t):
    if isinstance(t, (tuple, list)):
        for i, x in enumerate(t): show(f"{name}[{i}]", x)
        return
    print(name, t.dtype, list(t.shape), [float(v) if t.dtype.is_floating_point else int(v) for v in t.detach().reshape(-1).tolist()])

# histogramdd, edges not increasing
pts = torch.tensor([[0.5, 2.0], [1.5, 0.1], [2.5, 1.0], [0.2, 0.7]], dtype=torch.float64)
e0 = torch.tensor([0.0, 2.0, 1.0, 3.0], dtype=torch.float64)   # not monotonic, first < last
e1 = torch.tensor([2.5, 0.0], dtype=torch.float64)             # decreasing: nothing counts
e2 = torch.tensor([0.0, 1.5, 0.5, 2.0], dtype=torch.float64)
show("hist_nonmono", torch.histogramdd(pts, bins=[e0, e2]).hist)
show("hist_decreasing", torch.histogramdd(pts, bins=[e0, e1]).hist)
show("hist_density", torch.histogramdd(pts, bins=[e0, e2], density=True).hist)

# tensorsolve: only the element counts must agree (a's sizes after b.ndim are x's shape)
a = (torch.arange(1., 37., dtype=torch.float64).reshape(3, 2, 6).cos() * 2 + torch.eye(6, dtype=torch.float64).reshape(3, 2, 6) * 3)
b = torch.tensor([[1., 2, 3], [4, 5, 6]], dtype=torch.float64)
show("tensorsolve", torch.linalg.tensorsolve(a, b))
show("tensorsolve_dims", torch.linalg.tensorsolve(a.permute(2, 0, 1), b, dims=(0,)))

# kthvalue / topk ties
x = torch.tensor([[3, 1, 3, 2, 3, 1, 2, 3], [5, 5, 5, 5, 5, 5, 5, 5], [2, 2, 1, 1, 3, 3, 2, 1]])
show("kth2", torch.kthvalue(x, 2, dim=1))
show("kth5", torch.kthvalue(x, 5, dim=1))
show("topk3", torch.topk(x, 3, dim=1))
show("topk3small", torch.topk(x, 3, dim=1, largest=False))
show("topk3unsorted", torch.topk(x, 3, dim=1, sorted=False))
y = torch.tensor([1.0, float('nan'), 2.0, 2.0, float('nan'), 0.5, 2.0])
show("topk_nan", torch.topk(y, 4))
show("kth_nan", torch.kthvalue(y, 6))
z = (torch.arange(200) * 7919 % 13).reshape(1, 200)
show("topk_partial", torch.topk(z, 3, dim=1))
show("topk_partial_small", torch.topk(z, 2, dim=1, largest=False))
w = (torch.arange(40) * 31 % 7).reshape(1, 40)
show("topk_sort20", torch.topk(w, 20, dim=1))

# half rounding
h = torch.tensor([1.5, -2.25, 3.0, 0.1, 7.9], dtype=torch.float16)
t1 = torch.tensor([0.3, 1.7, -2.2, 5.5, -0.9], dtype=torch.float16)
t2 = torch.tensor([2.1, -0.7, 0.33, 1.9, 3.3], dtype=torch.float16)
show("addcmul_half", torch.addcmul(h, t1, t2, value=3.14))
show("addcdiv_bf16", torch.addcdiv(h.bfloat16(), t1.bfloat16(), t2.bfloat16(), value=-0.7))
show("addr_half", torch.addr(torch.tensor(-8.48, dtype=torch.float16), t1, t2, beta=0.6, alpha=0.2))
xs = torch.tensor([[-8.48, -1.766]], dtype=torch.float16)
show("cov_half", torch.cov(xs, correction=0, aweights=torch.tensor([0.25984418, 0.36664134])))
bn = (torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).sin() * 5 + 3).half()
show("bn_half_train", torch.nn.functional.batch_norm(bn, None, None, torch.tensor([0.5, -1.2, 2.0], dtype=torch.float16), torch.tensor([0.1, 0.2, -0.3], dtype=torch.float16), training=True, eps=0.6))
rm, rv = torch.tensor([0.5, 1.0, -2.0], dtype=torch.float16), torch.tensor([1.5, 0.3, 2.0], dtype=torch.float16)
show("bn_half_eval", torch.nn.functional.batch_norm(bn, rm, rv, torch.tensor([0.5, -1.2, 2.0], dtype=torch.float16), None, training=False, eps=0.6))
show("in_bf16", torch.nn.functional.instance_norm(bn.bfloat16(), eps=0.6))
show("renorm_half", torch.renorm(bn, 2, 1, 0.5))
show("cos_half", torch.nn.functional.cosine_similarity(bn[0:1], bn[1:2], dim=-1))
show("grad_half", torch.gradient(bn, spacing=[torch.tensor([1.1, 2, 3.5], dtype=torch.float16)], dim=[1]))
show("grad_half2", torch.gradient(bn, spacing=[torch.tensor([1.1, 2, 3.5], dtype=torch.float16)], dim=[1], edge_order=2))
show("huber_half", torch.nn.functional.huber_loss(bn[0], bn[1], reduction='none', delta=2.7))

# special
inf = float('inf')
v = torch.tensor([inf, -inf, 1.0, -2.0], dtype=torch.float64, requires_grad=True)
show("i0", torch.i0(v)); show("i1", torch.special.i1(v)); show("i1e", torch.special.i1e(v)); show("i0e", torch.special.i0e(v))
g, = torch.autograd.grad(torch.special.i1e(v).sum(), v); show("i1e_grad", g)
g, = torch.autograd.grad(torch.special.i0e(v).sum(), v); show("i0e_grad", g)
e = torch.tensor([-1.5, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
show("entr", torch.special.entr(e)); g, = torch.autograd.grad(torch.special.entr(e).sum(), e); show("entr_grad", g)
# masked
mi = torch.tensor([[-8, 6], [9, 0], [0, 5]])
mk = torch.tensor([[True, True], [True, False], [False, True]])
show("mlse", torch.masked._ops.logsumexp(mi, 0, mask=mk))
show("mlse_u8", torch.masked._ops.logsumexp(mi.abs().to(torch.uint8), 0, mask=mk))
show("mcumsum_i32", torch.masked._ops.cumsum(mi.to(torch.int32), 0, mask=mk))
# margin ranking with nan / inf
x1 = torch.tensor([1.0, float('nan'), -2.0], dtype=torch.float64, requires_grad=True)
x2 = torch.tensor([inf, 0.5, 1.0], dtype=torch.float64, requires_grad=True)
tt = torch.tensor([-1.0, 1.0, -1.0], dtype=torch.float64, requires_grad=True)
l = torch.nn.functional.margin_ranking_loss(x1, x2, tt, reduction='sum')
show("mrl", l); show("mrl_grads", torch.autograd.grad(l, [x1, x2, tt]))
show("bn_input", bn)

# ops16fail2: Bessel J/Y near their zeros (Cephes' rational approximations, PyTorch's kernels)
bz = torch.tensor([2.404825557695773, 2.4048255576957724, 5.520078110286311, 3.8317059702075125, 0.8935769662791675,
                   2.197141326031017, 5.429681040794135, 1e-6, 4.999, 5.001, 12.5, -7.582430495695129], dtype=torch.float64)
show("j0", torch.special.bessel_j0(bz)); show("j1", torch.special.bessel_j1(bz))
show("y0", torch.special.bessel_y0(bz.abs())); show("y1", torch.special.bessel_y1(bz.abs()))
# conv_transpose in float16/bfloat16: columns rounded, then each tap's addition, then the bias
ct_x = (torch.arange(16, dtype=torch.float32).reshape(2, 2, 4).sin() * 6).half()
ct_w = (torch.arange(12, dtype=torch.float32).reshape(2, 2, 3).cos() * 5).half()
ct_b = torch.tensor([0.7, -1.3, 2.1, 0.4], dtype=torch.float16)
show("ct_x", ct_x); show("ct_w", ct_w)
show("ct1d_half", torch.nn.functional.conv_transpose1d(ct_x, ct_w, ct_b, stride=2, padding=1, output_padding=1, groups=2, dilation=2))
ct3_x = (torch.arange(12, dtype=torch.float32).reshape(1, 1, 2, 3, 2).cos() * 7).bfloat16()
ct3_w = (torch.arange(8, dtype=torch.float32).reshape(1, 2, 2, 2, 1).sin() * 4).bfloat16()
show("ct3_x", ct3_x); show("ct3_w", ct3_w)
show("ct3d_bf16", torch.nn.functional.conv_transpose3d(ct3_x, ct3_w, torch.tensor([1.5, -0.25], dtype=torch.bfloat16), stride=(1, 2, 1), padding=(0, 1, 0), dilation=(1, 1, 2)))
# matrix_exp in float32: PyTorch's Taylor degrees and squarings in float32
me = (torch.arange(18, dtype=torch.float32).reshape(2, 3, 3) * 1.7).sin() * 4
show("mexp_batch", torch.linalg.matrix_exp(me))
show("mexp_input", me)
for name, s in [("mexp_t4", 1 / 256), ("mexp_t8", 1 / 32), ("mexp_t12", 1 / 8), ("mexp_t18", 0.5), ("mexp_t18x4", 4.0)]:  # norms 0.033, 0.26, 1.05, 4.2, 33.7
    show(name, torch.linalg.matrix_exp(me[0] * s))
# addr in bfloat16 rounds beta and alpha to the dtype
av1, av2 = ct_b.bfloat16(), ct_b[:3].bfloat16() * 3
show("addr_v1", av1); show("addr_v2", av2)
show("addr_bf16", torch.addr(torch.tensor(-8.5, dtype=torch.bfloat16), av1, av2, beta=0.6, alpha=0.2))
# batch/instance norm in float16 keeps the variance in float32 (bfloat16 stores it)
inn = (torch.arange(30, dtype=torch.float32).reshape(2, 3, 5).cos() * 6 + 1).half()
show("inn_x", inn)
show("in_half", torch.nn.functional.instance_norm(inn, weight=torch.tensor([-8.48, -1.766, 2.5], dtype=torch.float16), bias=torch.tensor([3.611, -8.07, 0.25], dtype=torch.float16), eps=0.6))
