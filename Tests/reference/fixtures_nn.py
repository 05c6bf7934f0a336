"""NN modules: state-dict keys, shapes and order of small torch models, and
their forward and backward passes. A model case stores
  <case>/state/<key>   the torch state dict (the keys, in order, in metadata <case>/keys)
  <case>/x, <case>/y   an input and the output (in training mode)
  <case>/gy            a random output gradient
  <case>/gx, <case>/grad/<key>  the input's and parameters' gradients of sum(y * gy)
"""
import json

import torch
import torch.nn as nn


def mlp():
    return nn.Sequential(
        nn.Linear(6, 8), nn.ReLU(),
        nn.Sequential(nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 8, bias=False)),
        nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.SiLU(), nn.Linear(8, 8), nn.Hardswish(),
        nn.Linear(8, 4), nn.Tanh(), nn.Identity(), nn.Sigmoid())


def model_case(name, model, x, t, meta, seed=0):
    g = torch.Generator().manual_seed(seed + 101)
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


def generate():
    torch.manual_seed(0)
    t, meta = {}, {}
    model_case("mlp", mlp(), torch.randn(5, 6), t, meta)
    return {"nn": (t, meta)}
