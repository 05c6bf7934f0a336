"""Convolution, normalisation, pooling and resize: the cases of
Tests/GeoKitTests/Ops/{Conv,Norm,Pooling,Resize}Tests.swift (the Swift tests
repeat each case's options)."""
import torch
import torch.nn.functional as F

from case import op_case

# name: (input shape, weight shape, bias, F.conv2d options)
CONV_CASES = {
    "conv_basic": ((2, 3, 7, 8), (4, 3, 3, 3), True, dict(padding=1)),
    "conv_stride2_pad": ((2, 3, 9, 8), (5, 3, 3, 3), True, dict(stride=2, padding=1)),
    "conv_dilation2": ((2, 3, 9, 9), (4, 3, 3, 3), False, dict(padding=2, dilation=2)),
    "conv_groups2": ((2, 4, 6, 7), (6, 2, 3, 3), True, dict(padding=1, groups=2)),
    "conv_depthwise": ((2, 4, 7, 6), (4, 1, 3, 3), True, dict(padding=1, groups=4)),
    "conv_depthwise_s2": ((2, 4, 9, 8), (4, 1, 5, 3), False, dict(stride=2, padding=(2, 1), groups=4)),
    "conv_nonsquare": ((2, 3, 8, 9), (4, 3, 3, 5), False, dict(stride=(2, 1), padding=(1, 2))),
    "conv_pointwise": ((2, 5, 4, 6), (3, 5, 1, 1), True, dict()),
    "conv_pointwise_large": ((1, 2, 32, 32), (3, 2, 1, 1), True, dict()),
    "conv_pointwise_s2": ((2, 6, 7, 7), (4, 6, 1, 1), False, dict(stride=2)),
    "conv_large_plane": ((1, 1, 32, 32), (2, 1, 3, 3), True, dict(padding=1)),
}


def conv_cases(t):
    for name, (xs, ws, bias, options) in CONV_CASES.items():
        inputs = [torch.randn(xs), torch.randn(ws)] + ([torch.randn(ws[0])] if bias else [])
        op_case(name, lambda x, w, b=None: F.conv2d(x, w, b, **options), inputs, t)


# name: (input shape, affine, running statistics, training)
BATCH_NORM_CASES = {
    "bn_train_2d": ((4, 3, 5, 6), True, True, True),
    "bn_train_1d": ((6, 4, 5), True, True, True),
    "bn_train_flat": ((8, 3), True, True, True),
    "bn_train_plain": ((3, 2, 4, 4), False, False, True),
    "bn_eval_2d": ((3, 4, 5, 5), True, True, False),
}


def batch_norm_cases(t):
    """Inputs x (scaled and shifted, so the mean is not ~0), weight, bias; the
    running statistics before (rm0, rv0) and after (rm1, rv1) the call."""
    for name, (xs, affine, running, training) in BATCH_NORM_CASES.items():
        c = xs[1]
        inputs = [torch.randn(xs) * 2 + 3] + ([torch.randn(c), torch.randn(c)] if affine else [])
        rm, rv = (torch.randn(c), torch.rand(c) + 0.5) if running else (None, None)
        if running:
            t[f"{name}/rm0"], t[f"{name}/rv0"] = rm.clone(), rv.clone()

        def bn(x, w=None, b=None):
            return F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)

        op_case(name, bn, inputs, t)
        if running:
            t[f"{name}/rm1"], t[f"{name}/rv1"] = rm, rv


def layer_norm_cases(t):
    w, b = torch.randn(8), torch.randn(8)
    op_case("ln_last", lambda x, w, b: F.layer_norm(x, (8,), w, b, eps=1e-6), [torch.randn(2, 5, 8) + 1, w, b], t)
    op_case("ln_last_plain", lambda x: F.layer_norm(x, (8,), None, None, eps=1e-6), [torch.randn(3, 8)], t)

    def layer_norm_2d(x, w, b):  # timm LayerNorm2d
        return F.layer_norm(x.permute(0, 2, 3, 1), (x.shape[1],), w, b, eps=1e-6).permute(0, 3, 1, 2)

    op_case("ln_channels_first", layer_norm_2d, [torch.randn(2, 6, 4, 5) - 1, torch.randn(6), torch.randn(6)], t)


def pooling_cases(t):
    x = torch.randn(2, 3, 9, 8)
    op_case("maxpool_pad", lambda a: F.max_pool2d(a, 3, 2, 1), [x], t)
    op_case("maxpool_default_stride", lambda a: F.max_pool2d(a, 2), [torch.randn(2, 3, 8, 7)], t)
    op_case("avgpool_pad_include", lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=True), [x], t)
    op_case("avgpool_pad_exclude", lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False), [x], t)
    y = torch.randn(2, 3, 7, 10)
    op_case("adaptive_avg", lambda a: F.adaptive_avg_pool2d(a, (3, 4)), [y], t)
    op_case("adaptive_max", lambda a: F.adaptive_max_pool2d(a, (3, 4)), [y], t)

    def gem(a, p, eps=1e-6):
        exponent = p.view(1, -1, 1, 1)
        return a.clamp(min=eps).pow(exponent).mean(dim=(2, 3)).pow(1.0 / p.view(1, -1))

    z = torch.randn(2, 4, 5, 6).abs() + 0.1
    z[0, 0, 0, :3] = -1.0  # clamped to eps
    op_case("gem_shared", gem, [z, torch.tensor([3.0])], t)
    op_case("gem_per_channel", gem, [z, torch.tensor([3.0, 2.0, 4.0, 2.5])], t)


def resize_cases(t):
    small, large = torch.randn(2, 3, 5, 6), torch.randn(2, 3, 9, 12)
    for align in (False, True):
        suffix = "true" if align else "false"
        op_case(f"resize_up_{suffix}", lambda a: F.interpolate(a, size=(9, 13), mode="bilinear", align_corners=align),
                [small], t)
        op_case(f"resize_down_{suffix}", lambda a: F.interpolate(a, size=(4, 5), mode="bilinear", align_corners=align),
                [large], t)


def generate():
    torch.manual_seed(0)
    t = {}
    conv_cases(t)
    batch_norm_cases(t)
    layer_norm_cases(t)
    pooling_cases(t)
    resize_cases(t)
    return {"conv_ops": (t, {})}
