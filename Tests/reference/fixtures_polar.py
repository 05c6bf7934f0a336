"""SAFA's polar transform written directly from docs/methods.md's formula in NumPy
(float64), with its backward (the transpose of the same linear map)."""
import numpy as np
import torch


def polar_matrix(s, h, w):
    """The (h*w, s*s) matrix M with polar(a).ravel() = M @ a.ravel()."""
    m = np.zeros((h * w, s * s))
    for i in range(h):
        r = (s / 2) * (h - 1 - i) / h
        for j in range(w):
            theta = 2 * np.pi * j / w
            y = s / 2 + r * np.cos(theta)
            x = s / 2 - r * np.sin(theta)
            y0, x0 = np.floor(y), np.floor(x)
            dy, dx = y - y0, x - x0
            for cy, cx, wt in ((y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                               (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)):
                if 0 <= cy < s and 0 <= cx < s:
                    m[i * w + j, int(cy) * s + int(cx)] += wt
    return m


def case(name, n, c, s, h, w, rng, t):
    x = rng.standard_normal((n, c, s, s))
    gy = rng.standard_normal((n, c, h, w))
    m = polar_matrix(s, h, w)
    y = np.einsum("pq,ncq->ncp", m, x.reshape(n, c, s * s)).reshape(n, c, h, w)
    gx = np.einsum("pq,ncp->ncq", m, gy.reshape(n, c, h * w)).reshape(n, c, s, s)
    for key, v in (("x0", x), ("y", y), ("gy", gy), ("gx0", gx)):
        t[f"{name}/{key}"] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))


def generate():
    rng = np.random.default_rng(0)
    t = {}
    case("even", 1, 3, 16, 8, 32, rng, t)
    case("odd", 2, 1, 15, 7, 20, rng, t)
    case("wide", 1, 2, 10, 12, 36, rng, t)
    return {"polar": (t, {})}
