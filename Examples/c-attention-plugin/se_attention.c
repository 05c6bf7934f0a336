/*
 * A squeeze-and-excitation channel gate (Hu et al., "Squeeze-and-Excitation
 * Networks", 2018) as a GeoKit attention plugin in plain C:
 *
 *     z = mean over (H, W) of x                       (N, C)
 *     s = sigmoid(fc2(relu(fc1(z))))                  fc1: C -> C/r, fc2: C/r -> C
 *     y = x * s                                       broadcast over (H, W)
 *
 * Its four weights are declared, not allocated: the kernel owns them, lists
 * them in the state dict as fc1.weight, fc1.bias, fc2.weight, fc2.bias (the
 * keys of a torch module with two nn.Linear layers) and optimises them.
 * Arithmetic runs in double for both dtypes; the tensors are read and
 * written as float32 or float64, as the kernel passes them.
 *
 * Build:  cc -O2 -Wall -I../../Sources/GeoKit/include -fPIC -shared -o libse_attention.so se_attention.c -lm
 */
#include <geokit.h>
#include <math.h>
#include <stdio.h>

static const geokit_host *host;

typedef struct se_state {
    int64_t channels, hidden;
    geokit_parameter parameters[4];
} se_state;

enum { FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS };

static double get(const geokit_tensor *t, int64_t i) {
    return t->dtype == GEOKIT_FLOAT64 ? ((const double *)t->data)[i] : (double)((const float *)t->data)[i];
}

static void set(const geokit_tensor *t, int64_t i, double value) {
    if (t->dtype == GEOKIT_FLOAT64) ((double *)t->data)[i] = value;
    else ((float *)t->data)[i] = (float)value;
}

static void add(const geokit_tensor *t, int64_t i, double value) { set(t, i, get(t, i) + value); }

static int32_t fail(const char *message) {
    host->report_error(message);
    return 1;
}

/* x must be (N, channels, H, W). */
static int32_t check_input(const se_state *se, const geokit_tensor *x) {
    char message[160];
    if (x->rank != 4) {
        snprintf(message, sizeof message, "c_se takes a feature map (N, C, H, W), got rank %d", (int)x->rank);
        return fail(message);
    }
    if (x->shape[1] != se->channels) {
        snprintf(message, sizeof message, "c_se was built for %lld channels, the input has %lld",
                 (long long)se->channels, (long long)x->shape[1]);
        return fail(message);
    }
    return 0;
}

/* The squeeze and the excitation for every sample: z (N, C), hidden
 * activations h (N, R) after relu, gates s (N, C). */
static void excite(const se_state *se, const geokit_tensor *p, const geokit_tensor *x, double *z, double *h, double *s) {
    const int64_t n = x->shape[0], c = se->channels, r = se->hidden, hw = x->shape[2] * x->shape[3];
    for (int64_t i = 0; i < n * c; i++) {
        double sum = 0;
        for (int64_t k = 0; k < hw; k++) sum += get(x, i * hw + k);
        z[i] = sum / (double)hw;
    }
    for (int64_t b = 0; b < n; b++) {
        for (int64_t j = 0; j < r; j++) {
            double a = get(&p[FC1_BIAS], j);
            for (int64_t k = 0; k < c; k++) a += get(&p[FC1_WEIGHT], j * c + k) * z[b * c + k];
            h[b * r + j] = a > 0 ? a : 0;
        }
        for (int64_t k = 0; k < c; k++) {
            double a = get(&p[FC2_BIAS], k);
            for (int64_t j = 0; j < r; j++) a += get(&p[FC2_WEIGHT], k * r + j) * h[b * r + j];
            s[b * c + k] = 1 / (1 + exp(-a));
        }
    }
}

static int32_t se_forward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, geokit_tensor *y) {
    const se_state *se = self->state;
    if (check_input(se, x)) return 1;
    const int64_t n = x->shape[0], c = se->channels, r = se->hidden, hw = x->shape[2] * x->shape[3];
    double *z = host->alloc(sizeof(double) * (size_t)(n * (2 * c + r) + 1));
    if (!z) return fail("c_se: out of memory");
    double *h = z + n * c, *s = h + n * r;
    excite(se, p, x, z, h, s);
    for (int64_t i = 0; i < n * c; i++)
        for (int64_t k = 0; k < hw; k++) set(y, i * hw + k, get(x, i * hw + k) * s[i]);
    host->free(z);
    return 0;
}

