"""Optimisers, learning-rate schedules and gradient clipping.

Each optimiser runs 6 steps over three parameters in two groups with
different learning rates, from fixed initial values and a fixed sequence of
gradients (p1 has no gradient at step 3, so it must be skipped). The
parameters after every step are stored as <optimizer>/step<s>/p<i>.
"""
import math

import torch

STEPS = 6
SHAPES = [(3, 4), (5,), (2, 3)]
SKIPPED = {(3, 1)}  # (step, parameter) without a gradient

# name -> (constructor, per-group options); keep in sync with OptimizerTests.swift.
OPTIMIZERS = {
    "sgd_nesterov": (lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                     [{"lr": 0.1}, {"lr": 0.03}]),
    "sgd_dampening": (lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.8, dampening=0.1),
                      [{"lr": 0.1}, {"lr": 0.03}]),
    "adam": (lambda groups: torch.optim.Adam(groups, lr=0.01, weight_decay=0.1),
             [{"lr": 0.01}, {"lr": 0.003}]),
    "adamw": (lambda groups: torch.optim.AdamW(groups, lr=0.01, betas=(0.8, 0.99), eps=1e-6),
              [{"lr": 0.01, "weight_decay": 0.05}, {"lr": 0.003, "weight_decay": 0.2}]),
}


def lambda_multipliers(fn, steps):
    """The learning rate LambdaLR (or StepLR) gives each step, for base rate 1."""
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = fn(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return torch.tensor(rates, dtype=torch.float64)


def cosine_with_warmup(warmup, total, min_rate=0.0):
    """transformers' get_cosine_with_min_lr_schedule_with_warmup lambda (min_rate 0: get_cosine_schedule_with_warmup)."""
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        progress = (step - warmup) / max(1, total - warmup)
        factor = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))
        return max(0.0, factor * (1 - min_rate) + min_rate)
    return f


def polynomial_with_warmup(warmup, total, lr_init, lr_end, power):
    """transformers' get_polynomial_decay_schedule_with_warmup lambda."""
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        if step > total:
            return lr_end / lr_init
        remaining = 1 - (step - warmup) / (total - warmup)
        return ((lr_init - lr_end) * remaining ** power + lr_end) / lr_init
    return f


def generate():
    g = torch.Generator().manual_seed(0)
    t = {}
    init = [torch.randn(s, generator=g) for s in SHAPES]
    for i, p in enumerate(init):
        t[f"init/p{i}"] = p
    grads = [[torch.randn(s, generator=g) for s in SHAPES] for _ in range(STEPS)]
    for s in range(STEPS):
        for i in range(len(SHAPES)):
            if (s, i) not in SKIPPED:
                t[f"grad/step{s}/p{i}"] = grads[s][i]

    for name, (make, options) in OPTIMIZERS.items():
        params = [p.clone().requires_grad_(True) for p in init]
        groups = [dict(params=params[:2], **options[0]), dict(params=params[2:], **options[1])]
        optimizer = make(groups)
        for s in range(STEPS):
            for i, p in enumerate(params):
                p.grad = None if (s, i) in SKIPPED else grads[s][i].clone()
            optimizer.step()
            for i, p in enumerate(params):
                t[f"{name}/step{s}/p{i}"] = p.detach().clone()

    lr_lambda = torch.optim.lr_scheduler.LambdaLR
    t["schedule/cosine"] = lambda_multipliers(lambda o: lr_lambda(o, cosine_with_warmup(5, 30)), 30)
    t["schedule/cosine_min"] = lambda_multipliers(lambda o: lr_lambda(o, cosine_with_warmup(5, 30, 0.1)), 30)
    t["schedule/cosine_no_warmup"] = lambda_multipliers(lambda o: lr_lambda(o, cosine_with_warmup(0, 30)), 30)
    t["schedule/step"] = lambda_multipliers(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), 30)
    # lr_end is absolute in transformers: with base 0.5 and lr_end 1e-3 the end multiplier is 0.002.
    t["schedule/poly"] = lambda_multipliers(lambda o: lr_lambda(o, polynomial_with_warmup(4, 25, 0.5, 1e-3, 2.0)), 30)

    clip = [torch.randn(4, 5, generator=g), torch.randn(7, generator=g)]
    for i, c in enumerate(clip):
        t[f"clip/g{i}"] = c
    for case, max_norm in [("clip_norm", 1.0), ("clip_norm_loose", 100.0)]:
        params = [torch.zeros_like(c, requires_grad=True) for c in clip]
        for p, c in zip(params, clip):
            p.grad = c.clone()
        t[f"{case}/total"] = torch.nn.utils.clip_grad_norm_(params, max_norm).reshape(1)
        for i, p in enumerate(params):
            t[f"{case}/g{i}"] = p.grad.clone()
    params = [torch.zeros_like(c, requires_grad=True) for c in clip]
    for p, c in zip(params, clip):
        p.grad = c.clone()
    torch.nn.utils.clip_grad_value_(params, 0.5)
    for i, p in enumerate(params):
        t[f"clip_value/g{i}"] = p.grad.clone()
    return {"optim": (t, {})}
