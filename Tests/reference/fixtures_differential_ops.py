"""Every differentiable op in float64 over several shapes and seeds: batch 1
and 8, odd and even sizes, maps down to 1x1. A case `<name>` stores its
inputs x0.., output y, output gradient gy and input gradients gx0.. (as in
case.py, all float64), and its op and settings as JSON metadata, which
Tests/GeoKitTests/Differential/OpsDifferentialTests.swift dispatches on, so a
new case needs no Swift code unless it is a new op."""
import json

import torch
import torch.nn.functional as F

from case import op_case

CASES = []   # (name, op, settings, input shapes, input kind)


def case(name, op, shapes, kind="normal", **settings):
    CASES.append((name, op, settings, shapes, kind))


# Convolution: every GeoKit path (im2col + GEMM, direct 1x1, depthwise loops) with stride, padding, dilation, groups.
case("conv3x3_b1_odd", "conv2d", [(1, 4, 9, 11), (6, 4, 3, 3), (6,)], stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=1)
case("conv3x3_s2_b8_even", "conv2d", [(8, 3, 8, 10), (5, 3, 3, 3), (5,)], stride=[2, 2], padding=[1, 1], dilation=[1, 1], groups=1)
case("conv3x3_dilation2", "conv2d", [(2, 4, 11, 9), (4, 4, 3, 3), (4,)], stride=[1, 1], padding=[2, 2], dilation=[2, 2], groups=1)
case("conv3x3_groups2", "conv2d", [(2, 6, 7, 8), (4, 3, 3, 3), (4,)], stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=2)
case("conv_depthwise_b8", "conv2d", [(8, 5, 7, 6), (5, 1, 3, 3), (5,)], stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=5)
case("conv_depthwise5x5_s2", "conv2d", [(1, 4, 9, 9), (4, 1, 5, 5)], stride=[2, 2], padding=[2, 2], dilation=[1, 1], groups=4)
case("conv_depthwise_dilation2", "conv2d", [(2, 3, 8, 9), (3, 1, 3, 3), (3,)], stride=[1, 1], padding=[2, 2], dilation=[2, 2], groups=3)
case("conv1x1_b8", "conv2d", [(8, 6, 5, 7), (4, 6, 1, 1), (4,)], stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1)
case("conv1x1_s2_b1", "conv2d", [(1, 6, 9, 9), (3, 6, 1, 1)], stride=[2, 2], padding=[0, 0], dilation=[1, 1], groups=1)
case("conv7x7_stem", "conv2d", [(1, 3, 17, 23), (4, 3, 7, 7), (4,)], stride=[2, 2], padding=[3, 3], dilation=[1, 1], groups=1)
case("conv_to_1x1_b8", "conv2d", [(8, 3, 3, 3), (4, 3, 3, 3), (4,)], stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1)
case("conv_rect_stride", "conv2d", [(1, 2, 9, 10), (3, 2, 3, 1), (3,)], stride=[2, 1], padding=[1, 0], dilation=[1, 1], groups=1)

# Batch norm: input x0, affine x1 x2; running statistics x3 x4 (no gradient; training updates them, stored as rm/rv).
for name, shape, training in [("bn_train_b8", (8, 5, 7, 6), True), ("bn_train_b1", (1, 4, 5, 3), True),
                              ("bn_train_2d", (8, 6), True), ("bn_train_1x1_b8", (8, 3, 1, 1), True),
                              ("bn_eval_b1_odd", (1, 4, 5, 7), False), ("bn_eval_b8", (8, 3, 4, 4), False)]:
    c = shape[1]
    case(name, "batch_norm", [shape, (c,), (c,), (c,), (c,)], kind="batch_norm", training=training, momentum=0.1, eps=1e-5)

case("layer_norm_last_b8", "layer_norm", [(8, 5, 12), (12,), (12,)], axis=-1, eps=1e-6)
case("layer_norm_channels_b1", "layer_norm", [(1, 6, 3, 5), (6,), (6,)], axis=1, eps=1e-6)
case("layer_norm_channels_1x1", "layer_norm", [(8, 4, 1, 1), (4,), (4,)], axis=1, eps=1e-5)

