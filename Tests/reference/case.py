"""Helpers shared by the fixture modules: one op case = inputs, output, and
the input gradients of sum(output * gy) for a random gy."""
import torch


def op_case(name, fn, inputs, tensors, seed=0, **kwargs):
    """Runs fn(*inputs) and stores name/x0.., name/y, name/gy, name/gx0.. ."""
    g = torch.Generator().manual_seed(seed + 7919)
    leaves = [x.detach().clone().requires_grad_(x.is_floating_point()) for x in inputs]
    y = fn(*leaves, **kwargs)
    gy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    (y * gy).sum().backward()
    for i, x in enumerate(leaves):
        tensors[f"{name}/x{i}"] = x.detach()
        if x.grad is not None:
            tensors[f"{name}/gx{i}"] = x.grad
    tensors[f"{name}/y"] = y.detach()
    tensors[f"{name}/gy"] = gy
    return y
