"""Weights that Swift and Python compute identically without storing them:
each tensor of a state dict, in sorted key order k = 0, 1, ..., gets values
from a sine of its element index (mirrored by
Tests/GeoKitTests/Support/DeterministicWeights.swift). Models are far too
large to commit as fixtures; this keeps their parity tests a few hundred KB."""
import math

import torch


def _wave(n, k):
    i = torch.arange(n, dtype=torch.float64)
    return torch.sin(0.731 * i + 0.37 * k + 0.1 * (i * i % 17))


def wave(shape, k, dtype=torch.float64):
    """An input or output gradient that Swift computes identically (DeterministicWeights.swift, `wave`):
    the weights' sine, seeded by k, in C order."""
    n = math.prod(shape)
    return _wave(n, k).reshape(shape).to(dtype)


def fill_deterministic(model):
    state = model.state_dict()
    for k, name in enumerate(sorted(state)):
        t = state[name]
        if not t.is_floating_point():
            continue
        w = _wave(t.numel(), k)
        if name.endswith("running_var"):
            v = 1.0 + 0.25 * (w + 1.0)
        elif name.endswith("running_mean") or name.endswith("bias"):
            v = 0.1 * w
        elif t.dim() == 1:  # norm weights
            v = 1.0 + 0.2 * w
        else:
            fan_in = t[0].numel()
            v = math.sqrt(2.0 / fan_in) * math.sqrt(2.0) * w
        t.copy_(v.reshape(t.shape).to(t.dtype))