case("max_pool3_s2_p1_b8", "max_pool2d", [(8, 3, 9, 9)], kernel=3, stride=2, padding=1)
case("max_pool2_odd_b1", "max_pool2d", [(1, 2, 7, 6)], kernel=2, stride=2, padding=0)
case("max_pool3_to_1x1", "max_pool2d", [(2, 3, 3, 3)], kernel=3, stride=1, padding=0)
case("avg_pool3_s2_p1_incl", "avg_pool2d", [(1, 3, 9, 8)], kernel=3, stride=2, padding=1, count_include_pad=True)
case("avg_pool3_s2_p1_excl_b8", "avg_pool2d", [(8, 2, 7, 10)], kernel=3, stride=2, padding=1, count_include_pad=False)
case("adaptive_avg_3x4_b8", "adaptive_avg_pool2d", [(8, 3, 7, 9)], size=[3, 4])
case("adaptive_avg_1x1_b1", "adaptive_avg_pool2d", [(1, 5, 4, 6)], size=[1, 1])
case("adaptive_max_2x3_b1", "adaptive_max_pool2d", [(1, 3, 7, 10)], size=[2, 3])
case("adaptive_max_1x1_b8", "adaptive_max_pool2d", [(8, 2, 5, 5)], size=[1, 1])
case("gem_shared_p", "gem", [(2, 4, 5, 6), (1,)], kind="gem", eps=1e-6)
case("gem_channel_p_b8", "gem", [(8, 3, 3, 4), (3,)], kind="gem", eps=1e-6)
case("gem_1x1", "gem", [(1, 4, 1, 1), (1,)], kind="gem", eps=1e-6)

case("linear_b8", "linear", [(8, 7), (5, 7), (5,)])
case("linear_tokens_b1", "linear", [(1, 3, 7), (4, 7), (4,)])
case("matmul_2d", "matmul", [(6, 7), (7, 5)], transpose_a=False, transpose_b=False)
case("matmul_batched_b8", "matmul", [(8, 4, 5), (8, 5, 3)], transpose_a=False, transpose_b=False)
case("matmul_transposed", "matmul", [(7, 6), (5, 7)], transpose_a=True, transpose_b=True)

case("softmax_rows_b8", "softmax", [(8, 10)], axis=1)
case("softmax_channels_nchw", "softmax", [(2, 3, 4, 5)], axis=1)
case("log_softmax_last_b1", "log_softmax", [(1, 7)], axis=-1)
case("log_softmax_b8", "log_softmax", [(8, 3, 6)], axis=2)

case("resize_up_b1", "resize", [(1, 3, 5, 7)], size=[9, 13], align_corners=False)
case("resize_up_corners", "resize", [(2, 2, 4, 5)], size=[7, 11], align_corners=True)
case("resize_down_b8", "resize", [(8, 2, 9, 11)], size=[4, 5], align_corners=False)
case("resize_to_1x1", "resize", [(1, 2, 5, 4)], size=[1, 1], align_corners=False)
case("resize_from_1x1", "resize", [(8, 3, 1, 1)], size=[3, 4], align_corners=True)

for op, settings in [("relu", {}), ("leaky_relu", {"slope": 0.1}), ("sigmoid", {}), ("silu", {}), ("gelu", {}),
                     ("tanh", {}), ("hardswish", {}), ("exp", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}),
                     ("clamp", {"min": -0.5, "max": 0.7})]:
    case(f"{op}_b8", op, [(8, 2, 3, 3)], **settings)
    case(f"{op}_b1_odd", op, [(1, 3, 7)], **settings)
for op, settings in [("log", {}), ("log1p", {}), ("sqrt", {}), ("pow", {"exponent": 2.5})]:
    case(f"{op}_b8", op, [(8, 2, 3, 3)], kind="positive", **settings)
    case(f"{op}_b1_odd", op, [(1, 3, 7)], kind="positive", **settings)

case("add_broadcast_b8", "add", [(8, 3, 4, 5), (3, 1, 1)])
case("sub_broadcast", "sub", [(1, 5), (4, 1)])
case("mul_broadcast_b8", "mul", [(8, 3, 1, 5), (1, 3, 4, 1)])
case("div_broadcast", "div", [(2, 3, 4), (3, 1)], kind="positive_second")

case("sum_all_b8", "sum", [(8, 3, 4, 5)], axes=[], keepdims=False)
case("sum_axes_keep", "sum", [(2, 3, 4, 5)], axes=[1, 3], keepdims=True)
case("mean_batch_b8", "mean", [(8, 3, 5)], axes=[0], keepdims=False)
case("mean_spatial_1x1", "mean", [(1, 4, 1, 1)], axes=[2, 3], keepdims=False)
case("max_axis_b8", "max", [(8, 5, 3)], axis=1, keepdims=False)
case("min_axis_keep", "min", [(2, 3, 7)], axis=-1, keepdims=True)
case("max_all", "max_all", [(3, 4, 5)])
case("topk_largest", "topk", [(2, 9)], k=3, axis=-1, largest=True)
case("topk_smallest_b8", "topk", [(8, 6, 3)], k=2, axis=1, largest=False)

