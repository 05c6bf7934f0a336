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


def generate():
    torch.manual_seed(0)
    t = {}
    conv_cases(t)
    return {"conv_ops": (t, {})}
