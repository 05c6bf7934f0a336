"""Element-wise ops, broadcasting arithmetic, sum/mean and matmul."""
import torch
import torch.nn.functional as F

from case import op_case


def generate():
    torch.manual_seed(0)
    t = {}
    x = torch.randn(2, 3, 4, 5)
    op_case("relu", F.relu, [x], t)
    op_case("leaky_relu", lambda a: F.leaky_relu(a, 0.2), [x], t)
    op_case("sigmoid", torch.sigmoid, [x], t)
    op_case("silu", F.silu, [x], t)
    op_case("gelu", F.gelu, [x], t)
    op_case("tanh", torch.tanh, [x], t)
    op_case("hardswish", F.hardswish, [x * 3], t)
    op_case("exp", torch.exp, [x], t)
    op_case("log", torch.log, [x.abs() + 0.1], t)
    op_case("log1p", torch.log1p, [x.abs()], t)
    op_case("sqrt", torch.sqrt, [x.abs() + 0.1], t)
    op_case("pow3", lambda a: a.pow(3.0), [x.abs() + 0.1], t)
    op_case("clamp", lambda a: a.clamp(-0.5, 0.7), [x], t)
    op_case("softplus", F.softplus, [x * 10], t)
    op_case("add_bcast", torch.add, [x, torch.randn(3, 1, 5)], t)
    op_case("sub_bcast", torch.sub, [torch.randn(4, 1), x], t)
    op_case("mul_bcast", torch.mul, [x, torch.randn(1, 3, 1, 1)], t)
    op_case("div_bcast", torch.div, [x, torch.rand(5) + 0.5], t)
    op_case("sum_axes", lambda a: a.sum(dim=(1, 3)), [x], t)
    op_case("mean_keep", lambda a: a.mean(dim=2, keepdim=True), [x], t)
    op_case("matmul", torch.matmul, [torch.randn(6, 7), torch.randn(7, 5)], t)
    op_case("bmm", torch.bmm, [torch.randn(3, 6, 7), torch.randn(3, 7, 5)], t)
    op_case("linear", F.linear, [torch.randn(4, 7), torch.randn(5, 7), torch.randn(5)], t)
    return {"elementwise": (t, {})}
