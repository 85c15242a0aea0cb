# Writes sorting_fixtures.json and counting_fixtures.json: PyTorch's values (and float64 gradients)
# for the sorting and statistics ops (SortingStatisticsTests) and the counting, searching and
# predicate ops (CountingPredicateTests). Run by a developer with PyTorch installed:
#   python Tests/SwiftGradTests/Resources/make_sorting_fixtures.py
# Each case: inputs, outputs, and (when "grad" is present) the gradient of sum(outputs[0] * w) with
# respect to inputs[0], where w[i] = 0.5 + 0.25 * i over the flattened output.
import json, math, os
import torch

torch.manual_seed(0)
nan, inf = float("nan"), float("inf")

def enc(t):
    t = t.detach()
    kind = "bool" if t.dtype == torch.bool else ("int" if not t.dtype.is_floating_point else "float")
    vals = []
    for v in t.reshape(-1).tolist():
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            vals.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            vals.append(v)
    return {"shape": list(t.shape), "kind": kind, "data": vals}

cases = {}

def case(name, inputs, fn, grad=False):
    ins = [i.clone().requires_grad_(grad and k == 0) for k, i in enumerate(inputs)]
    outs = fn(*ins)
    if not isinstance(outs, (tuple, list)):
        outs = [outs]
    outs = [o for o in outs]
    c = {"inputs": [enc(i) for i in inputs], "outputs": [enc(o) for o in outs]}
    if grad:
        o = outs[0]
        w = (0.5 + 0.25 * torch.arange(o.numel(), dtype=torch.float64)).reshape(o.shape)
        (g,) = torch.autograd.grad((o * w).sum(), ins[0])
        c["grad"] = enc(g)
    cases[name] = c

d = torch.float64
r35 = torch.randn(3, 5, dtype=d)
ties = torch.tensor([[3., 1., nan, 1., 2., 3., nan], [0., -1., 0., 5., -1., 0., 2.]], dtype=d)
case("sort", [ties], lambda x: torch.sort(x, dim=1))
case("sort_desc", [ties], lambda x: torch.sort(x, dim=1, descending=True))
case("sort_grad", [r35], lambda x: torch.sort(x, dim=0), grad=True)
case("sort_int", [torch.tensor([[5, 2, 2, 9], [1, 1, 0, -3]])], lambda x: torch.sort(x, descending=True))
case("argsort", [ties], lambda x: torch.argsort(x, dim=-1, stable=True))
# Among equal values PyTorch's topk and kthvalue pick positions in no specified order: with ties
# the fixtures hold the values at the returned positions instead of the positions.
def picked(x, r, dim):
    return (r.values, x.gather(dim, r.indices))
case("topk", [ties], lambda x: picked(x, torch.topk(x, 3, dim=1), 1))
case("topk_smallest", [ties], lambda x: picked(x, torch.topk(x, 4, dim=1, largest=False), 1))
case("topk_grad", [r35], lambda x: torch.topk(x, 2, dim=1), grad=True)
case("kthvalue", [r35], lambda x: torch.kthvalue(x, 2, dim=0), grad=True)
case("kthvalue_keepdim", [ties], lambda x: picked(x, torch.kthvalue(x, 3, dim=1, keepdim=True), 1))
med = torch.tensor([[1., 2., 2., 3., 2.], [4., 0., 2., 2., 9.]], dtype=d)
case("median_all", [med], lambda x: x.median(), grad=True)
case("median_axis", [r35], lambda x: x.median(dim=1), grad=True)
case("median_nan", [ties], lambda x: x.median(dim=1))
case("nanmedian_axis", [ties], lambda x: x.nanmedian(dim=1))
case("nanmedian_all", [ties], lambda x: x.nanmedian(), grad=True)
case("median_int", [torch.tensor([[4, 1, 7, 3], [2, 2, 8, 0]])], lambda x: x.median(dim=1))
case("mode", [torch.tensor([[1., 2., 2., 3., 3., 1.], [5., 5., 1., 1., 2., 7.]], dtype=d)], lambda x: x.mode(dim=1))
case("mode_int", [torch.tensor([[1, 3, 3, 0], [2, 2, 9, 9]])], lambda x: x.mode(dim=1, keepdim=True))
q = torch.tensor([0.0, 0.3, 0.5, 0.77, 1.0], dtype=d)
for m in ["linear", "lower", "higher", "midpoint", "nearest"]:
    case("quantile_" + m, [r35, q], lambda x, qq, m=m: torch.quantile(x, qq, dim=1, interpolation=m), grad=True)