case("pad_constant_b8", "pad", [(8, 2, 5, 6)], widths=[[1, 2], [0, 3]], mode="constant", value=0.25)
case("pad_reflect", "pad", [(1, 3, 5, 6)], widths=[[2, 1], [3, 2]], mode="reflect", value=0.0)
case("pad_replicate", "pad", [(2, 2, 4, 3)], widths=[[1, 3], [2, 0]], mode="replicate", value=0.0)
case("pad_circular", "pad", [(1, 2, 4, 5)], widths=[[2, 1], [1, 4]], mode="circular", value=0.0)
case("pad_1x1_replicate", "pad", [(8, 2, 1, 1)], widths=[[1, 1], [2, 1]], mode="replicate", value=0.0)

case("concat_channels_b8", "concat", [(8, 1, 3, 3), (8, 2, 3, 3), (8, 3, 3, 3)], axis=1)
case("concat_batch", "concat", [(1, 3, 2), (2, 3, 2)], axis=0)
case("stack_last", "stack", [(2, 3), (2, 3), (2, 3)], axis=-1)
case("slice_width_b8", "slice", [(8, 3, 4, 9)], axis=3, start=2, end=7)
case("slice_batch", "slice", [(5, 3, 2)], axis=0, start=1, end=4)
case("permute_nhwc_b8", "permute", [(8, 3, 4, 5)], axes=[0, 2, 3, 1])
case("permute_mixed", "permute", [(1, 3, 5, 2)], axes=[3, 1, 0, 2])
case("transpose_tokens", "transpose", [(2, 5, 3)], a=1, b=2)
case("index_select_repeats", "index_select", [(8, 4, 3)], axis=1, indices=[2, 0, 2, 3, 0])
case("diagonal_rect", "diagonal", [(4, 6)])
case("roll_width", "roll", [(2, 3, 4, 7)], shift=3, axis=3)
case("roll_negative_b8", "roll", [(8, 5)], shift=-2, axis=1)
case("flip_hw", "flip", [(1, 2, 3, 5)], axes=[2, 3])
case("reshape_flatten_b8", "reshape", [(8, 3, 2, 5)], shape=[8, -1])

case("l2_normalize_rows_b8", "l2_normalize", [(8, 16)], axis=1, eps=1e-12)
case("l2_normalize_channels", "l2_normalize", [(2, 4, 3, 3)], axis=1, eps=1e-12)

case("cross_entropy_b8", "cross_entropy", [(8, 10)], targets=[3, 0, 9, 9, 1, 5, 2, 7], label_smoothing=0.0)
case("cross_entropy_smoothed", "cross_entropy", [(4, 6)], targets=[5, 0, 2, 2], label_smoothing=0.1)
case("cross_entropy_b1", "cross_entropy", [(1, 5)], targets=[4], label_smoothing=0.0)


def _pad(a, widths, mode, value):
    flat = [w for pair in reversed(widths) for w in pair]   # F.pad lists the last axis first
    return F.pad(a, flat, mode=mode, value=value) if mode == "constant" else F.pad(a, flat, mode=mode)


def _gem(a, p, eps):
    return F.avg_pool2d(a.clamp(min=eps).pow(p.reshape(1, -1, 1, 1)), a.shape[-2:]).pow(1.0 / p.reshape(1, -1, 1, 1)).flatten(1)


def _matmul(a, b, transpose_a, transpose_b):
    return (a.transpose(-1, -2) if transpose_a else a) @ (b.transpose(-1, -2) if transpose_b else b)


def _layer_norm(a, w, b, axis, eps):
    moved = a.movedim(axis, -1)
    return F.layer_norm(moved, (a.shape[axis],), w, b, eps).movedim(-1, axis)


