"""PyTorch checkpoints for the `.pth` reader tests, in both formats torch.save
writes (zip, and legacy with _use_new_zipfile_serialization=False), plus the
tensors they must load as (contiguous, in torch_checkpoints.safetensors) and
hostile pickles that must be refused without running anything.

Written to Tests/GeoKitTests/Fixtures/torch/*.pth."""
import collections
import io
import os
import pathlib
import pickle
import zipfile

import torch

from fixtures_methods import USAM, randomise_bn

OUT = pathlib.Path(__file__).resolve().parent.parent / "GeoKitTests" / "Fixtures" / "torch"


def state_dict():
    """A real module's state dict (an OrderedDict with _metadata) plus every storage type and view kind."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    model[1].running_var.uniform_(0.5, 1.5)
    model[1].num_batches_tracked.fill_(12)
    sd = model.state_dict()
    big = torch.arange(20, dtype=torch.float32) / 4
    sd["extra.double"] = torch.randn(2, 3, dtype=torch.float64)
    sd["extra.half"] = torch.randn(5).half()
    sd["extra.bfloat16"] = torch.randn(5).bfloat16()
    sd["extra.int32"] = torch.tensor([-3, 0, 7], dtype=torch.int32)
    sd["extra.int16"] = torch.tensor([-300, 2], dtype=torch.int16)
    sd["extra.int8"] = torch.tensor([-128, 127], dtype=torch.int8)
    sd["extra.uint8"] = torch.tensor([0, 255], dtype=torch.uint8)
    sd["extra.bool"] = torch.tensor([True, False, True])
    sd["extra.scalar"] = torch.tensor(2.5)
    sd["extra.empty"] = torch.zeros(0, 3)
    sd["extra.transposed"] = torch.randn(3, 4).t()           # strides (1, 4)
    sd["extra.big"] = big
    sd["extra.slice"] = big[5:11].view(2, 3)                  # offset 5 into big's storage
    sd["extra.parameter"] = torch.nn.Parameter(torch.randn(2, 2))
    return sd


def expected(sd):
    return {k: v.detach().contiguous().clone() for k, v in sd.items()}


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/geokit-pickle-executed",))


class _EvalEvil:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch /tmp/geokit-pickle-executed')",))


def _zip_with_pickle(path, payload):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def generate():
    OUT.mkdir(parents=True, exist_ok=True)
    sd = state_dict()
    torch.save(sd, OUT / "state_dict_zip.pth")
    torch.save(sd, OUT / "state_dict_legacy.pth", _use_new_zipfile_serialization=False)
    wrapped = {"epoch": 3, "arch": "demo", "state_dict": sd, "optimizer": {"state": {}, "param_groups": [{"lr": 0.1}]}}
    torch.save(wrapped, OUT / "wrapped_zip.pth")
    nested = {"backbone": collections.OrderedDict(w=torch.ones(2)), "head": {"fc": {"bias": torch.full((3,), 0.5)}}}
    torch.save(nested, OUT / "nested_legacy.pth", _use_new_zipfile_serialization=False)
    # Hostile files: a legacy-looking pickle and a zip whose data.pkl names os.system / builtins.eval.
    (OUT / "evil_system.pth").write_bytes(pickle.dumps(_Evil(), protocol=2))
    _zip_with_pickle(OUT / "evil_eval_zip.pth", pickle.dumps({"w": _EvalEvil()}, protocol=2))
    # A plain pickle of a dict: no magic number, not a checkpoint.
    (OUT / "plain_pickle.pth").write_bytes(pickle.dumps({"w": 1.0}, protocol=2))
    # USAM's weights as DataParallel saves them (a `module.` prefix), legacy format, with its eval output.
    usam = USAM(polish=True)
    randomise_bn(usam, torch.Generator().manual_seed(3))
    usam.eval()
    torch.save({f"module.{k}": v for k, v in usam.state_dict().items()}, OUT / "usam_module_prefix.pth",
               _use_new_zipfile_serialization=False)
    x = torch.randn(2, 4, 5, 6, generator=torch.Generator().manual_seed(4))
    tensors = expected(sd)
    tensors["usam/x"], tensors["usam/y"] = x, usam(x).detach()
    tensors.update({f"nested/{k}": v for k, v in
                    {"backbone.w": torch.ones(2), "head.fc.bias": torch.full((3,), 0.5)}.items()})
    return {"torch/torch_checkpoints": (tensors, {})}
