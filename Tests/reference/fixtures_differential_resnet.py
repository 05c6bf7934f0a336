"""ResNet-18/50 (timm, torchvision keys) in float64, eval mode, against
GeoKit's `geokit forward --dtype float64`, at several batch sizes and image
sizes up to the papers' 3x128x512. Weights and BN statistics come from the
formula of deterministic.py; the input is wave(x.shape, 1000 + seed) and the
output gradient wave(y.shape, 2000 + seed), so neither is stored.

Per case and tensor (output `y`, input gradient `gx`, every weight gradient
`gw/<name>`) one entry `<case>/<t>` = [sum, sum |t|, max |t|] of the whole
tensor followed by its elements at `sample_indices(numel, count)` (all of
them when the tensor is small). The metadata `<case>` holds the input and
output shapes and the seed as JSON."""
import json

import timm
import torch

from deterministic import fill_deterministic, wave

# (network, case, input shape, seed). 29x31 is the smallest odd size whose final map is 1x1.
CASES = [(net, name, shape, seed)
         for net in ("resnet18", "resnet50")
         for name, shape, seed in [("b1_64x96", (1, 3, 64, 96), 1), ("b8_48x64", (8, 3, 48, 64), 2),
                                   ("odd_65x97", (1, 3, 65, 97), 3), ("map1x1_29x31", (2, 3, 29, 31), 4),
                                   ("pano_b1_128x512", (1, 3, 128, 512), 5), ("pano_b8_128x512", (8, 3, 128, 512), 6)]]

OUTPUT_SAMPLES, WEIGHT_SAMPLES = 1024, 16


def sample_indices(n, count):
    """All of 0..<n when n <= count, else `count` distinct indices j * 2654435761 mod n (a prime multiplier,
    so they are distinct unless n is a multiple of it); DifferentialTests.swift computes the same."""
    if n <= count:
        return torch.arange(n)
    return torch.tensor([(j * 2654435761) % n for j in range(count)])


def summarise(key, t, count, out):
    flat = t.detach().reshape(-1)
    stats = torch.stack([flat.sum(), flat.abs().sum(), flat.abs().max()])
    out[key] = torch.cat([stats, flat[sample_indices(flat.numel(), count)]])


def network(name):
    model = timm.create_model(name, pretrained=False, num_classes=0, global_pool="").double()
    fill_deterministic(model)
    return model.eval()


def run_case(model, shape, seed, out, prefix, metadata):
    model.zero_grad(set_to_none=True)
    x = wave(shape, 1000 + seed).requires_grad_(True)
    y = model.forward_features(x)
    (y * wave(tuple(y.shape), 2000 + seed)).sum().backward()
    metadata[prefix] = json.dumps({"input": list(shape), "output": list(y.shape), "seed": seed})
    summarise(f"{prefix}/y", y, OUTPUT_SAMPLES, out)
    summarise(f"{prefix}/gx", x.grad, OUTPUT_SAMPLES, out)
    for key, p in model.named_parameters():
        summarise(f"{prefix}/gw/{key}", p.grad, WEIGHT_SAMPLES, out)


def generate():
    torch.set_default_dtype(torch.float64)
    out, metadata, models = {}, {}, {}
    for net, name, shape, seed in CASES:
        model = models.setdefault(net, network(net))
        run_case(model, shape, seed, out, f"{net}_{name}", metadata)
        print(f"  {net}_{name} done", flush=True)
    torch.set_default_dtype(torch.float32)
    return {"differential_resnet": (out, metadata)}
