/*
 * geokit.h: the C ABI of GeoKit plugins.
 *
 * A C (or C++, Rust, Zig) plugin is a shared library built from this header
 * alone; it links nothing from GeoKit, because everything it needs from the
 * kernel arrives through the host table passed to geokit_plugin_init:
 *
 *     cc $(geokit config --cflags --libs) -O2 -o libmyplugin.so myplugin.c
 *
 * The kernel owns every tensor: inputs, outputs, gradients and the
 * component's declared weights are allocated by the kernel and passed to the
 * plugin as views (geokit_tensor) valid for the duration of one call. A
 * plugin never allocates a tensor and never frees one it was given.
 *
 * See docs/c-abi.md for every struct and function, the ownership and
 * threading rules and the versioning policy.
 */
#ifndef GEOKIT_H
#define GEOKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever an entry point's signature, a struct's layout or a
 * constant's meaning changes. The kernel refuses a plugin whose
 * geokit_plugin_abi_version() differs from its own. */
#define GEOKIT_ABI_VERSION 2

/* The largest rank of a tensor view and of a declared parameter. */
#define GEOKIT_MAX_RANK 8

#if defined(__GNUC__) || defined(__clang__)
#define GEOKIT_EXPORT __attribute__((visibility("default")))
#else
#define GEOKIT_EXPORT
#endif

/* ---- Tensors ------------------------------------------------------------ */

/* Element types. Models run in float32; float64 exists so that
 * finite-difference gradient checks can run through a plugin. */
enum {
    GEOKIT_FLOAT32 = 0,
    GEOKIT_FLOAT64 = 1
};

/* A view of a kernel tensor: contiguous, row-major (NCHW for feature maps),
 * 64-byte aligned, `rank` dimensions in `shape` (rank 0 is a scalar with one
 * element). Valid only during the call that received it. */
typedef struct geokit_tensor {
    void *data;                       /* float * or double *, by dtype */
    int32_t dtype;                    /* GEOKIT_FLOAT32 or GEOKIT_FLOAT64 */
    int32_t rank;
    int64_t shape[GEOKIT_MAX_RANK];
} geokit_tensor;

/* ---- Declared weights ----------------------------------------------------- */

/* How the kernel initialises a declared parameter (using its seeded RNG). */
enum {
    GEOKIT_INIT_CONSTANT = 0,         /* every element = a */
    GEOKIT_INIT_UNIFORM = 1,          /* uniform in [a, b) */
    GEOKIT_INIT_NORMAL = 2            /* normal, mean a, standard deviation b */
};

/* A trained weight of a component. The kernel allocates it, initialises it,
 * lists it in the model's state dict under `name` (dots make nested keys,
 * e.g. "fc1.weight"), and lets optimisers update it. The plugin receives it
 * in every forward and backward call, in declaration order, in the dtype of
 * the call's input. */
typedef struct geokit_parameter {
    const char *name;
    int32_t rank;
    int64_t shape[GEOKIT_MAX_RANK];
    int32_t initializer;              /* GEOKIT_INIT_* */
    double a, b;                      /* the initialiser's arguments */
} geokit_parameter;

/* ---- Components ------------------------------------------------------------ */

/* The kinds a C component can have. */
enum {
    GEOKIT_KIND_ATTENTION = 1,        /* feature map -> feature map, same shape */
    GEOKIT_KIND_AGGREGATOR = 2,       /* feature map (N, C, H, W) -> descriptor (N, D) */
    GEOKIT_KIND_LOSS = 3              /* descriptors (N, D) x 2 -> scalar */
};

/* Every function returns 0 on success; on failure it calls
 * host->report_error with a message and returns non-zero. */

typedef struct geokit_component geokit_component;

/* Attention: y has x's shape. backward receives y = forward's output and
 * grad_y = dL/dy, and writes dL/dx into grad_x and dL/dp into
 * grad_parameters[i] (all zero-filled by the kernel, shapes of x and of the
 * declared parameters). */
typedef struct geokit_attention_vtable {
    int32_t (*forward)(geokit_component *self, const geokit_tensor *parameters,
                       const geokit_tensor *x, geokit_tensor *y);
    int32_t (*backward)(geokit_component *self, const geokit_tensor *parameters,
                        const geokit_tensor *x, const geokit_tensor *y, const geokit_tensor *grad_y,
                        geokit_tensor *grad_x, geokit_tensor *grad_parameters);
} geokit_attention_vtable;

/* Aggregator: descriptor_size tells the kernel D for an input of
 * (channels, height, width) so that it can allocate y = (N, D). */
