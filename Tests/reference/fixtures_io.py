"""Files written by Python's safetensors and NumPy, for the IO tests: a 0-d
tensor, F64 and I64 entries, metadata; .npy in float32, float64 (0-d) and int64."""
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "GeoKitTests" / "Fixtures"


def generate():
    np.save(OUT / "numpy_float32.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8)
    np.save(OUT / "numpy_float64_scalar.npy", np.array(2.5, dtype=np.float64))
    np.save(OUT / "numpy_int64.npy", np.array([[1, -2], [3, 40000000]], dtype=np.int64))
    tensors = {
        "scalar": torch.tensor(3.25),
        "double": torch.tensor([[1.5, -2.0]], dtype=torch.float64),
        "count": torch.tensor(7, dtype=torch.int64),
        "weights": torch.arange(6, dtype=torch.float32).reshape(2, 3),
    }
    return {"io": (tensors, {"recipe": "demo", "components": "backbone:resnet18"})}
