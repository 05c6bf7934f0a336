"""The Python client over libGeoKit.so. Model tests need an exported model
and images, which the Swift suite provides (EmbeddingDoorsTests) through
GEOKIT_TEST_EXPORT (the export directory), GEOKIT_TEST_GROUND (image paths,
colon-separated), GEOKIT_TEST_EXPECTED (`geokit embed`'s .npy of them) and
GEOKIT_TEST_PIXELS (their decoded RGB values, (N, H, W, 3) as float32 .npy).
The index tests need only the library."""
import os
import tempfile
import unittest

import numpy as np

import geokit

EXPORT = os.environ.get("GEOKIT_TEST_EXPORT")
needs_model = unittest.skipUnless(EXPORT, "GEOKIT_TEST_EXPORT not set (the Swift suite sets it)")


def clustered(count, dimension, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, count // 20), dimension))
    rows = centres[np.arange(count) % len(centres)] + 0.8 * rng.standard_normal((count, dimension))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@needs_model
class ModelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = geokit.Model.load(EXPORT)
        cls.paths = os.environ["GEOKIT_TEST_GROUND"].split(":")
        cls.expected = np.load(os.environ["GEOKIT_TEST_EXPECTED"])

    def test_files_match_geokit_embed(self):
        d = self.model.embed(self.paths, view="ground")
        self.assertEqual(d.shape, self.expected.shape)
        self.assertEqual(d.dtype, np.float32)
        self.assertLessEqual(np.abs(d - self.expected).max(), 1e-6)

    def test_rgb_arrays_match_their_files(self):
        pixels = np.load(os.environ["GEOKIT_TEST_PIXELS"]).astype(np.uint8)
        self.assertLessEqual(np.abs(self.model.embed(pixels, view="ground") - self.expected).max(), 1e-6)

    def test_prepared_inputs_have_the_model_input_size_and_unit_descriptors(self):
        h, w = self.model.input_size("aerial")
        self.assertEqual((h, w), (32, 64))
        x = np.sin(np.arange(2 * 3 * h * w, dtype=np.float32) * 0.37).reshape(2, 3, h, w)
        d = self.model.embed(x, view="aerial")
        self.assertEqual(d.shape, (2, self.model.descriptor_size))
        np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1, atol=1e-6)
        # Shared weights: the ground branch is the same network on the same inputs.
        np.testing.assert_array_equal(d, self.model.embed(x, view="ground"))

    def test_bad_inputs_raise_geokit_error_with_the_library_message(self):
        with self.assertRaisesRegex(geokit.GeoKitError, r"the model takes \(N, 3, 32, 64\)|must be \(N, 3, 32, 64\)"):
            self.model.embed(np.zeros((1, 3, 8, 8), dtype=np.float32), view="ground")
        with self.assertRaisesRegex(geokit.GeoKitError, r"cannot read image file \(/nonexistent.jpg\)"):
            self.model.embed(["/nonexistent.jpg"], view="ground")
        with self.assertRaisesRegex(geokit.GeoKitError, "view must be 'ground' or 'aerial'"):
            self.model.embed(self.paths, view="street")


class IndexTests(unittest.TestCase):
    def test_exact_search_is_numpys_ranking(self):
        gallery, queries = clustered(5000, 16, 1), clustered(40, 16, 2)
        index = geokit.Index.build(gallery, ids=[f"r{i}" for i in range(5000)])
        rows, scores = index.search(queries, k=5)
        expected = np.argsort(-(queries.astype(np.float64) @ gallery.T.astype(np.float64)), axis=1, kind="stable")[:, :5]
        self.assertGreaterEqual((rows == expected).all(axis=1).sum(), 39)
        np.testing.assert_array_equal(rows[:, 0], expected[:, 0])
        np.testing.assert_allclose(scores, np.take_along_axis(queries @ gallery.T, rows, axis=1), atol=1e-5)
        self.assertEqual(index.id(rows[0, 0]), f"r{rows[0, 0]}")
        self.assertEqual(len(index), 5000)

    def test_save_load_keeps_ids_gps_and_hits_for_every_kind(self):
        gallery, queries = clustered(600, 16, 3), clustered(10, 16, 4)
        gps = np.full((600, 2), np.nan)
        gps[::2] = [37.5, -95.25]
        for kind, params in [("exact", {}), ("flat", {}), ("hnsw", {"hnsw_m": 16}), ("ivfpq", {"nlist": 8, "m": 4, "nprobe": 8})]:
            index = geokit.Index.build(gallery, ids=[str(i) for i in range(600)], gps=gps, kind=kind, **params)
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "g.gkindex")
                index.save(path)
                loaded = geokit.Index.load(path)
            for a, b in zip(index.search(queries, k=3), loaded.search(queries, k=3)):
                np.testing.assert_array_equal(a, b)
            self.assertEqual((loaded.position(0), loaded.position(1), loaded.id(599)), ((37.5, -95.25), None, "599"), kind)

    def test_flat_agrees_with_exact_and_k_past_the_end_is_marked(self):
        gallery, queries = clustered(800, 8, 5), clustered(20, 8, 6)
        exact, flat = geokit.Index.build(gallery), geokit.Index.build(gallery, kind="flat")
        np.testing.assert_array_equal(exact.search(queries, k=4)[0], flat.search(queries, k=4)[0])
        small = geokit.Index.build(gallery[:2])
        rows, scores = small.search(queries[:1], k=4)
        self.assertEqual(rows[0, 2:].tolist(), [-1, -1])
        self.assertTrue(np.isneginf(scores[0, 2:]).all())

    def test_errors_carry_the_library_message(self):
        with self.assertRaisesRegex(geokit.GeoKitError, "ivfpq trains on the first descriptors added: 10 given"):
            geokit.Index.build(clustered(10, 16, 7), kind="ivfpq", nlist=4, m=4)
        with self.assertRaisesRegex(geokit.GeoKitError, "kind 'annoy' is not one of exact, flat, ivfpq, hnsw"):
            geokit.Index.create(8, kind="annoy")
        with self.assertRaisesRegex(geokit.GeoKitError, "cannot read the gallery index"):
            geokit.Index.load("/nonexistent.gkindex")
        with tempfile.TemporaryDirectory() as empty, self.assertRaisesRegex(geokit.GeoKitError, "not an exported model: no readable config.json"):
            geokit.Model.load(empty)
        self.assertEqual(geokit.version(), 1)


if __name__ == "__main__":
    unittest.main()
