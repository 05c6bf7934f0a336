"""NN modules: state-dict keys, shapes and order of small torch models, and
their forward and backward passes. A model case stores
  <case>/state/<key>   the torch state dict (the keys, in order, in metadata <case>/keys)
  <case>/x, <case>/y   an input and the output (in training mode unless the case says eval)
  <case>/gy            a random output gradient
  <case>/gx, <case>/grad/<key>  the input's and parameters' gradients of sum(y * gy)
  <case>/after/<key>   buffers after the forward pass (running statistics)
"""
import json

import torch
import torch.nn as nn
from timm.layers import LayerNorm2d


def mlp():
    return nn.Sequential(
        nn.Linear(6, 8), nn.ReLU(),
        nn.Sequential(nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 8, bias=False)),
        nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.SiLU(), nn.Linear(8, 8), nn.Hardswish(),
        nn.Linear(8, 4), nn.Tanh(), nn.Identity(), nn.Sigmoid())


def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False), nn.GELU(),
        nn.Dropout(0.5),
        nn.Conv2d(8, 8, 3, padding=1, groups=8),
        nn.Conv2d(8, 4, (1, 3), stride=(2, 1), padding=(0, 2), dilation=(1, 2)))


def normalized_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8, eps=1e-3, momentum=0.2),
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), LayerNorm2d(8),
        nn.MaxPool2d(3, stride=1, padding=1), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d((2, 1)), nn.Flatten(), nn.Linear(16, 6), nn.BatchNorm1d(6), nn.LayerNorm(6, eps=1e-6))


def model_case(name, model, x, t, meta, seed=0, train=True):
    g = torch.Generator().manual_seed(seed + 101)
    model.train(train)
    state = model.state_dict()
    meta[f"{name}/keys"] = json.dumps(list(state.keys()))
    for key, value in state.items():
        t[f"{name}/state/{key}"] = value.clone()
    x = x.clone().requires_grad_(True)
    y = model(x)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    t[f"{name}/x"] = x.detach()
    t[f"{name}/y"] = y.detach()
    t[f"{name}/gy"] = gy
    t[f"{name}/gx"] = x.grad
    for key, p in model.named_parameters():
        t[f"{name}/grad/{key}"] = p.grad
        p.grad = None
    for key, b in model.named_buffers():
        t[f"{name}/after/{key}"] = b.clone()


def generate():
    torch.manual_seed(0)
    t, meta = {}, {}
    model_case("mlp", mlp(), torch.randn(5, 6), t, meta)
    model_case("cnn", cnn(), torch.randn(2, 3, 6, 6), t, meta, train=False)
    model = normalized_cnn()
    with torch.no_grad():
        for key, p in model.named_parameters():
            if "weight" in key and p.dim() == 1:
                p.add_(0.2 * torch.randn(p.shape))  # norm scales away from 1, so a swapped affine shows
            elif "bias" in key and p.dim() == 1:
                p.add_(0.2 * torch.randn(p.shape))
    model_case("cnn_bn", model, torch.randn(4, 3, 8, 8), t, meta)
    model_case("cnn_bn_eval", model, torch.randn(4, 3, 8, 8), t, meta, train=False)
    return {"nn": (t, meta)}
