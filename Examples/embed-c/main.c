/* GeoKit's C embedding API in use: load an exported model, embed a gallery
 * of aerial images, index it, save and reload the index, and search it with
 * ground images. Prints one line per query with its top hit, and the first
 * descriptor values (so a test can compare them with `geokit embed`).
 *
 *   cc main.c -I ../../Sources/GeoKit/include -L ../../.build/release -lGeoKit \
 *      -Wl,-rpath,../../.build/release -o embed-c
 *   ./embed-c MODEL_DIR INDEX_FILE --gallery A1.jpg A2.jpg ... --queries G1.jpg G2.jpg ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geokit_embed.h"

/* Prints the failure of the last call and exits 1. */
static void check(int32_t status, const char *what) {
    if (status == GEOKIT_EMBED_OK) return;
    fprintf(stderr, "embed-c: %s failed: %s\n", what, geokit_embed_last_error());
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[3], "--gallery") != 0) {
        fprintf(stderr, "usage: %s MODEL_DIR INDEX_FILE --gallery AERIAL... --queries GROUND...\n", argv[0]);
        return 2;
    }
    if (geokit_embed_version() != GEOKIT_EMBED_VERSION) {
        fprintf(stderr, "embed-c: libGeoKit has embedding API %d, this program was built for %d\n", geokit_embed_version(),
                GEOKIT_EMBED_VERSION);
        return 1;
    }
    int split = 4;
    while (split < argc && strcmp(argv[split], "--queries") != 0) split++;
    const char **gallery = (const char **)(argv + 4);
    int64_t gallery_count = split - 4;
    const char **queries = (const char **)(argv + split + 1);
    int64_t query_count = split < argc ? argc - split - 1 : 0;
    if (gallery_count < 1 || query_count < 1) {
        fprintf(stderr, "embed-c: give at least one gallery image and one query\n");
        return 2;
    }

    geokit_model *model = NULL;
    check(geokit_model_load(argv[1], &model), "loading the model");
    int32_t size = 0;
    check(geokit_model_descriptor_size(model, &size), "reading the descriptor size");

    float *references = malloc(sizeof(float) * gallery_count * size);
    check(geokit_model_embed_files(model, GEOKIT_VIEW_AERIAL, gallery, gallery_count, references), "embedding the gallery");
    geokit_index *index = NULL;
    check(geokit_index_create(size, "exact", NULL, &index), "creating the index");
    check(geokit_index_add(index, references, gallery_count, gallery, NULL), "adding to the index");
    check(geokit_index_save(index, argv[2]), "saving the index");
    geokit_index_free(index);
    index = NULL;
    check(geokit_index_load(argv[2], &index), "loading the index");

    float *descriptors = malloc(sizeof(float) * query_count * size);
    check(geokit_model_embed_files(model, GEOKIT_VIEW_GROUND, queries, query_count, descriptors), "embedding the queries");
    int64_t *rows = malloc(sizeof(int64_t) * query_count);
    float *scores = malloc(sizeof(float) * query_count);
    check(geokit_index_search(index, descriptors, query_count, 1, rows, scores), "searching");
    printf("descriptor size %d\n", size);
    for (int64_t q = 0; q < query_count; q++) {
        const char *id = NULL;
        check(geokit_index_id(index, rows[q], &id), "reading an id");
        printf("query %s: top %s score %.6f\n", queries[q], id, scores[q]);
        printf("descriptor %lld:", (long long)q);
        for (int32_t j = 0; j < size; j++) printf(" %.9g", descriptors[q * size + j]);
        printf("\n");
    }

    /* A failing call: the status says so and the message names the problem. */
    geokit_index *missing = NULL;
    if (geokit_index_load("/nonexistent/gallery.gkindex", &missing) == GEOKIT_EMBED_ERROR && missing == NULL)
        printf("expected failure: %s\n", geokit_embed_last_error());

    free(rows);
    free(scores);
    free(descriptors);
    free(references);
    geokit_index_free(index);
    geokit_model_free(model);
    return 0;
}