case("quantile_all", [r35], lambda x: torch.quantile(x, 0.4), grad=True)
case("quantile_keepdim", [r35], lambda x: torch.quantile(x, 0.25, dim=0, keepdim=True), grad=True)
qnan = torch.tensor([[1., nan, 3., 0.5], [nan, nan, nan, nan], [2., 4., 6., 8.]], dtype=d)
case("quantile_nan", [qnan], lambda x: torch.quantile(x, 0.5, dim=1))
case("nanquantile", [qnan], lambda x: torch.nanquantile(x, torch.tensor([0.25, 0.6], dtype=d), dim=1))
cm = torch.tensor([[1., 3., 2., 3., nan, 0., nan, 5.], [2., 1., 1., 0., 0., 4., -1., -1.]], dtype=d)
case("cummax", [cm], lambda x: torch.cummax(x, dim=1))
case("cummin", [cm], lambda x: torch.cummin(x, dim=1))
case("cummax_grad", [r35], lambda x: torch.cummax(x, dim=1), grad=True)
case("cummin_grad", [r35], lambda x: torch.cummin(x, dim=0), grad=True)
case("cummax_int", [torch.tensor([2, 1, 1, 3, 3])], lambda x: torch.cummax(x, dim=0))
lc = torch.tensor([[-1000., 0., 1000., 1.], [3., -inf, 2., 500.]], dtype=d)
case("logcumsumexp", [lc], lambda x: torch.logcumsumexp(x, dim=1))
case("logcumsumexp_grad", [r35], lambda x: torch.logcumsumexp(x, dim=1), grad=True)
am = torch.tensor([[[1., 5.], [5., 2.]], [[0., 5.], [3., 3.]]], dtype=d)
case("amax", [am], lambda x: torch.amax(x, dim=(0, 2)), grad=True)
case("amin", [am], lambda x: torch.amin(x, dim=(1, 2), keepdim=True), grad=True)
case("amax_all", [am], lambda x: torch.amax(x), grad=True)
case("aminmax", [r35], lambda x: torch.aminmax(x, dim=1))
case("var_mean", [r35], lambda x: torch.var_mean(x, dim=1, correction=0))
case("std_mean", [r35], lambda x: torch.std_mean(x, dim=(0, 1)))

def write(file):
    global cases
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), file), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(file, len(cases), "cases")
    cases = {}

write("sorting_fixtures.json")