FUNCTIONS = {
    "conv2d": lambda *ts, stride, padding, dilation, groups: F.conv2d(ts[0], ts[1], ts[2] if len(ts) > 2 else None,
                                                                        stride, padding, dilation, groups),
    "layer_norm": _layer_norm,
    "max_pool2d": lambda a, kernel, stride, padding: F.max_pool2d(a, kernel, stride, padding),
    "avg_pool2d": lambda a, kernel, stride, padding, count_include_pad: F.avg_pool2d(a, kernel, stride, padding,
                                                                                     count_include_pad=count_include_pad),
    "adaptive_avg_pool2d": lambda a, size: F.adaptive_avg_pool2d(a, size),
    "adaptive_max_pool2d": lambda a, size: F.adaptive_max_pool2d(a, size),
    "gem": _gem,
    "linear": F.linear,
    "matmul": _matmul,
    "softmax": lambda a, axis: a.softmax(axis),
    "log_softmax": lambda a, axis: a.log_softmax(axis),
    "resize": lambda a, size, align_corners: F.interpolate(a, size=size, mode="bilinear", align_corners=align_corners),
    "relu": F.relu, "leaky_relu": lambda a, slope: F.leaky_relu(a, slope), "sigmoid": torch.sigmoid, "silu": F.silu,
    "gelu": F.gelu, "tanh": torch.tanh, "hardswish": F.hardswish, "exp": torch.exp, "log": torch.log, "log1p": torch.log1p,
    "sqrt": torch.sqrt, "pow": lambda a, exponent: a.pow(exponent),
    "softplus": lambda a, beta, threshold: F.softplus(a, beta, threshold),
    "clamp": lambda a, min, max: a.clamp(min, max),
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "sum": lambda a, axes, keepdims: a.sum(dim=axes, keepdim=keepdims) if axes else a.sum(),
    "mean": lambda a, axes, keepdims: a.mean(dim=axes, keepdim=keepdims),
    "max": lambda a, axis, keepdims: a.max(dim=axis, keepdim=keepdims).values,
    "min": lambda a, axis, keepdims: a.min(dim=axis, keepdim=keepdims).values,
    "max_all": lambda a: a.max(),
    "topk": lambda a, k, axis, largest: a.topk(k, dim=axis, largest=largest).values,
    "pad": _pad,
    "concat": lambda *ts, axis: torch.cat(ts, dim=axis),
    "stack": lambda *ts, axis: torch.stack(ts, dim=axis),
    "slice": lambda a, axis, start, end: a.narrow(axis, start, end - start),
    "permute": lambda a, axes: a.permute(*axes),
    "transpose": lambda a, a_, b: a.transpose(a_, b),
    "index_select": lambda a, axis, indices: a.index_select(axis, torch.tensor(indices)),
    "diagonal": torch.diagonal,
    "roll": lambda a, shift, axis: torch.roll(a, shift, axis),
    "flip": lambda a, axes: a.flip(axes),
    "reshape": lambda a, shape: a.reshape(shape),
    "l2_normalize": lambda a, axis, eps: F.normalize(a, dim=axis, eps=eps),
    "cross_entropy": lambda a, targets, label_smoothing: F.cross_entropy(a, torch.tensor(targets),
                                                                           label_smoothing=label_smoothing),
}


def inputs(shapes, kind, g):
    xs = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    if kind == "positive":   # log1p then sees (0.1, 4), log, sqrt and pow are defined
        xs[0] = xs[0].abs() + 0.1
    if kind == "positive_second":
        xs[1] = xs[1].abs() + 0.5
    if kind == "gem":
        xs[0] = xs[0].abs() + 0.05
        xs[1] = 2.0 + xs[1].abs()
    if kind == "batch_norm":
        xs[3] = 0.3 * xs[3]
        xs[4] = 0.5 + xs[4].abs()
    return xs


def batch_norm_case(name, xs, settings, t, seed):
    """F.batch_norm, whose running statistics are updated in place and get no gradient."""
    mean, var = xs[3].clone(), xs[4].clone()
    fn = lambda a, w, b: F.batch_norm(a, mean, var, w, b, settings["training"], settings["momentum"], settings["eps"])
    op_case(name, fn, xs[:3], t, seed=seed)
    t[f"{name}/x3"], t[f"{name}/x4"] = xs[3], xs[4]
    t[f"{name}/rm"], t[f"{name}/rv"] = mean, var


def generate():
    t, metadata = {}, {}
    for seed, (name, op, settings, shapes, kind) in enumerate(CASES):
        g = torch.Generator().manual_seed(100 + seed)
        xs = inputs(shapes, kind, g)
        if op == "batch_norm":
            batch_norm_case(name, xs, settings, t, seed)
        elif op == "transpose":
            op_case(name, lambda a: a.transpose(settings["a"], settings["b"]), xs, t, seed=seed)
        else:
            op_case(name, lambda *a: FUNCTIONS[op](*a, **settings), xs, t, seed=seed)
        metadata[name] = json.dumps({"op": op, **settings})
    # Views (slices, reshapes) share their input's memory, which safetensors refuses to store twice.
    return {"differential_ops": ({k: v.clone() for k, v in t.items()}, metadata)}
