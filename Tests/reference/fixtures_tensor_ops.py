"""Tensor-manipulation, reduction and loss ops: permute/transpose, slicing and
index selection, concatenation, padding, roll/flip/rot90, max/min/top-k,
softmax, cross-entropy and L2 normalisation. Integer outputs (argmax, top-k
indices) are stored as int64 under name/indices; integer inputs (class
targets) as x1 without a gradient."""
import torch
import torch.nn.functional as F

from case import op_case


def generate():
    torch.manual_seed(0)
    t = {}
    x = torch.randn(2, 3, 4, 5)

    op_case("permute", lambda a: a.permute(0, 2, 3, 1), [x], t)
    op_case("permute_mixed", lambda a: a.permute(3, 1, 0, 2), [x], t)
    op_case("transpose", lambda a: a.transpose(0, 2), [torch.randn(3, 4, 5)], t)
    op_case("transpose_2d", lambda a: a.transpose(-1, -2), [torch.randn(4, 6)], t)

    op_case("slice_axis1", lambda a: a.narrow(1, 1, 2), [x], t)
    op_case("slice_last", lambda a: a.narrow(-1, 2, 3), [x], t)
    op_case("index_select", lambda a: a.index_select(1, torch.tensor([2, 0, 2, 3, 0])), [torch.randn(2, 4, 3)], t)
    op_case("index_select_last", lambda a: a.index_select(2, torch.tensor([1, 1, 0])), [torch.randn(2, 4, 3)], t)
    op_case("diagonal", torch.diagonal, [torch.randn(5, 5)], t)

    parts = {0: [(1, 3, 4), (2, 3, 4), (3, 3, 4)], 1: [(2, 1, 4), (2, 2, 4), (2, 3, 4)],
             2: [(2, 3, 1), (2, 3, 2), (2, 3, 4)]}
    for axis, shapes in parts.items():
        op_case(f"concat_axis{axis}", lambda *ts, d=axis: torch.cat(ts, dim=d), [torch.randn(*s) for s in shapes], t)
    for axis in (0, 1, -1):
        op_case(f"stack_axis{axis}", lambda *ts, d=axis: torch.stack(ts, dim=d),
                [torch.randn(2, 3, 4) for _ in range(3)], t)

    # F.pad lists widths last axis first: (W before, W after, H before, H after).
    for mode in ("constant", "reflect", "replicate", "circular"):
        kwargs = {"value": 0.5} if mode == "constant" else {}
        op_case(f"pad_{mode}", lambda a, m=mode, kw=kwargs: F.pad(a, (2, 1, 1, 3), mode=m, **kw), [x], t)
    op_case("pad_constant_3axes", lambda a: F.pad(a, (1, 0, 0, 2, 2, 1)), [x], t)

    op_case("roll_positive", lambda a: torch.roll(a, 2, 1), [x], t)
    op_case("roll_negative", lambda a: torch.roll(a, -3, -1), [x], t)
    op_case("roll_beyond", lambda a: torch.roll(a, 7, 2), [x], t)
    op_case("flip", lambda a: torch.flip(a, (1, 3)), [x], t)
    for k in (1, 2, 3, -1):
        op_case(f"rot90_k{k}".replace("-", "m"), lambda a, k=k: torch.rot90(a, k, (2, 3)), [x], t)
    op_case("rot90_axes01", lambda a: torch.rot90(a, 1, (0, 1)), [x], t)

    def reduction(name, fn, source):
        values, indices = fn(source)
        op_case(name, lambda a: fn(a)[0], [source], t)
        t[f"{name}/indices"] = indices.to(torch.int64)
        return values

    reduction("max_axis1", lambda a: a.max(dim=1), x)
    reduction("max_last_keep", lambda a: a.max(dim=-1, keepdim=True), x)
    reduction("min_axis2", lambda a: a.min(dim=2), x)
    reduction("min_axis0_keep", lambda a: a.min(dim=0, keepdim=True), x)
    op_case("max_all", torch.max, [x], t)
    reduction("topk_largest", lambda a: torch.topk(a, 3, dim=-1), x)
    reduction("topk_smallest_axis1", lambda a: torch.topk(a, 2, dim=1, largest=False), x)

    for axis in (1, -1):
        op_case(f"softmax_axis{axis}".replace("-", "m"), lambda a, d=axis: torch.softmax(a, d), [x * 3], t)
        op_case(f"log_softmax_axis{axis}".replace("-", "m"), lambda a, d=axis: torch.log_softmax(a, d), [x * 3], t)

    logits = torch.randn(6, 5) * 2
    targets = torch.tensor([0, 4, 2, 2, 1, 3])
    op_case("cross_entropy", F.cross_entropy, [logits, targets], t)
    op_case("cross_entropy_smooth", lambda a, y: F.cross_entropy(a, y, label_smoothing=0.1), [logits, targets], t)

    op_case("normalize_axis1", lambda a: F.normalize(a, p=2, dim=1), [x], t)
    rows = torch.randn(4, 6)
    rows[2] = 0
    op_case("normalize_zero_row", lambda a: F.normalize(a, p=2, dim=1), [rows], t)
    clamped = torch.randn(5, 3) * torch.tensor([[0.1], [2.0], [0.2], [1.5], [0.05]])
    op_case("normalize_clamped", lambda a: F.normalize(a, p=2, dim=-1, eps=0.5), [clamped], t)
    return {"tensor_ops": (t, {})}