# Counting, searching and predicates.
h = torch.tensor([1., 2., 1., 4., 2.5, -1., nan, 3.], dtype=d)
case("histc", [h], lambda x: torch.histc(x, bins=4, min=0, max=3))
case("histc_data_range", [torch.tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10.])], lambda x: torch.histc(x, bins=3))
case("histc_constant", [torch.tensor([5., 5.])], lambda x: torch.histc(x, bins=2))
case("bincount", [torch.tensor([0, 3, 3, 1])], lambda x: torch.bincount(x, minlength=6))
case("bincount_weights", [torch.tensor([1, 0, 1, 4]), torch.tensor([0.5, 1., 2., -1.], dtype=d)], lambda x, w: torch.bincount(x, weights=w))
seq = torch.tensor([1, 3, 5, 7])
vals = torch.tensor([[3, 6], [9, 0]])
case("searchsorted_left", [seq, vals], lambda s, v: torch.searchsorted(s, v))
case("searchsorted_right", [seq, vals], lambda s, v: torch.searchsorted(s, v, right=True))
case("searchsorted_side", [seq, vals], lambda s, v: torch.searchsorted(s, v, side="right"))
case("searchsorted_batched", [torch.tensor([[1, 3, 5], [2, 4, 6]]), torch.tensor([[3, 4], [3, 4]])], lambda s, v: torch.searchsorted(s, v))
case("searchsorted_float", [torch.tensor([0.5, 1., nan], dtype=d), torch.tensor([1., 0.7, nan, 2.], dtype=d)], lambda s, v: torch.searchsorted(s, v))
case("bucketize", [torch.tensor([[1.5, 9., 3.]], dtype=d), torch.tensor([1., 3., 5.], dtype=d)], lambda x, b: torch.bucketize(x, b))
case("bucketize_right", [torch.tensor([[1.5, 9., 3.]], dtype=d), torch.tensor([1., 3., 5.], dtype=d)], lambda x, b: torch.bucketize(x, b, right=True))
case("unique", [torch.tensor([3, 1, 2, 1, 3, 3])], lambda x: torch.unique(x, return_inverse=True, return_counts=True))
case("unique_2d", [torch.tensor([[3, 1], [1, 3]])], lambda x: torch.unique(x, return_inverse=True, return_counts=True))
case("unique_nan", [torch.tensor([nan, 1., nan, -2.], dtype=d)], lambda x: torch.unique(x, return_counts=True))
case("unique_axis0", [torch.tensor([[1, 2], [0, 1], [1, 2]])], lambda x: torch.unique(x, dim=0, return_inverse=True, return_counts=True))
case("unique_axis1", [torch.tensor([[2, 1, 2], [5, 0, 5]])], lambda x: torch.unique(x, dim=1, return_inverse=True, return_counts=True))
case("unique_consecutive", [torch.tensor([1, 1, 2, 2, 3, 1, 1])], lambda x: torch.unique_consecutive(x, return_inverse=True, return_counts=True))
case("unique_consecutive_axis", [torch.tensor([[1, 2], [1, 2], [3, 4]])], lambda x: torch.unique_consecutive(x, dim=0, return_inverse=True, return_counts=True))
case("diff", [r35], lambda x: torch.diff(x), grad=True)
case("diff_n2_axis0", [r35], lambda x: torch.diff(x, n=2, dim=0), grad=True)
case("diff_prepend_append", [r35, torch.ones(3, 1, dtype=d), torch.full((3, 2), 2., dtype=d)], lambda x, p, a: torch.diff(x, dim=1, prepend=p, append=a), grad=True)
case("diff_bool", [torch.tensor([True, False, False, True])], lambda x: torch.diff(x))
case("diff_int", [torch.tensor([1, 4, 9, 16])], lambda x: torch.diff(x, n=2))
pn = torch.tensor([[0., nan, 2.], [inf, -inf, 1.]], dtype=d)
case("isclose", [torch.tensor([1., 1.1, nan, inf, -inf, 1e-9], dtype=d), torch.tensor([1.00001, 1., nan, inf, inf, 0.], dtype=d)], lambda a, b: torch.isclose(a, b))
case("isclose_equal_nan", [torch.tensor([1., nan, 2.], dtype=d), torch.tensor([1.2, nan, 2.1], dtype=d)], lambda a, b: torch.isclose(a, b, rtol=0.1, atol=0, equal_nan=True))
case("isclose_int", [torch.tensor([100, 101, 5]), torch.tensor([100, 100, 6])], lambda a, b: torch.isclose(a, b, rtol=0.01, atol=0))
case("nan_to_num", [pn], lambda x: torch.nan_to_num(x), grad=True)
case("nan_to_num_values", [pn], lambda x: torch.nan_to_num(x, nan=-1., posinf=9., neginf=-9.), grad=True)
case("nansum", [pn], lambda x: torch.nansum(x), grad=True)
case("nansum_axis", [torch.tensor([[0., nan, 2.], [4., 5., nan]], dtype=d)], lambda x: torch.nansum(x, dim=1), grad=True)
case("nanmean", [torch.tensor([[0., nan, 2.], [4., 5., nan]], dtype=d)], lambda x: torch.nanmean(x, dim=1), grad=True)
case("nanmean_no_numbers", [torch.tensor([[nan, nan], [1., nan]], dtype=d)], lambda x: torch.nanmean(x, dim=1))
case("nanmean_all", [torch.tensor([[0., nan, 2.], [4., 5., nan]], dtype=d)], lambda x: torch.nanmean(x), grad=True)
nzt = torch.tensor([[0, 2, 0], [3, 0, 4]])
case("nonzero", [nzt], lambda x: torch.nonzero(x))
case("nonzero_tuple", [nzt], lambda x: torch.nonzero(x, as_tuple=True))
case("argwhere", [torch.tensor([[[0., 1.], [nan, 0.]]], dtype=d)], lambda x: torch.argwhere(x))
case("count_nonzero", [nzt], lambda x: torch.count_nonzero(x, dim=0))
case("any_axes", [torch.tensor([[[0, 1], [0, 0]], [[0, 0], [0, 0]]])], lambda x: torch.any(x, dim=(1, 2)))
case("all_axes", [torch.tensor([[[1, 1], [2, 0]], [[3, 3], [1, 1]]])], lambda x: torch.all(x, dim=(0, 2), keepdim=True))
write("counting_fixtures.json")

