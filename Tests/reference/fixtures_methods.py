"""The published methods' components, written here from
docs/methods.md (not imported from the methods' repositories),
against which the plugins' Swift components are checked.

A module case stores
  <case>/state/<key>   its state dict (keys, in order, in metadata <case>/keys)
  <case>/x, <case>/y   an input and the output (training mode unless metadata <case>/train is "false")
  <case>/gy            a random output gradient
  <case>/gx, <case>/grad/<key>  the input's and parameters' gradients of sum(y * gy)
  <case>/after/<key>   buffers after the forward pass (running statistics)
A loss case stores <case>/x0 (query, ground) and <case>/x1 (reference,
aerial), the loss <case>/y, and <case>/gx0, <case>/gx1 (and <case>/grad/<key>)
of the loss itself. Metadata <case>/params holds the component's parameters as a JSON list of name=value texts.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- attention

class USAM(nn.Module):
    """RK-Net's Unit Subtraction Attention Module (docs/methods.md, steps 1-6)."""

    def __init__(self, polish=True):
        super().__init__()
        self.polish = polish
        self.bn = nn.BatchNorm2d(1, eps=1e-5, momentum=0.1)

    def forward(self, x):
        f = x.sum(dim=1, keepdim=True)
        box = F.conv2d(f, torch.ones(1, 1, 3, 3, dtype=x.dtype), padding=1)
        a = F.relu(self.bn(9 * f - box))
        if self.polish:
            mask = torch.zeros_like(a)
            mask[:, :, 1:-1, 1:-1] = 1
            a = a * mask
        return x + a * x


class BasicConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=1e-5, momentum=0.01)

    def forward(self, x):
        return self.bn(self.conv(x))


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = BasicConv()

    def forward(self, t):
        pool = torch.cat([t.max(dim=1, keepdim=True)[0], t.mean(dim=1, keepdim=True)], dim=1)
        return t * torch.sigmoid(self.spatial(pool))


class TripletAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.ChannelGateH = Gate()
        self.ChannelGateW = Gate()
        self.SpatialGate = Gate()

    def forward(self, x):
        h = self.ChannelGateH(x.permute(0, 2, 1, 3)).permute(0, 2, 1, 3)
        w = self.ChannelGateW(x.permute(0, 3, 2, 1)).permute(0, 3, 2, 1)
        s = self.SpatialGate(x)
        return (h + w + s) / 3


# ---------------------------------------------------------------- aggregators

