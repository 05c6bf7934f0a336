"""GeoKit's Python client: ctypes over the C embedding API (geokit_embed.h)
in libGeoKit.so, NumPy arrays in and out, no compiled extension.

    import geokit
    model = geokit.Model.load("exports/quickstart")
    gallery = model.embed(["a1.jpg", "a2.jpg"], view="aerial")     # (2, D) float32, L2-normalised
    index = geokit.Index.build(gallery, ids=["a1", "a2"])
    rows, scores = index.search(model.embed(["g.jpg"], view="ground"), k=1)

The library is found through GEOKIT_LIBRARY (a path to libGeoKit.so), else
the repository's .build/release next to this package.
"""
from ._api import GeoKitError, Index, Model, library, version

__all__ = ["GeoKitError", "Index", "Model", "library", "version"]