typedef struct geokit_aggregator_vtable {
    int32_t (*descriptor_size)(geokit_component *self, int64_t channels, int64_t height, int64_t width,
                               int64_t *size);
    int32_t (*forward)(geokit_component *self, const geokit_tensor *parameters,
                       const geokit_tensor *x, geokit_tensor *y);
    int32_t (*backward)(geokit_component *self, const geokit_tensor *parameters,
                        const geokit_tensor *x, const geokit_tensor *y, const geokit_tensor *grad_y,
                        geokit_tensor *grad_x, geokit_tensor *grad_parameters);
} geokit_aggregator_vtable;

/* Loss: query and reference are (N, D), row i of both from one location;
 * location_ids holds N integers, row i's index in the training split (the
 * class of an instance loss; rows of one location share it); loss and
 * grad_loss are scalars (rank 0). (ABI 2 added location_ids.) */
typedef struct geokit_loss_vtable {
    int32_t (*forward)(geokit_component *self, const geokit_tensor *parameters,
                       const geokit_tensor *query, const geokit_tensor *reference, const int64_t *location_ids,
                       geokit_tensor *loss);
    int32_t (*backward)(geokit_component *self, const geokit_tensor *parameters,
                        const geokit_tensor *query, const geokit_tensor *reference, const int64_t *location_ids,
                        const geokit_tensor *grad_loss, geokit_tensor *grad_query, geokit_tensor *grad_reference,
                        geokit_tensor *grad_parameters);
} geokit_loss_vtable;

/* What a constructor returns: allocated by the plugin, owned by the kernel
 * from then on, released exactly once through destroy (which frees the
 * struct itself, its state and its parameter declarations). */
struct geokit_component {
    int32_t kind;                          /* GEOKIT_KIND_*, the kind it was registered as */
    int32_t parameter_count;
    const geokit_parameter *parameters;    /* parameter_count declarations */
    int64_t input_channels;                /* C of the feature maps it was built for, 0 for any:
                                              the kernel refuses other inputs with a message */
    const void *vtable;                    /* a geokit_<kind>_vtable matching `kind` */
    void *state;                           /* the plugin's own data */
    void (*destroy)(geokit_component *self);
};

/* ---- The host table -------------------------------------------------------- */

enum {
    GEOKIT_LOG_INFO = 0,
    GEOKIT_LOG_WARNING = 1,
    GEOKIT_LOG_ERROR = 2
};

/* What the kernel offers a plugin. Valid for the whole life of the process;
 * every function may be called from any thread. */
typedef struct geokit_host {
    int32_t abi_version;              /* GEOKIT_ABI_VERSION of the kernel */
    /* Zero-filled, 64-byte aligned memory (NULL if none is left); free it with free. */
    void *(*alloc)(size_t bytes);
    void (*free)(void *pointer);
    /* One line on standard error, prefixed with the level (and, during init, the plugin file). */
    void (*log)(int32_t level, const char *message);
    /* Says why the current call (init, a constructor, forward, ...) fails;
     * the kernel copies the message. Call it, then return non-zero. */
    void (*report_error)(const char *message);
    /* Only during geokit_plugin_init. Registers `kind:name` ("attention",
     * "aggregator" or "loss"), built by the exported C function `constructor`
     * whose arguments are declared by `signature`, e.g.
     * "int channels = 64, double gamma = 0.5, bool affine = true, string mode = \"avg\", int list sizes = [1, 2]"
     * (C types: int, double, bool, const char *, and const int *, int for an
     * int list). Every parameter has a default. `doc`'s first line is the
     * component's summary; each further line "name: text" documents a
     * parameter. Returns 0, or non-zero after reporting what is wrong. */
    int32_t (*register_component)(const char *kind, const char *name, const char *constructor,
                                  const char *signature, const char *doc);
} geokit_host;

/* ---- Entry points every plugin exports -------------------------------------- */

/* Returns GEOKIT_ABI_VERSION as the plugin was compiled. */
GEOKIT_EXPORT int32_t geokit_plugin_abi_version(void);

/* Registers the plugin's components; 0 on success. `host` outlives the plugin. */
GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host);

/* Defines geokit_plugin_abi_version() for the version of this header. */
#define GEOKIT_DEFINE_ABI_VERSION() \
    GEOKIT_EXPORT int32_t geokit_plugin_abi_version(void) { return GEOKIT_ABI_VERSION; }

#ifdef __cplusplus
}
#endif

#endif /* GEOKIT_H */
