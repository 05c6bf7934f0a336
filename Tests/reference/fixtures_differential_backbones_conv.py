"""VGG-16 (torchvision, with and without BN) and ConvNeXt-Tiny/Base (timm) in
float64, eval mode, against GeoKit's `vgg16`, `vgg16_bn`, `convnext_tiny` and
`convnext_base` backbones, as fixtures_differential_resnet.py does for ResNet:
weights and BN statistics from deterministic.py's formula, input
wave(x.shape, 1000 + seed), output gradient wave(y.shape, 2000 + seed); per
case the features `y`, the input gradient `gx` and every weight gradient
`gw/<name>` as [sum, sum |t|, max |t|] followed by sampled elements.

Attention cases compose the reference USAM and Triplet Attention of
fixtures_methods.py with the backbone after a named stage, the module's keys
under `attention.<stage>.` as GeoKit names them.

Metadata: `<case>` the shapes, seed and (for attention cases) stage and
module as JSON; `keys/<network>` the reference state-dict keys in order
(torchvision's `features.*`, timm's without `head.*`);
`parameters/<network>` the parameter counts as JSON ({"backbone": ...,
"timm": ... with head.norm, for ConvNeXt})."""
import json

import timm
import torch
import torch.nn as nn
import torchvision

from deterministic import fill_deterministic, wave
from fixtures_differential_resnet import OUTPUT_SAMPLES, WEIGHT_SAMPLES, summarise
from fixtures_methods import USAM, TripletAttention

# (network, case, input shape, seed, attention stage, attention module). The small sizes are odd and give maps
# of 2x2 or 1x2 at the output (VGG's pools and ConvNeXt's patch convolutions floor them).
CASES = [
    ("vgg16", "odd_b2_37x45", (2, 3, 37, 45), 11, None, None),
    ("vgg16", "pano_b1_128x512", (1, 3, 128, 512), 12, None, None),
    ("vgg16_bn", "odd_b2_37x45", (2, 3, 37, 45), 13, None, None),
    ("convnext_tiny", "odd_b2_67x75", (2, 3, 67, 75), 14, None, None),
    ("convnext_tiny", "pano_b1_128x512", (1, 3, 128, 512), 15, None, None),
    ("convnext_base", "odd_b2_35x69", (2, 3, 35, 69), 16, None, None),
    ("vgg16", "usam_block4_b2_37x45", (2, 3, 37, 45), 17, "block4", "usam"),
    ("vgg16", "triplet_block3_b2_37x45", (2, 3, 37, 45), 18, "block3", "triplet"),
    ("convnext_tiny", "usam_stage3_b2_67x75", (2, 3, 67, 75), 19, "stage3", "usam"),
    ("convnext_tiny", "triplet_stage2_b2_67x75", (2, 3, 67, 75), 20, "stage2", "triplet"),
]

# torchvision's index of the last ReLU of each conv block.
VGG_STAGE_ENDS = {"vgg16": [3, 8, 15, 22, 29], "vgg16_bn": [5, 12, 22, 32, 42]}


class VGGFeatures(nn.Module):
    """torchvision's `features` up to conv5_3's ReLU, keys `features.N.*`, an attention module after a stage."""

    def __init__(self, name):
        super().__init__()
        self.features = getattr(torchvision.models, name)(weights=None).features[:VGG_STAGE_ENDS[name][-1] + 1]
        self.ends = {end: f"block{i + 1}" for i, end in enumerate(VGG_STAGE_ENDS[name])}
        self.attention = nn.ModuleDict()

    def forward(self, x):
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.ends and self.ends[i] in self.attention:
                x = self.attention[self.ends[i]](x)
        return x


class ConvNeXtFeatures(nn.Module):
    """timm's stem and stages (its forward_features; no head), an attention module after a stage."""

    def __init__(self, name):
        super().__init__()
        model = timm.create_model(name, pretrained=False, num_classes=0, global_pool="")
        self.stem, self.stages = model.stem, model.stages
        self.attention = nn.ModuleDict()

    def forward(self, x):
        x = self.stem(x)
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if f"stage{i}" in self.attention:
                x = self.attention[f"stage{i}"](x)
        return x


def network(name, stage=None, module=None):
    model = (VGGFeatures if name.startswith("vgg") else ConvNeXtFeatures)(name)
    if stage:
        model.attention[stage] = USAM() if module == "usam" else TripletAttention()
    model = model.double()
    fill_deterministic(model)
    return model.eval()


def parameter_counts(name):
    count = lambda m: sum(p.numel() for p in m.parameters())
    if name.startswith("vgg"):
        return {"backbone": count(getattr(torchvision.models, name)(weights=None).features)}
    full = timm.create_model(name, pretrained=False, num_classes=0, global_pool="")
    return {"backbone": count(full) - count(full.head), "timm": count(full)}


def reference_keys(name):
    if name.startswith("vgg"):
        return [k for k in getattr(torchvision.models, name)(weights=None).state_dict() if k.startswith("features.")]
    full = timm.create_model(name, pretrained=False, num_classes=0, global_pool="")
    return [k for k in full.state_dict() if not k.startswith("head.")]


def run_case(model, shape, seed, out, prefix, metadata, extra):
    model.zero_grad(set_to_none=True)
    x = wave(shape, 1000 + seed).requires_grad_(True)
    y = model(x)
    (y * wave(tuple(y.shape), 2000 + seed)).sum().backward()
    metadata[prefix] = json.dumps({"input": list(shape), "output": list(y.shape), "seed": seed, **extra})
    summarise(f"{prefix}/y", y, OUTPUT_SAMPLES, out)
    summarise(f"{prefix}/gx", x.grad, OUTPUT_SAMPLES, out)
    for key, p in model.named_parameters():
        summarise(f"{prefix}/gw/{key}", p.grad, WEIGHT_SAMPLES, out)


def generate():
    out, metadata = {}, {}
    for name in ("vgg16", "vgg16_bn", "convnext_tiny", "convnext_base"):
        metadata[f"keys/{name}"] = json.dumps(reference_keys(name))
        metadata[f"parameters/{name}"] = json.dumps(parameter_counts(name))
        print(f"  {name}: parameters {metadata[f'parameters/{name}']}", flush=True)
    torch.set_default_dtype(torch.float64)
    models = {}
    for net, name, shape, seed, stage, module in CASES:
        model = models[(net, stage, module)] if (net, stage, module) in models else network(net, stage, module)
        models[(net, stage, module)] = model
        extra = {"stage": stage, "attention": module} if stage else {}
        run_case(model, shape, seed, out, f"{net}_{name}", metadata, extra)
        print(f"  {net}_{name} done", flush=True)
    torch.set_default_dtype(torch.float32)
    return {"differential_backbones_conv": (out, metadata)}
