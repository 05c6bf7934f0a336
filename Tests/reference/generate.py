"""Writes the PyTorch reference fixtures the Swift tests compare against.

Run in a venv with torch (and timm, safetensors):
    python -m venv venv && venv/bin/pip install torch timm safetensors
    venv/bin/python Tests/reference/generate.py
Each module here named `fixtures_*.py` defines `generate()`, returning a dict
{fixture name: (tensors, metadata)}; every fixture is written to
Tests/GeoKitTests/Fixtures/<name>.safetensors. Generation is seeded, so the
files are reproducible for a torch version.
"""
import importlib
import pathlib
import sys

import torch
from safetensors.torch import save_file

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / "GeoKitTests" / "Fixtures"


def main(only=None):
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("fixtures_*.py")):
        if only and path.stem not in only:
            continue
        module = importlib.import_module(path.stem)
        for name, (tensors, metadata) in module.generate().items():
            tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
            save_file(tensors, str(OUT / f"{name}.safetensors"), metadata={k: str(v) for k, v in metadata.items()})
            size = sum(t.numel() * t.element_size() for t in tensors.values())
            print(f"{name}: {len(tensors)} tensors, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main(set(sys.argv[1:]) or None)
