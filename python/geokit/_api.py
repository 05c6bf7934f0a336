"""The ctypes bindings and the Model and Index classes (see __init__.py)."""
import ctypes
import os
import pathlib

import numpy as np

#: The C API this client was written for (GEOKIT_EMBED_VERSION in geokit_embed.h).
EMBED_VERSION = 1

_VIEWS = {"ground": 0, "aerial": 1}
_c_float_p = ctypes.POINTER(ctypes.c_float)
_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int64_p = ctypes.POINTER(ctypes.c_int64)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)
_c_char_pp = ctypes.POINTER(ctypes.c_char_p)


class GeoKitError(RuntimeError):
    """A failed call: the message is the library's (what, where, what to do)."""


def _find_library():
    explicit = os.environ.get("GEOKIT_LIBRARY")
    if explicit:
        return explicit
    built = pathlib.Path(__file__).resolve().parents[2] / ".build" / "release" / "libGeoKit.so"
    if built.exists():
        return str(built)
    raise GeoKitError(
        f"libGeoKit.so not found (not at {built}); build GeoKit (bash .ci/setup) or set GEOKIT_LIBRARY")


def _bind(lib):
    def fn(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype, f.argtypes = restype, list(argtypes)
    i32, i64, vp = ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p
    fn("geokit_embed_version", i32)
    fn("geokit_embed_last_error", ctypes.c_char_p)
    fn("geokit_model_load", i32, ctypes.c_char_p, ctypes.POINTER(vp))
    fn("geokit_model_free", None, vp)
    fn("geokit_model_descriptor_size", i32, vp, _c_int32_p)
    fn("geokit_model_input_size", i32, vp, i32, _c_int32_p, _c_int32_p)
    fn("geokit_model_embed_files", i32, vp, i32, _c_char_pp, i64, _c_float_p)
    fn("geokit_model_embed_rgb8", i32, vp, i32, ctypes.POINTER(ctypes.c_uint8), i64, i32, i32, _c_float_p)
    fn("geokit_model_embed_inputs", i32, vp, i32, _c_float_p, i64, _c_float_p)
    fn("geokit_index_create", i32, i32, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(vp))
    fn("geokit_index_add", i32, vp, _c_float_p, i64, _c_char_pp, _c_double_p)
    fn("geokit_index_search", i32, vp, _c_float_p, i64, i32, _c_int64_p, _c_float_p)
    fn("geokit_index_count", i32, vp, _c_int64_p)
    fn("geokit_index_dimension", i32, vp, _c_int32_p)
    fn("geokit_index_id", i32, vp, i64, ctypes.POINTER(ctypes.c_char_p))
    fn("geokit_index_position", i32, vp, i64, _c_double_p, _c_double_p, _c_int32_p)
    fn("geokit_index_save", i32, vp, ctypes.c_char_p)
    fn("geokit_index_load", i32, ctypes.c_char_p, ctypes.POINTER(vp))
    fn("geokit_index_free", None, vp)
    return lib


_lib = None


def library():
    """The loaded libGeoKit.so (loaded on first use; its API version checked)."""
    global _lib
    if _lib is None:
        lib = _bind(ctypes.CDLL(_find_library()))
        if lib.geokit_embed_version() != EMBED_VERSION:
            raise GeoKitError(
                f"libGeoKit.so has embedding API {lib.geokit_embed_version()}, this client speaks {EMBED_VERSION}")
        _lib = lib
    return _lib


def version():
    """The embedding API version of the loaded library."""
    return library().geokit_embed_version()


def _check(status):
    if status != 0:
        message = library().geokit_embed_last_error()
        raise GeoKitError(message.decode() if message else "GeoKit call failed")


def _floats(array):
    a = np.ascontiguousarray(array, dtype=np.float32)
    return a, a.ctypes.data_as(_c_float_p)


def _strings(items):
    encoded = [os.fsencode(s) if isinstance(s, os.PathLike) else str(s).encode() for s in items]
    return (ctypes.c_char_p * len(encoded))(*encoded)


class Model:
    """An exported model (geokit export --out DIR)."""

    def __init__(self, handle):
        self._handle = ctypes.c_void_p(handle)

    @classmethod
    def load(cls, directory):
        handle = ctypes.c_void_p()
        _check(library().geokit_model_load(os.fsencode(directory), ctypes.byref(handle)))
        return cls(handle.value)

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.geokit_model_free(self._handle)
            self._handle = None

    @property
    def descriptor_size(self):
        size = ctypes.c_int32()
        _check(library().geokit_model_descriptor_size(self._handle, ctypes.byref(size)))
        return size.value

    def input_size(self, view="ground"):
        """(height, width) of the view's network input (what float arrays must be)."""
        h, w = ctypes.c_int32(), ctypes.c_int32()
        _check(library().geokit_model_input_size(self._handle, _view(view), ctypes.byref(h), ctypes.byref(w)))
        return h.value, w.value

    def embed(self, items, view="ground"):
        """L2-normalised descriptors (N, D) float32 of one view from
        - a list of image file paths (JPEG or PNG),
        - a uint8 array (N, H, W, 3) of RGB images (prepared as files are), or
        - a float32 array (N, 3, H, W) of network inputs, already resized and normalised."""
        lib, code = library(), _view(view)
        if isinstance(items, np.ndarray):
            count = items.shape[0] if items.ndim == 4 else 0
            out = np.empty((count, self.descriptor_size), dtype=np.float32)
            out_p = out.ctypes.data_as(_c_float_p)
            if items.dtype == np.uint8:
                if items.ndim != 4 or items.shape[3] != 3 or count == 0:
                    raise GeoKitError(f"uint8 images must be (N, H, W, 3) with N >= 1, got {items.shape}")
                pixels = np.ascontiguousarray(items)
                _check(lib.geokit_model_embed_rgb8(
                    self._handle, code, pixels.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), count, items.shape[1],
                    items.shape[2], out_p))
                return out
            h, w = self.input_size(view)
            if items.ndim != 4 or items.shape[1:] != (3, h, w) or count == 0:
                raise GeoKitError(f"float inputs of the {view} view must be (N, 3, {h}, {w}) with N >= 1, got {items.shape}")
            inputs, inputs_p = _floats(items)
            _check(lib.geokit_model_embed_inputs(self._handle, code, inputs_p, count, out_p))
            return out
        paths = list(items)
        if not paths:
            raise GeoKitError("no images given")
        out = np.empty((len(paths), self.descriptor_size), dtype=np.float32)
        _check(lib.geokit_model_embed_files(self._handle, code, _strings(paths), len(paths), out.ctypes.data_as(_c_float_p)))
        return out


