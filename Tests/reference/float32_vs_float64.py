"""PyTorch against itself: timm ResNet-50 (formula weights, randomised BN
statistics, eval) in float32 and in float64 on the same input, the case
resnet50_pano_b1_128x512 of fixtures_differential_resnet.py. Prints
max |f32 - f64| / max |f64| of the features, the input gradient and the
worst weight gradient: how far float32 is from exact for any implementation,
which is why docs/testing.md compares whole networks in float64.

    venv/bin/python Tests/reference/float32_vs_float64.py [resnet50 1 128 512]
"""
import sys

import torch

from deterministic import wave
from fixtures_differential_resnet import network


def gradients(model, x, seed):
    model.zero_grad(set_to_none=True)
    x = x.detach().clone().requires_grad_(True)
    y = model.forward_features(x)
    (y * wave(tuple(y.shape), 2000 + seed, y.dtype)).sum().backward()
    return y.detach(), x.grad, {k: p.grad for k, p in model.named_parameters()}


def main(name="resnet50", batch=1, height=128, width=512, seed=5):
    torch.manual_seed(0)
    double = network(name)
    single = network(name).float()
    x = wave((batch, 3, height, width), 1000 + seed)
    y64, gx64, gw64 = gradients(double, x, seed)
    y32, gx32, gw32 = gradients(single, x.float(), seed)
    err = lambda a, e: ((a.double() - e).abs().max() / e.abs().max()).item()
    worst = max(gw64, key=lambda k: err(gw32[k], gw64[k]))
    print(f"{name} {batch}x3x{height}x{width}, float32 vs float64, max |diff| / max |float64|:")
    print(f"  features {err(y32, y64):.1e}, input gradient {err(gx32, gx64):.1e}, "
          f"worst weight gradient {err(gw32[worst], gw64[worst]):.1e} ({worst})")


if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:5])) if len(sys.argv) > 1 else main()
