/* geokit_embed.h: GeoKit's C embedding API. Load a model exported by
 * `geokit export`, embed images or prepared arrays, build, save, load and
 * search a gallery index. Link with -lGeoKit (libGeoKit.so); nothing else
 * is needed at compile time (this header includes only stdint.h).
 *
 * Versioning: GEOKIT_EMBED_VERSION is the API this header describes;
 * geokit_embed_version() is the API of the library loaded at run time. A
 * program should refuse to run when they differ. The version is bumped
 * whenever a signature or a meaning changes.
 *
 * Status and errors: every call that can fail returns GEOKIT_EMBED_OK (0)
 * or GEOKIT_EMBED_ERROR (1). After each such call the calling thread's
 * geokit_embed_last_error() holds the message of its failure (one line:
 * what, where, what to do), or NULL after a success. The string belongs to
 * the library and stays valid until the same thread's next call.
 *
 * Ownership: a handle returned through an `out` parameter is the caller's
 * and is released with its _free function (NULL is accepted and ignored);
 * on failure *out is set to NULL. Buffers passed in are only read during the
 * call; output buffers are the caller's, sized as documented. Strings
 * returned by geokit_index_id belong to the index and live as long as it.
 *
 * Threading: any thread may call any function; calls are serialised inside
 * the library (one at a time in the process), because the kernel's state
 * (registry, grad mode) is process-wide and its matrix products and image
 * decoding already use every core. The error string is per thread.
 *
 * Descriptors are float32, L2-normalised, row-major (count x D with D from
 * geokit_model_descriptor_size); scores are inner products (cosines).
 */
#ifndef GEOKIT_EMBED_H
#define GEOKIT_EMBED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOKIT_EMBED_VERSION 1

#define GEOKIT_EMBED_OK 0
#define GEOKIT_EMBED_ERROR 1

/* The view an image or array is embedded as. */
#define GEOKIT_VIEW_GROUND 0 /* ground panoramas (University-1652: drone images) */
#define GEOKIT_VIEW_AERIAL 1 /* aerial tiles, polar-transformed if the model was trained so */

typedef struct geokit_model geokit_model; /* an exported model, opaque */
typedef struct geokit_index geokit_index; /* a gallery index, opaque */

/* The API version of the loaded library (compare with GEOKIT_EMBED_VERSION). */
int32_t geokit_embed_version(void);

/* The calling thread's last error message, or NULL if its last call succeeded. */
const char *geokit_embed_last_error(void);

/* Loads the directory `geokit export --out DIR` wrote (config.json and
 * model.safetensors). Plugins (the model zoo among them) are loaded first,
 * from libGeoKit.so's directory, GEOKIT_PLUGIN_PATH and ~/.geokit/plugins. */
int32_t geokit_model_load(const char *directory, geokit_model **out);
void geokit_model_free(geokit_model *model);

/* D, the length of each descriptor. */
int32_t geokit_model_descriptor_size(const geokit_model *model, int32_t *size);

/* The network input size of a view (what geokit_model_embed_inputs takes). */
int32_t geokit_model_input_size(const geokit_model *model, int32_t view, int32_t *height, int32_t *width);

/* Embeds `count` image files (JPEG or PNG) of one view into out (count x D floats). */
int32_t geokit_model_embed_files(geokit_model *model, int32_t view, const char *const *paths, int64_t count, float *out);

/* Embeds `count` decoded images of one size, interleaved RGB bytes
 * (count x height x width x 3), prepared as the files are (resized, polar
 * for the aerial view when the model says so, normalised); out: count x D. */
int32_t geokit_model_embed_rgb8(
    geokit_model *model, int32_t view, const uint8_t *pixels, int64_t count, int32_t height, int32_t width, float *out);

/* Embeds prepared network inputs: count x 3 x H x W floats, already resized
 * and normalised (H, W from geokit_model_input_size); out: count x D. */
int32_t geokit_model_embed_inputs(geokit_model *model, int32_t view, const float *inputs, int64_t count, float *out);

/* A new empty index of `dimension`-d descriptors. kind: "exact" (GeoKit's
 * blocked GEMM with a partial top-k), "flat" (FAISS IndexFlatIP), "ivfpq"
 * (FAISS IndexIVFPQ; trains on the first descriptors added) or "hnsw"
 * (FAISS IndexHNSWFlat). parameters: NULL or "name=value,..." among
 * nlist, m, nprobe (ivfpq) and hnsw_m, ef_search (hnsw). */
int32_t geokit_index_create(int32_t dimension, const char *kind, const char *parameters, geokit_index **out);

/* Appends count descriptors (count x dimension floats). ids: NULL (ids are
 * the row numbers) or count strings, copied. latlon: NULL (no GPS) or
 * count x 2 doubles (latitude, longitude in degrees; NaN where unknown). */
int32_t geokit_index_add(geokit_index *index, const float *descriptors, int64_t count, const char *const *ids, const double *latlon);

/* The k best rows of each of count queries (count x dimension floats),
 * best first: rows and scores are count x k; past the gallery's end a row
 * is -1 and its score -infinity. */
int32_t geokit_index_search(geokit_index *index, const float *queries, int64_t count, int32_t k, int64_t *rows, float *scores);

int32_t geokit_index_count(const geokit_index *index, int64_t *count);
int32_t geokit_index_dimension(const geokit_index *index, int32_t *dimension);

/* The id of a row (owned by the index). */
int32_t geokit_index_id(geokit_index *index, int64_t row, const char **id);

/* The GPS of a row: *known is 1 and latitude, longitude are set, or *known is 0 (NaN). */
int32_t geokit_index_position(const geokit_index *index, int64_t row, double *latitude, double *longitude, int32_t *known);

/* Writes the index atomically (a versioned file, checked when loaded). */
int32_t geokit_index_save(const geokit_index *index, const char *path);
int32_t geokit_index_load(const char *path, geokit_index **out);
void geokit_index_free(geokit_index *index);

#ifdef __cplusplus
}
#endif

#endif