def _view(view):
    if view not in _VIEWS:
        raise GeoKitError(f"view must be 'ground' or 'aerial', got {view!r}")
    return _VIEWS[view]


class Index:
    """A gallery index: exact (GeoKit), flat, ivfpq or hnsw (FAISS)."""

    def __init__(self, handle):
        self._handle = ctypes.c_void_p(handle)

    @classmethod
    def create(cls, dimension, kind="exact", **parameters):
        """An empty index; parameters: nlist, m, nprobe (ivfpq), hnsw_m, ef_search (hnsw)."""
        handle = ctypes.c_void_p()
        text = ",".join(f"{k}={v}" for k, v in parameters.items()).encode()
        _check(library().geokit_index_create(int(dimension), kind.encode(), text, ctypes.byref(handle)))
        return cls(handle.value)

    @classmethod
    def build(cls, descriptors, ids=None, gps=None, kind="exact", **parameters):
        """An index holding descriptors (N, D) with optional ids (N strings) and gps ((N, 2) degrees, NaN unknown)."""
        descriptors = np.asarray(descriptors, dtype=np.float32)
        if descriptors.ndim != 2:
            raise GeoKitError(f"descriptors must be (N, D), got {descriptors.shape}")
        index = cls.create(descriptors.shape[1], kind, **parameters)
        index.add(descriptors, ids, gps)
        return index

    @classmethod
    def load(cls, path):
        handle = ctypes.c_void_p()
        _check(library().geokit_index_load(os.fsencode(path), ctypes.byref(handle)))
        return cls(handle.value)

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.geokit_index_free(self._handle)
            self._handle = None

    def add(self, descriptors, ids=None, gps=None):
        rows, rows_p = _floats(descriptors)
        if rows.ndim != 2 or rows.shape[1] != self.dimension or rows.shape[0] == 0:
            raise GeoKitError(f"descriptors must be (N, {self.dimension}) with N >= 1, got {rows.shape}")
        n = rows.shape[0]
        if ids is not None and len(ids) != n:
            raise GeoKitError(f"{len(ids)} ids for {n} descriptors")
        positions = None
        if gps is not None:
            positions = np.ascontiguousarray(gps, dtype=np.float64)
            if positions.shape != (n, 2):
                raise GeoKitError(f"gps must be ({n}, 2), got {positions.shape}")
        _check(library().geokit_index_add(
            self._handle, rows_p, n, _strings(ids) if ids is not None else None,
            positions.ctypes.data_as(_c_double_p) if positions is not None else None))

    def search(self, queries, k=10):
        """(rows, scores), each (Q, k), best first; past the gallery's end rows are -1 and scores -inf."""
        q, q_p = _floats(queries)
        if q.ndim == 1:
            q = q.reshape(1, -1)
            q_p = q.ctypes.data_as(_c_float_p)
        if q.ndim != 2 or q.shape[1] != self.dimension:
            raise GeoKitError(f"queries must be (Q, {self.dimension}), got {q.shape}")
        rows = np.empty((q.shape[0], k), dtype=np.int64)
        scores = np.empty((q.shape[0], k), dtype=np.float32)
        _check(library().geokit_index_search(
            self._handle, q_p, q.shape[0], int(k), rows.ctypes.data_as(_c_int64_p), scores.ctypes.data_as(_c_float_p)))
        return rows, scores

    def save(self, path):
        _check(library().geokit_index_save(self._handle, os.fsencode(path)))

    def __len__(self):
        count = ctypes.c_int64()
        _check(library().geokit_index_count(self._handle, ctypes.byref(count)))
        return count.value

    @property
    def dimension(self):
        d = ctypes.c_int32()
        _check(library().geokit_index_dimension(self._handle, ctypes.byref(d)))
        return d.value

    def id(self, row):
        text = ctypes.c_char_p()
        _check(library().geokit_index_id(self._handle, int(row), ctypes.byref(text)))
        return text.value.decode()

    def position(self, row):
        """(latitude, longitude) in degrees, or None when unknown."""
        lat, lon, known = ctypes.c_double(), ctypes.c_double(), ctypes.c_int32()
        _check(library().geokit_index_position(self._handle, int(row), ctypes.byref(lat), ctypes.byref(lon), ctypes.byref(known)))
        return (lat.value, lon.value) if known.value else None