# Manipulation and scatter.
m34 = torch.randn(3, 4, dtype=d)
m234 = torch.randn(2, 3, 4, dtype=d)
case("roll", [m34], lambda x: torch.roll(x, shifts=(1, -3), dims=(0, 1)), grad=True)
case("roll_flat", [m34], lambda x: torch.roll(x, 5), grad=True)
case("rot90", [m234], lambda x: torch.rot90(x, 1, (1, 2)), grad=True)
case("rot90_k3", [m34], lambda x: torch.rot90(x, -1), grad=True)
case("rot90_k2", [m34], lambda x: torch.rot90(x, 2, (1, 0)), grad=True)
case("flip_axes", [m234], lambda x: torch.flip(x, (0, 2)), grad=True)
case("tile", [m34], lambda x: torch.tile(x, (2, 1, 2)), grad=True)
case("repeat_interleave", [m34], lambda x: torch.repeat_interleave(x, 2, dim=0), grad=True)
case("repeat_interleave_tensor", [m34, torch.tensor([1, 0, 3, 2])], lambda x, r: torch.repeat_interleave(x, r, dim=1), grad=True)
case("repeat_interleave_flat", [torch.tensor([[1, 2], [3, 4]])], lambda x: torch.repeat_interleave(x, 2))
case("repeat_interleave_counts", [torch.tensor([2, 0, 1])], lambda r: torch.repeat_interleave(r))
case("hstack", [torch.tensor([1., 2.], dtype=d), torch.tensor([3.], dtype=d)], lambda a, b: torch.hstack([a, b]), grad=True)
case("vstack", [torch.tensor([1., 2.], dtype=d), torch.tensor([[3., 4.], [5., 6.]], dtype=d)], lambda a, b: torch.vstack([a, b]), grad=True)
case("dstack", [torch.tensor([1., 2.], dtype=d), torch.tensor([3., 4.], dtype=d)], lambda a, b: torch.dstack([a, b]), grad=True)
case("column_stack", [torch.tensor([1., 2.], dtype=d), torch.tensor([[3., 4.], [5., 6.]], dtype=d)], lambda a, b: torch.column_stack([a, b]), grad=True)
case("diagflat", [torch.tensor([[1., 2.], [3., 4.]], dtype=d)], lambda x: torch.diagflat(x, 1), grad=True)
case("triu_indices", [torch.zeros(1)], lambda _: torch.triu_indices(3, 4, 1))
case("tril_indices", [torch.zeros(1)], lambda _: torch.tril_indices(4, 3, -1))
case("take", [m34, torch.tensor([[0, 11], [-1, 5]])], lambda x, i: torch.take(x, i), grad=True)
case("take_along_dim", [m34, torch.tensor([[0], [3], [1]])], lambda x, i: torch.take_along_dim(x, i, dim=1), grad=True)
case("take_along_dim_broadcast", [m34, torch.tensor([[2, 0, 1, 1]])], lambda x, i: torch.take_along_dim(x, i, dim=0), grad=True)
case("take_along_dim_flat", [m34, torch.tensor([3, 7])], lambda x, i: torch.take_along_dim(x, i), grad=True)
case("narrow_copy", [m34], lambda x: x.narrow_copy(1, 1, 2), grad=True)
case("index_fill", [m34, torch.tensor([0, -1])], lambda x, i: x.index_fill(1, i, -2.), grad=True)
case("index_copy", [m34, torch.tensor([2, 0]), torch.randn(3, 2, dtype=d)], lambda x, i, s: x.index_copy(1, i, s), grad=True)
case("index_copy_source", [torch.randn(3, 2, dtype=d), torch.tensor([2, 0]), m34], lambda s, i, x: x.index_copy(1, i, s), grad=True)
case("select_scatter", [m34, torch.randn(4, dtype=d)], lambda x, s: torch.select_scatter(x, s, 0, -1), grad=True)
case("slice_scatter", [m34, torch.randn(3, 2, dtype=d)], lambda x, s: torch.slice_scatter(x, s, 1, 0, 4, 2), grad=True)
case("diagonal_scatter", [m234, torch.randn(3, 2, dtype=d)], lambda x, s: torch.diagonal_scatter(x, s, 1, 0, 2), grad=True)
case("diagonal_scatter_src", [torch.randn(3, 2, dtype=d), m234], lambda s, x: torch.diagonal_scatter(x, s, 1, 0, 2), grad=True)
sidx = torch.tensor([[0, 2, 0], [1, 1, 3]])
case("scatter", [m34, sidx, torch.randn(2, 3, dtype=d)], lambda x, i, s: x.scatter(1, i, s), grad=True)
case("scatter_src", [torch.randn(2, 3, dtype=d), sidx, m34], lambda s, i, x: x.scatter(1, i, s), grad=True)
case("scatter_value", [m34, sidx], lambda x, i: x.scatter(1, i, 1.5), grad=True)
case("scatter_add_reduce", [m34, sidx, torch.randn(2, 3, dtype=d)], lambda x, i, s: x.scatter(1, i, s, reduce="add"))
case("scatter_multiply_value", [m34, sidx], lambda x, i: x.scatter(1, i, 2.0, reduce="multiply"))
sr_x = torch.tensor([[1., 0., 3., 2.], [5., -1., 0., 4.]], dtype=d)
sr_s = torch.tensor([[2., 0., 5.], [3., 3., -2.]], dtype=d)
for red in ["sum", "prod", "mean", "amax", "amin"]:
    for inc in [True, False]:
        nm = "scatter_reduce_%s_%s" % (red, "self" if inc else "noself")
        case(nm, [sr_x, sidx, sr_s], lambda x, i, s, red=red, inc=inc: x.scatter_reduce(1, i, s, reduce=red, include_self=inc), grad=True)
        case(nm + "_src", [sr_s, sidx, sr_x], lambda s, i, x, red=red, inc=inc: x.scatter_reduce(1, i, s, reduce=red, include_self=inc), grad=True)
