"""A GeoKit export loaded into timm reproduces GeoKit's descriptors
(docs/embedding.md, "From PyTorch"). For ResNet-18 and ConvNeXt-Tiny with
the weights of deterministic.py, this writes a directory in the export's
layout (model.safetensors with `backbone.*` and `aggregator.p` keys,
config.json's backbone and aggregator entries), loads it back with
`load_geokit_export` (the snippet of the docs, verbatim) and stores

  <net>/x   the input, (2, 3, 32, 64) network inputs (already normalised)
  <net>/d   the snippet's descriptors of x: GeM (p = 3) of forward_features, L2-normalised

and in metadata `<net>` the timm state-dict keys without the classifier
head, sorted (JSON), which GeoKit's export must carry under `backbone.`.
ExportTests compares both."""
import json
import pathlib
import tempfile

import timm
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from deterministic import fill_deterministic, wave

NETS = ["resnet18", "convnext_tiny"]
SHAPE = (2, 3, 32, 64)


# --- docs/embedding.md, "From PyTorch" (keep identical) ---
def load_geokit_export(directory):
    """A GeoKit export as (timm backbone, descriptor function) in eval mode."""
    directory = pathlib.Path(directory)
    config = json.loads((directory / "config.json").read_text())
    state = load_file(directory / config["weights"])
    backbone = next(c for c in config["components"] if c["section"] == "backbone")
    aggregator = next(c for c in config["components"] if c["section"] == "aggregator")
    assert aggregator["name"] == "gem", "this snippet covers GeM; see docs/methods.md for the others"
    model = timm.create_model(backbone["name"], pretrained=False, num_classes=0, global_pool="")
    weights = {k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    # GeoKit's backbone is timm's forward_features: only the classifier head (e.g. ConvNeXt's head.norm) is not in it.
    assert not unexpected and all(k.startswith("head.") for k in missing), (missing, unexpected)
    model.eval()
    p = state["aggregator.p"].reshape(1, -1, 1, 1)

    def describe(x):  # x: (N, 3, H, W), resized and normalised with config.json's mean/std
        with torch.no_grad():
            f = model.forward_features(x)
            return F.normalize(f.clamp(min=1e-6).pow(p).mean((2, 3)).pow(1 / p.reshape(1, -1)), dim=1)

    return model, describe
# --- end of the snippet ---


def write_export(net, directory):
    """What `geokit export` writes for a shared-weights model of `net` with GeM, from deterministic weights."""
    model = timm.create_model(net, pretrained=False, num_classes=0, global_pool="")
    # GeoKit's backbone has no classifier head (ConvNeXt's head.norm): without it the sorted keys,
    # and so the deterministic weights, are the ones GeoKit's fillDeterministic gives its backbone.
    model.head = torch.nn.Identity()
    fill_deterministic(model)
    state = {"backbone." + k: v for k, v in model.state_dict().items()}
    state["aggregator.p"] = torch.tensor([3.0])
    save_file({k: v.contiguous() for k, v in state.items()}, str(directory / "model.safetensors"))
    config = {"weights": "model.safetensors", "components": [
        {"section": "backbone", "kind": "backbone", "name": net, "parameters": {}},
        {"section": "aggregator", "kind": "aggregator", "name": "gem", "parameters": {}}]}
    (directory / "config.json").write_text(json.dumps(config))
    return sorted(model.state_dict())


def generate():
    tensors, metadata = {}, {}
    for net in NETS:
        with tempfile.TemporaryDirectory() as tmp:
            keys = write_export(net, pathlib.Path(tmp))
            _, describe = load_geokit_export(tmp)
            x = wave(SHAPE, 3000, torch.float32)
            tensors[f"{net}/x"] = x
            tensors[f"{net}/d"] = describe(x)
        metadata[net] = json.dumps(keys)
    return {"export_timm": (tensors, metadata)}
