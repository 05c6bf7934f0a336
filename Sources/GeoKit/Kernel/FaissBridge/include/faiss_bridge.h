/* GeoKit's bridge to FAISS (Debian's libfaiss-dev ships the static C++ library
 * only, no C API): the few calls the gallery index needs, with C linkage, so
 * that Swift imports them. Every call that can fail returns 0 on success or
 * -1 and writes a NUL-terminated message into `error` (at most `error_size`
 * bytes); no C++ exception crosses this boundary. */
#ifndef GEOKIT_FAISS_BRIDGE_H
#define GEOKIT_FAISS_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An inner-product FAISS index, opaque. */
typedef struct gk_faiss gk_faiss;

/* A new index from a FAISS factory description ("Flat", "IVF1024,PQ64",
 * "HNSW32,Flat") over `dimension`-d vectors, inner-product metric; NULL on failure. */
gk_faiss *gk_faiss_create(int32_t dimension, const char *description, char *error, size_t error_size);
/* Trains on n vectors (row-major n x dimension); a no-op for indexes that need none. */
int32_t gk_faiss_train(gk_faiss *index, int64_t n, const float *vectors, char *error, size_t error_size);
/* Appends n vectors; their labels continue from the current count. */
int32_t gk_faiss_add(gk_faiss *index, int64_t n, const float *vectors, char *error, size_t error_size);
/* Sets a search parameter FAISS's ParameterSpace knows: "nprobe" (IVF), "efSearch" (HNSW). */
int32_t gk_faiss_set_parameter(gk_faiss *index, const char *name, double value, char *error, size_t error_size);
/* The k best (highest inner product) of each of nq queries: scores and labels, nq x k, -1 labels past the end. */
int32_t gk_faiss_search(
    gk_faiss *index, int64_t nq, const float *queries, int64_t k, float *scores, int64_t *labels, char *error,
    size_t error_size);
int64_t gk_faiss_count(const gk_faiss *index);
int32_t gk_faiss_dimension(const gk_faiss *index);
int32_t gk_faiss_is_trained(const gk_faiss *index);
/* FAISS's own serialisation into a malloc'd buffer (release with free). */
int32_t gk_faiss_serialize(const gk_faiss *index, uint8_t **bytes, size_t *count, char *error, size_t error_size);
/* An index from gk_faiss_serialize's bytes; NULL when FAISS rejects them. */
gk_faiss *gk_faiss_deserialize(const uint8_t *bytes, size_t count, char *error, size_t error_size);
void gk_faiss_free(gk_faiss *index);

#ifdef __cplusplus
}
#endif

#endif