case("scatter_reduce_int_mean", [torch.tensor([[1, 4, 3]]), torch.tensor([[0, 0, 2, 2]]), torch.tensor([[2, 3, -7, 1]])],
     lambda x, i, s: x.scatter_reduce(1, i, s, reduce="mean"))
i02, i11 = torch.tensor([0, 2]), torch.tensor([1, 1])
case("index_int", [m34, i02, i11], lambda x, a, b: x[a, b], grad=True)
case("index_middle", [m234, torch.tensor([[2, 0], [1, 1]])], lambda x, a: x[:, a], grad=True)
case("index_nonadjacent", [m234, torch.tensor([0, 1]), torch.tensor([3, -4])], lambda x, a, b: x[a, :, b], grad=True)
case("index_mask", [m34], lambda x: x[x > 0], grad=True)
case("index_mask_rows", [m234, torch.tensor([True, False])], lambda x, m: x[m], grad=True)
def put(x, idx, v, acc):
    y = x.clone()
    return y.index_put(idx, v, accumulate=acc)
case("index_put", [m34, i02, torch.tensor([3, 0]), torch.tensor([10., 20.], dtype=d)], lambda x, a, b, v: put(x, (a, b), v, False), grad=True)
case("index_put_values", [torch.tensor([10., 20.], dtype=d), i02, torch.tensor([3, 0]), m34], lambda v, a, b, x: put(x, (a, b), v, False), grad=True)
case("index_put_accumulate", [m34, torch.tensor([0, 2, 0]), torch.tensor([1, 1, 1]), torch.tensor([1., 2., 4.], dtype=d)], lambda x, a, b, v: put(x, (a, b), v, True), grad=True)
case("index_put_accumulate_values", [torch.tensor([1., 2., 4.], dtype=d), torch.tensor([0, 2, 0]), torch.tensor([1, 1, 1]), m34], lambda v, a, b, x: put(x, (a, b), v, True), grad=True)
case("index_put_mask", [m34], lambda x: put(x, (x < 0,), torch.tensor(0., dtype=d), False), grad=True)
case("index_put_rows", [m234, torch.tensor([1]), torch.randn(3, 4, dtype=d)], lambda x, a, v: put(x, (a,), v, False), grad=True)
write("manipulation_fixtures.json")