class SAFA(nn.Module):
    def __init__(self, height, width, heads):
        super().__init__()
        hw = height * width
        self.weights1 = nn.Parameter(torch.empty(hw, hw // 2, heads))
        self.biases1 = nn.Parameter(torch.empty(1, hw // 2, heads))
        self.weights2 = nn.Parameter(torch.empty(hw // 2, hw, heads))
        self.biases2 = nn.Parameter(torch.empty(1, hw, heads))

    def forward(self, x):
        n, c, h, w = x.shape
        v = x.mean(dim=1).reshape(n, h * w)
        u = torch.einsum("ni,ijk->njk", v, self.weights1) + self.biases1
        m = torch.einsum("njk,jik->nik", u, self.weights2) + self.biases2
        d = torch.einsum("ncp,npk->nkc", x.reshape(n, c, h * w), m)
        return F.normalize(d.reshape(n, -1), dim=1)


class LPN(nn.Module):
    def __init__(self, blocks, pool, partition):
        super().__init__()
        self.blocks, self.pool, self.partition = blocks, pool, partition

    def forward(self, x):
        if self.partition == "column":
            pooled = (F.adaptive_avg_pool2d if self.pool == "avg" else F.adaptive_max_pool2d)(x, (1, self.blocks))
            parts = pooled.squeeze(2).permute(0, 2, 1)
        else:
            parts = torch.stack(self.rings(x), dim=1)
        return F.normalize(parts, dim=2).flatten(1)

    def rings(self, x):
        b = self.blocks
        h, w = x.shape[2:]
        ch, cw, ph, pw = h // 2, w // 2, h // (2 * b), w // (2 * b)
        if ph == 0 and pw == 0:
            x = F.interpolate(x, size=(h + 2 * (b - ch), w + 2 * (b - cw)), mode="bilinear", align_corners=False)
            h, w = x.shape[2:]
            ch, cw, ph, pw = h // 2, w // 2, h // (2 * b), w // (2 * b)

        def square(i):
            if i == b:
                return 0, h, 0, w
            return ch - i * ph, ch + i * ph, cw - i * pw, cw + i * pw

        parts = []
        for i in range(b, 0, -1):  # outermost first
            r0, r1, c0, c1 = square(i)
            mask = torch.ones(1, 1, r1 - r0, c1 - c0, dtype=x.dtype)
            if i > 1:
                q0, q1, d0, d1 = square(i - 1)
                mask[:, :, q0 - r0:q1 - r0, d0 - c0:d1 - c0] = 0
            region = x[:, :, r0:r1, c0:c1] * mask
            if self.pool == "avg":
                parts.append(region.sum(dim=(2, 3)) / ((r1 - r0) * (c1 - c0)))
            else:
                parts.append(F.adaptive_max_pool2d(region, 1).flatten(1))
        return parts


# ---------------------------------------------------------------- losses

def wsmr(ground, sat, alpha=10.0):
    n = ground.shape[0]
    d = 2 - 2 * sat @ ground.t()
    p = d.diagonal()
    g2s = torch.log(1 + torch.exp(alpha * (p.unsqueeze(0) - d))).sum() / (n * (n - 1))
    s2g = torch.log(1 + torch.exp(alpha * (p.unsqueeze(1) - d))).sum() / (n * (n - 1))
    return (g2s + s2g) / 2


def euclidean(a, b):
    """d[i, j] = ||a_i - b_j||, from the difference."""
    return (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(dim=2).sqrt()


def hardest_terms(d, alpha):
    """Per anchor (row) the batch-hard term log(1 + exp(alpha (d_ap - min_n d_an)))."""
    n = d.shape[0]
    negatives = d + torch.eye(n, dtype=d.dtype) * 1e9
    return torch.log(1 + torch.exp(alpha * (d.diagonal() - negatives.min(dim=1)[0])))


def wsmr_hard(ground, sat, alpha=10.0):
    return hardest_terms(euclidean(ground, sat), alpha).mean()


def mhnw_direction(d, alpha):
    """Rows are anchors, the diagonal their positives."""
    n = d.shape[0]
    dd = d.detach()
    fallback = hardest_terms(d, alpha)
    total = 0
    for a in range(n):
        hard = [j for j in range(n) if j != a and dd[a, j] < dd[a, a]]
        if len(hard) > 1:
            gaps = torch.stack([dd[a, a] - dd[a, j] for j in hard])
            weights = gaps / gaps.max()
            terms = torch.stack([torch.log(1 + torch.exp(alpha * (d[a, a] - d[a, j]))) for j in hard])
            total = total + (weights * terms).sum()
        else:
            total = total + fallback[a]
    return total / n


def mhnw(ground, sat, alpha=10.0, symmetric=False):
    d = euclidean(ground, sat)
    loss = mhnw_direction(d, alpha)
    if symmetric:
        loss = (loss + mhnw_direction(d.t(), alpha)) / 2
    return loss


class InfoNCE(nn.Module):
    def __init__(self, label_smoothing=0.1):
        super().__init__()
        self.label_smoothing = label_smoothing
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def forward(self, f1, f2):
        f1, f2 = F.normalize(f1, dim=-1), F.normalize(f2, dim=-1)
        logits = self.logit_scale.exp() * f1 @ f2.t()
        labels = torch.arange(f1.shape[0])
        ce = lambda z: F.cross_entropy(z, labels, label_smoothing=self.label_smoothing)
        return (ce(logits) + ce(logits.t())) / 2


class GeM(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.p = nn.Parameter(torch.ones(channels) * 3)

    def forward(self, x):
        p = self.p.view(1, -1, 1, 1)
        return x.clamp(min=1e-6).pow(p).mean(dim=(2, 3)).pow(1 / self.p)


class AvgNorm(nn.Module):
    """Sample4Geo's descriptor on ConvNeXt (timm's forward_head with num_classes=0):
    global average pooling, then a LayerNorm over the channels (head.norm), eps 1e-6."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=1e-6)

    def forward(self, x):
        return self.norm(x.mean(dim=(2, 3)))


# ---------------------------------------------------------------- cases

def settings(params):
    """Parameters as the command line's name=value texts (what `--set` takes)."""
    return json.dumps([f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in params.items()])


def module_case(name, model, x, params, t, meta, seed=0, train=True):
    g = torch.Generator().manual_seed(seed + 313)
    model.train(train)
    state = model.state_dict()
    meta[f"{name}/keys"] = json.dumps(list(state.keys()))
    meta[f"{name}/params"] = settings(params)
    meta[f"{name}/train"] = json.dumps(train)
    for key, value in state.items():
        t[f"{name}/state/{key}"] = value.clone()
    x = x.clone().requires_grad_(True)
    y = model(x)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    t[f"{name}/x"], t[f"{name}/y"], t[f"{name}/gy"], t[f"{name}/gx"] = x.detach(), y.detach(), gy, x.grad
    for key, p in model.named_parameters():
        t[f"{name}/grad/{key}"] = p.grad.clone()
        p.grad = None
    for key, b in model.named_buffers():
        t[f"{name}/after/{key}"] = b.clone()


def loss_case(name, fn, ground, sat, params, t, meta, module=None):
    meta[f"{name}/params"] = settings(params)
    ground = ground.clone().requires_grad_(True)
    sat = sat.clone().requires_grad_(True)
    y = fn(ground, sat)
    y.backward()
    t[f"{name}/x0"], t[f"{name}/x1"], t[f"{name}/y"] = ground.detach(), sat.detach(), y.detach()
    t[f"{name}/gx0"], t[f"{name}/gx1"] = ground.grad, sat.grad
    if module is not None:
        meta[f"{name}/keys"] = json.dumps(list(module.state_dict().keys()))
        for key, p in module.named_parameters():
            t[f"{name}/state/{key}"] = p.detach().clone()
            t[f"{name}/grad/{key}"] = p.grad.clone()
            p.grad = None


def randomise_bn(model, g):
    """BN affine and statistics away from identity, so a swapped or missing one shows."""
    with torch.no_grad():
        for name, b in model.named_modules():
            if isinstance(b, nn.BatchNorm2d):
                b.weight.copy_(1 + 0.3 * torch.randn(b.weight.shape, generator=g))
                b.bias.copy_(0.2 * torch.randn(b.bias.shape, generator=g))
                b.running_mean.copy_(0.1 * torch.randn(b.running_mean.shape, generator=g))
                b.running_var.copy_(1 + 0.5 * torch.rand(b.running_var.shape, generator=g))


def hard_negative_counts(ground, sat):
    d = euclidean(ground, sat)
    n = d.shape[0]
    counts = [sum(1 for j in range(n) if j != a and d[a, j] < d[a, a]) for a in range(n)]
    margin = min(abs(d[a, j] - d[a, a]).item() for a in range(n) for j in range(n) if j != a)
    return counts, margin


def mhnw_batch(g):
    """Normalised descriptors whose ground anchors have 0, 1 and several hard
    negatives (and whose satellite anchors vary too), with every negative
    distance at least 0.02 from the positive one (away from the hard-set boundary)."""
    while True:
        ground = F.normalize(torch.randn(6, 5, generator=g), dim=1)
        noise = torch.tensor([0.1, 0.6, 1.0, 1.6, 2.2, 0.3]).unsqueeze(1)
        sat = F.normalize(ground + noise * torch.randn(6, 5, generator=g), dim=1)
        counts, margin = hard_negative_counts(ground, sat)
        back, back_margin = hard_negative_counts(sat, ground)
        covered = all(0 in c and 1 in c and max(c) >= 2 for c in (counts, back))
        if covered and max(counts) >= 3 and min(margin, back_margin) > 0.02:
            return ground, sat


def generate():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2024)
    t, meta = {}, {}

    for polish in (True, False):
        model = USAM(polish)
        randomise_bn(model, g)
        x = torch.randn(2, 3, 5, 6, generator=g)
        module_case(f"usam_polish_{str(polish).lower()}", model, x, {"polish": polish}, t, meta)
    model = USAM(True)
    randomise_bn(model, g)
    module_case("usam_eval", model, torch.randn(2, 3, 5, 6, generator=g), {"polish": True}, t, meta, train=False)

    model = TripletAttention()
    randomise_bn(model, g)
    module_case("triplet", model, torch.randn(2, 4, 5, 6, generator=g), {}, t, meta)
    module_case("triplet_eval", model, torch.randn(2, 4, 5, 6, generator=g), {}, t, meta, train=False)

    model = SAFA(3, 4, 2)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    module_case("safa", model, torch.randn(2, 5, 3, 4, generator=g), {"heads": 2, "height": 3, "width": 4}, t, meta)

    lpn_cases = [
        ("ring", "avg", 4, (9, 11)), ("ring", "max", 4, (9, 11)),
        ("ring", "avg", 3, (7, 9)), ("ring", "max", 3, (7, 9)),
        ("ring", "avg", 4, (3, 3)), ("ring", "max", 4, (3, 3)),
        ("ring", "avg", 4, (2, 2)), ("ring", "max", 4, (2, 2)),
        ("ring", "avg", 4, (5, 7)),
        ("column", "avg", 4, (7, 9)), ("column", "max", 4, (7, 9)),
    ]
    for partition, pool, blocks, (h, w) in lpn_cases:
        x = torch.randn(2, 3, h, w, generator=g)
        params = {"blocks": blocks, "pool": pool, "partition": partition}
        module_case(f"lpn_{partition}_{pool}_b{blocks}_{h}x{w}", LPN(blocks, pool, partition), x, params, t, meta)

    model = GeM(3)
    with torch.no_grad():
        model.p.copy_(torch.tensor([2.0, 3.0, 4.5]))
    module_case("gem", model, torch.rand(2, 3, 4, 5, generator=g) + 0.1, {"channels": 3}, t, meta)

    ground = F.normalize(torch.randn(6, 8, generator=g), dim=1)
    sat = F.normalize(ground + 0.8 * torch.randn(6, 8, generator=g), dim=1)
    loss_case("wsmr", wsmr, ground, sat, {"alpha": 10.0}, t, meta)
    loss_case("wsmr_alpha5", lambda a, b: wsmr(a, b, 5.0), ground, sat, {"alpha": 5.0}, t, meta)
    loss_case("wsmr_hard", wsmr_hard, ground, sat, {"alpha": 10.0}, t, meta)

    ground, sat = mhnw_batch(g)
    loss_case("mhnw", mhnw, ground, sat, {"alpha": 10.0, "symmetric": False}, t, meta)
    loss_case("mhnw_symmetric", lambda a, b: mhnw(a, b, symmetric=True), ground, sat,
              {"alpha": 10.0, "symmetric": True}, t, meta)
    meta["mhnw/hard_counts"] = json.dumps(hard_negative_counts(ground, sat)[0])
    meta["mhnw_symmetric/hard_counts_satellite"] = json.dumps(hard_negative_counts(sat, ground)[0])

    infonce = InfoNCE(0.1)
    with torch.no_grad():
        infonce.logit_scale.fill_(math.log(1 / 0.07))
    loss_case("infonce", infonce, torch.randn(5, 7, generator=g), torch.randn(5, 7, generator=g),
              {"labelSmoothing": 0.1}, t, meta, module=infonce)
    model = AvgNorm(5)
    with torch.no_grad():
        model.norm.weight.copy_(1 + 0.3 * torch.randn(5, generator=g))
        model.norm.bias.copy_(0.2 * torch.randn(5, generator=g))
    module_case("avgnorm", model, torch.randn(3, 5, 4, 6, generator=g), {"channels": 5}, t, meta)
    return {"methods": (t, meta)}