static int32_t se_backward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, const geokit_tensor *y,
                           const geokit_tensor *gy, geokit_tensor *gx, geokit_tensor *gp) {
    (void)y;
    const se_state *se = self->state;
    if (check_input(se, x)) return 1;
    const int64_t n = x->shape[0], c = se->channels, r = se->hidden, hw = x->shape[2] * x->shape[3];
    /* z, h, s as in forward; then ga2 = dL/d(fc2 output), ga1 = dL/d(fc1 output), gz = dL/dz. */
    double *z = host->alloc(sizeof(double) * (size_t)(n * (4 * c + 2 * r) + 1));
    if (!z) return fail("c_se: out of memory");
    double *h = z + n * c, *s = h + n * r, *ga2 = s + n * c, *ga1 = ga2 + n * c, *gz = ga1 + n * r;
    excite(se, p, x, z, h, s);
    for (int64_t i = 0; i < n * c; i++) {
        double gs = 0;
        for (int64_t k = 0; k < hw; k++) gs += get(gy, i * hw + k) * get(x, i * hw + k);
        ga2[i] = gs * s[i] * (1 - s[i]);
    }
    for (int64_t b = 0; b < n; b++) {
        for (int64_t k = 0; k < c; k++) {
            add(&gp[FC2_BIAS], k, ga2[b * c + k]);
            for (int64_t j = 0; j < r; j++) add(&gp[FC2_WEIGHT], k * r + j, ga2[b * c + k] * h[b * r + j]);
        }
        for (int64_t j = 0; j < r; j++) {
            double g = 0;
            for (int64_t k = 0; k < c; k++) g += ga2[b * c + k] * get(&p[FC2_WEIGHT], k * r + j);
            ga1[b * r + j] = h[b * r + j] > 0 ? g : 0;
            add(&gp[FC1_BIAS], j, ga1[b * r + j]);
            for (int64_t k = 0; k < c; k++) add(&gp[FC1_WEIGHT], j * c + k, ga1[b * r + j] * z[b * c + k]);
        }
        for (int64_t k = 0; k < c; k++) {
            double g = 0;
            for (int64_t j = 0; j < r; j++) g += ga1[b * r + j] * get(&p[FC1_WEIGHT], j * c + k);
            gz[b * c + k] = g;
        }
    }
    for (int64_t i = 0; i < n * c; i++)
        for (int64_t k = 0; k < hw; k++)
            set(gx, i * hw + k, get(gy, i * hw + k) * s[i] + gz[i] / (double)hw);
    host->free(z);
    return 0;
}

static const geokit_attention_vtable se_vtable = { se_forward, se_backward };

static void se_destroy(geokit_component *self) {
    host->free(self->state);
    host->free(self);
}

/* The declared weights, initialised like torch's nn.Linear: uniform in
 * +-1/sqrt(fan_in). */
static geokit_parameter declare(const char *name, int64_t rows, int64_t columns, int64_t fan_in) {
    const double bound = 1 / sqrt((double)fan_in);
    geokit_parameter p = { .name = name, .rank = columns ? 2 : 1, .shape = { rows, columns },
                           .initializer = GEOKIT_INIT_UNIFORM, .a = -bound, .b = bound };
    return p;
}

/* The constructor, called by the kernel through libffi with the arguments
 * declared at registration: "int channels = 64, int reduction = 16". */
GEOKIT_EXPORT geokit_component *c_se_create(int channels, int reduction) {
    if (channels <= 0 || reduction <= 0) {
        host->report_error("c_se needs channels > 0 and reduction > 0");
        return NULL;
    }
    geokit_component *self = host->alloc(sizeof *self);
    se_state *se = host->alloc(sizeof *se);
    if (!self || !se) {
        host->free(self);
        host->free(se);
        host->report_error("c_se: out of memory");
        return NULL;
    }
    se->channels = channels;
    se->hidden = channels / reduction > 0 ? channels / reduction : 1;
    se->parameters[FC1_WEIGHT] = declare("fc1.weight", se->hidden, channels, channels);
    se->parameters[FC1_BIAS] = declare("fc1.bias", se->hidden, 0, channels);
    se->parameters[FC2_WEIGHT] = declare("fc2.weight", channels, se->hidden, se->hidden);
    se->parameters[FC2_BIAS] = declare("fc2.bias", channels, 0, se->hidden);
    self->kind = GEOKIT_KIND_ATTENTION;
    self->parameter_count = 4;
    self->parameters = se->parameters;
    self->input_channels = channels;
    self->vtable = &se_vtable;
    self->state = se;
    self->destroy = se_destroy;
    return self;
}

GEOKIT_DEFINE_ABI_VERSION()

GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *h) {
    host = h;
    return host->register_component(
        "attention", "c_se", "c_se_create", "int channels = 64, int reduction = 16",
        "Squeeze-and-excitation channel gate (Hu et al. 2018), written in C\n"
        "channels: input channels C\n"
        "reduction: the hidden layer has max(1, C / reduction) units");
}
