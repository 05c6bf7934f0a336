"""The label-aware parts: the University-1652 ClassBlock (head:classblock),
the instance loss (loss:instance) and LPN's per-part heads on the row
partition of a ground panorama, written here from docs/methods.md and
METHODS.md (not imported from the methods' repositories), in float64.

A head case stores
  <case>/state/<key>      the ClassBlock's state dict (GeoKit's head keys)
  <case>/x, <case>/labels the input (N, D) (or a feature map (N, C, H, W) for lpn_*) and the location ids
  <case>/feature, <case>/logits (one per part: <case>/logits<i>), <case>/descriptor
  <case>/loss             the instance loss of the logits against the labels
  <case>/gx, <case>/grad/<key>  the gradients of that loss
  <case>/after/<key>      buffers after the pass (running statistics)
Metadata <case>/train says whether the module ran in training mode, <case>/params its GeoKit parameters.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


class ClassBlock(nn.Module):
    """Linear -> BatchNorm1d -> Dropout -> (feature) -> Linear to the classes."""

    def __init__(self, inputs, classes, bottleneck, dropout):
        super().__init__()
        layers = [nn.Linear(inputs, bottleneck), nn.BatchNorm1d(bottleneck)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        self.add_block = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(bottleneck, classes))

    def forward(self, x):
        f = self.add_block(x)
        return f, self.classifier(f)


def randomise(module, generator):
    # Parity needs weights away from the reference inits' zeros: every parameter and running statistic random.
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=generator, dtype=t.dtype) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=generator, dtype=t.dtype) * 0.5)


def instance(logits, labels):
    return sum(F.cross_entropy(z, labels) for z in logits)


def record(out, case, module, train, params, x, labels, logits, feature, descriptor):
    loss = instance(logits, labels)
    loss.backward()
    out[f"{case}/x"] = x.detach()
    out[f"{case}/labels"] = labels.to(torch.float64)
    out[f"{case}/feature"] = feature.detach()
    out[f"{case}/descriptor"] = descriptor.detach().clone()
    for i, z in enumerate(logits):
        out[f"{case}/logits{i}"] = z.detach()
    out[f"{case}/loss"] = loss.detach()
    out[f"{case}/gx"] = x.grad.detach()
    for key, p in module.named_parameters():
        out[f"{case}/grad/{key}"] = p.grad.detach()
    return {f"{case}/train": "true" if train else "false", f"{case}/params": json.dumps(params),
            f"{case}/keys": json.dumps(list(module.state_dict().keys()))}


def classblock_case(out, case, train, dropout, generator):
    block = ClassBlock(6, 5, 4, dropout).double()
    randomise(block, generator)
    state = {k: v.clone() for k, v in block.state_dict().items()}
    block.train(train)
    x = torch.randn(4, 6, generator=generator, dtype=torch.float64).requires_grad_()
    labels = torch.tensor([3, 0, 4, 3])
    feature, logits = block(x)
    meta = record(out, case, block, train, ["bottleneck=4", f"dropout={dropout}"], x, labels, [logits], feature, feature)
    for key, value in state.items():
        out[f"{case}/state/{key}"] = value.to(torch.float64)
    for key, value in block.state_dict().items():
        if "running" in key:
            out[f"{case}/after/{key}"] = value.detach().clone()
    return meta


class RowPartHeads(nn.Module):
    """LPN on a ground panorama: adaptive avg pooling to blocks x 1 (rows top to bottom), one ClassBlock per row."""

    def __init__(self, channels, blocks, classes, bottleneck):
        super().__init__()
        self.blocks = blocks
        for i in range(blocks):
            setattr(self, f"classifier{i}", ClassBlock(channels, classes, bottleneck, 0))

    def forward(self, x):
        pooled = F.adaptive_avg_pool2d(x, (self.blocks, 1)).flatten(2)  # (N, C, blocks)
        outputs = [getattr(self, f"classifier{i}")(pooled[:, :, i]) for i in range(self.blocks)]
        features = [f for f, _ in outputs]
        descriptor = torch.cat([F.normalize(f, dim=1) for f in features], dim=1)
        return features, [z for _, z in outputs], descriptor


def lpn_row_case(out, case, generator):
    heads = RowPartHeads(channels=3, blocks=3, classes=4, bottleneck=2).double()
    randomise(heads, generator)
    state = {k: v.clone() for k, v in heads.state_dict().items()}
    heads.train(True)
    # 7 rows into 3 bins exercise adaptive pooling's overlapping bins (rows 0-2, 2-4, 4-6).
    x = torch.randn(4, 3, 7, 5, generator=generator, dtype=torch.float64).requires_grad_()
    labels = torch.tensor([1, 3, 0, 1])
    features, logits, descriptor = heads(x)
    meta = record(out, case, heads, True, ["blocks=3", "partition=row"], x, labels, logits, torch.cat(features, 1), descriptor)
    for key, value in state.items():
        out[f"{case}/state/{key}"] = value.to(torch.float64)
    for key, value in heads.state_dict().items():
        if "running" in key:
            out[f"{case}/after/{key}"] = value.detach().clone()
    return meta


def generate():
    generator = torch.Generator().manual_seed(1652)
    tensors, metadata = {}, {}
    metadata.update(classblock_case(tensors, "classblock_train", True, 0.0, generator))
    metadata.update(classblock_case(tensors, "classblock_eval", False, 0.5, generator))
    metadata.update(lpn_row_case(tensors, "lpn_row", generator))
    return {"heads": (tensors, metadata)}
