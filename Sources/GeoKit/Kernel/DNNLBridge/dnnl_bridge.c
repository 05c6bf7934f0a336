// dnnl_bridge.h over oneDNN's C API. One CPU engine and one in-order stream
// for the process; primitives are created on first use of a shape and kept
// in a small table (a network has a few dozen distinct shapes), together with
// the reorders between GeoKit's plain OIHW weights and the layout the
// primitive chose.
#include "dnnl_bridge.h"

#include <dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void omp_set_num_threads(int);

#define TRY(call)                                   \
    do {                                            \
        dnnl_status_t status_ = (call);             \
        if (status_ != dnnl_success) return status_; \
    } while (0)

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void create_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) { engine = NULL; return; }
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(engine);
        engine = NULL;
    }
}

int gk_dnnl_available(void) {
    pthread_once(&engine_once, create_engine);
    return engine != NULL;
}

const char *gk_dnnl_isa(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}

const char *gk_dnnl_version(void) {
    static char text[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    return text;
}

void gk_dnnl_set_threads(int threads) { omp_set_num_threads(threads > 0 ? threads : 1); }

void gk_dnnl_weights_release(gk_dnnl_weights *weights) {
    free(weights->buffer);
    memset(weights, 0, sizeof *weights);
}

// MARK: the primitive table

enum kind { conv_forward, conv_forward_training, conv_backward_data, conv_backward_weights, bn_forward, bn_backward, reorder };

typedef struct {
    int kind;
    int flags;  // post-ops and biases for convolutions, statistics flags for batch norm, direction for reorders
    float eps;  // batch norm's epsilon
    gk_dnnl_conv shape;
} table_key;

typedef struct entry {
    table_key key;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src, weights, dst, bias;  // as the primitive takes them (diff_* for backward kinds)
    dnnl_memory_desc_t plain_weights;
    dnnl_primitive_t to_primitive_weights;  // plain -> primitive layout, NULL when equal
    dnnl_primitive_t to_plain_weights;      // primitive layout -> plain (backward weights), NULL when equal
    struct entry *next;
} entry;

static entry *table;

static entry *find(const table_key *key) {
    for (entry *e = table; e; e = e->next)
        if (memcmp(&e->key, key, sizeof *key) == 0) return e;
    return NULL;
}

static table_key make_key(int kind, int flags, const gk_dnnl_conv *shape) {
    table_key key;
    memset(&key, 0, sizeof key);
    key.kind = kind;
    key.flags = flags;
    if (shape) key.shape = *shape;
    return key;
}

/// The table's entry for `key`, built by `build` on first use; NULL (and the status) when oneDNN declines.
static entry *lookup(table_key key, dnnl_status_t (*build)(entry *), dnnl_status_t *status) {
    *status = dnnl_success;
    if (!gk_dnnl_available()) { *status = dnnl_runtime_error; return NULL; }
    pthread_mutex_lock(&table_lock);
    entry *e = find(&key);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e) {
            *status = dnnl_out_of_memory;
        } else {
            e->key = key;
            *status = build(e);
            if (*status != dnnl_success) {
                free(e);
                e = NULL;
            } else {
                e->next = table;
                table = e;
            }
        }
    }
    pthread_mutex_unlock(&table_lock);
    return e;
}

static dnnl_status_t memory(const dnnl_memory_desc_t *desc, const void *data, dnnl_memory_t *out) {
    return dnnl_memory_create(out, desc, engine, (void *)data);
}

static dnnl_status_t run(dnnl_primitive_t primitive, int count, dnnl_exec_arg_t *args) {
    dnnl_status_t status = dnnl_primitive_execute(primitive, stream, count, args);
    if (status == dnnl_success) status = dnnl_stream_wait(stream);
    for (int i = 0; i < count; i++) dnnl_memory_destroy(args[i].memory);
    return status;
}

static dnnl_status_t reorder_primitive(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_primitive_t *out) {
    *out = NULL;
    if (dnnl_memory_desc_equal(from, to)) return dnnl_success;
    dnnl_primitive_desc_t pd;
    TRY(dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL));
    dnnl_status_t status = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

static dnnl_status_t reorder_run(dnnl_primitive_t primitive, const dnnl_memory_desc_t *from, const void *src, const dnnl_memory_desc_t *to, void *dst) {
    dnnl_exec_arg_t args[2];
    args[0].arg = DNNL_ARG_FROM;
    args[1].arg = DNNL_ARG_TO;
    TRY(memory(from, src, &args[0].memory));
    dnnl_status_t status = memory(to, dst, &args[1].memory);
    if (status != dnnl_success) { dnnl_memory_destroy(args[0].memory); return status; }
    return run(primitive, 2, args);
}

static dnnl_status_t query(dnnl_primitive_desc_t pd, dnnl_query_t what, dnnl_memory_desc_t *out) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    if (!md) return dnnl_runtime_error;
    *out = *md;
    return dnnl_success;
}

// MARK: layouts

static dnnl_status_t activation_desc(dnnl_memory_desc_t *md, int64_t n, int64_t c, int64_t h, int64_t w, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {n, c, h, w};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag);
}

static dnnl_status_t weights_desc(dnnl_memory_desc_t *md, const gk_dnnl_conv *s, int any) {
    if (s->groups == 1) {
        dnnl_dims_t dims = {s->out_channels, s->in_channels, s->kernel_h, s->kernel_w};
        return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oihw);
    }
    dnnl_dims_t dims = {s->groups, s->out_channels / s->groups, s->in_channels / s->groups, s->kernel_h, s->kernel_w};
    return dnnl_memory_desc_init_by_tag(md, 5, dims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_goihw);
}

static dnnl_status_t vector_desc(dnnl_memory_desc_t *md, int64_t n) {
    dnnl_dims_t dims = {n};
    return dnnl_memory_desc_init_by_tag(md, 1, dims, dnnl_f32, dnnl_x);
}

// MARK: reorders

/// The reorder between NCHW and NHWC of the key's (n, c, h, w); flags 1 is towards NHWC.
static dnnl_status_t activation_reorder_descs(const table_key *key, dnnl_memory_desc_t *from, dnnl_memory_desc_t *to) {
    const gk_dnnl_conv *s = &key->shape;
    TRY(activation_desc(from, s->batch, s->in_channels, s->in_h, s->in_w, key->flags ? dnnl_nchw : dnnl_nhwc));
    return activation_desc(to, s->batch, s->in_channels, s->in_h, s->in_w, key->flags ? dnnl_nhwc : dnnl_nchw);
}

static dnnl_status_t build_reorder(entry *e) {
    dnnl_memory_desc_t from, to;
    TRY(activation_reorder_descs(&e->key, &from, &to));
    TRY(reorder_primitive(&from, &to, &e->primitive));
    return e->primitive ? dnnl_success : dnnl_runtime_error;
}

static int reorder_activation(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w, int to_channels_last) {
    gk_dnnl_conv shape;
    memset(&shape, 0, sizeof shape);
    shape.batch = n, shape.in_channels = c, shape.in_h = h, shape.in_w = w;
    dnnl_status_t status;
    entry *e = lookup(make_key(reorder, to_channels_last, &shape), build_reorder, &status);
    if (!e) return status;
    dnnl_memory_desc_t from, to;
    TRY(activation_reorder_descs(&e->key, &from, &to));
    return reorder_run(e->primitive, &from, src, &to, dst);
}

int gk_dnnl_to_channels_last(const float *nchw, float *nhwc, int64_t n, int64_t c, int64_t h, int64_t w) {
    return reorder_activation(nchw, nhwc, n, c, h, w, 1);
}

int gk_dnnl_to_channels_first(const float *nhwc, float *nchw, int64_t n, int64_t c, int64_t h, int64_t w) {
    return reorder_activation(nhwc, nchw, n, c, h, w, 0);
}

// MARK: convolution

enum { flag_bias = 1 << 4, flag_accumulate = 1 << 5 };

static dnnl_status_t conv_desc(dnnl_convolution_desc_t *cd, int kind, const gk_dnnl_conv *s, int bias) {
    dnnl_memory_desc_t src, weights, dst, b;
    TRY(activation_desc(&src, s->batch, s->in_channels, s->in_h, s->in_w, dnnl_nhwc));
    TRY(activation_desc(&dst, s->batch, s->out_channels, s->out_h, s->out_w, dnnl_nhwc));
    TRY(weights_desc(&weights, s, 1));
    TRY(vector_desc(&b, s->out_channels));
    dnnl_dims_t strides = {s->stride_h, s->stride_w};
    dnnl_dims_t dilates = {s->dilation_h - 1, s->dilation_w - 1};
    dnnl_dims_t left = {s->pad_h, s->pad_w};
    // torch's padding is symmetric and its output size the floor of (in + 2 pad - span) / stride + 1,
    // which is oneDNN's formula with the same padding on both sides.
    dnnl_dims_t right = {s->pad_h, s->pad_w};
    switch (kind) {
    case conv_forward:
    case conv_forward_training:
        return dnnl_dilated_convolution_forward_desc_init(
            cd, kind == conv_forward ? dnnl_forward_inference : dnnl_forward_training, dnnl_convolution_direct, &src,
            &weights, bias ? &b : NULL, &dst, strides, dilates, left, right);
    case conv_backward_data:
        return dnnl_dilated_convolution_backward_data_desc_init(
            cd, dnnl_convolution_direct, &src, &weights, &dst, strides, dilates, left, right);
    default:
        return dnnl_dilated_convolution_backward_weights_desc_init(
            cd, dnnl_convolution_direct, &src, &weights, bias ? &b : NULL, &dst, strides, dilates, left, right);
    }
}

static dnnl_status_t post_ops_attr(int flags, dnnl_primitive_attr_t *attr) {
    *attr = NULL;
    int post = flags & 0xf;
    if (!post && !(flags & flag_accumulate)) return dnnl_success;
    dnnl_post_ops_t ops;
    TRY(dnnl_post_ops_create(&ops));
    if (flags & flag_accumulate) dnnl_post_ops_append_sum(ops, 1.0f);
    if (post == gk_dnnl_silu) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_swish, 1, 0);
    if (post == gk_dnnl_gelu) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_gelu_erf, 0, 0);
    dnnl_status_t status = dnnl_primitive_attr_create(attr);
    if (status == dnnl_success) status = dnnl_primitive_attr_set_post_ops(*attr, ops);
    dnnl_post_ops_destroy(ops);
    return status;
}

static dnnl_status_t build_conv(entry *e) {
    const gk_dnnl_conv *s = &e->key.shape;
    int kind = e->key.kind, bias = (e->key.flags & flag_bias) != 0;
    dnnl_convolution_desc_t cd;
    TRY(conv_desc(&cd, kind, s, bias));
    dnnl_primitive_desc_t hint = NULL;
    if (kind == conv_backward_data || kind == conv_backward_weights) {
        dnnl_convolution_desc_t forward;
        TRY(conv_desc(&forward, conv_forward_training, s, bias));
        TRY(dnnl_primitive_desc_create(&hint, &forward, NULL, engine, NULL));
    }
    dnnl_primitive_attr_t attr;
    dnnl_status_t status = post_ops_attr(e->key.flags, &attr);
    dnnl_primitive_desc_t pd = NULL;
    if (status == dnnl_success) status = dnnl_primitive_desc_create(&pd, &cd, attr, engine, hint);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (status != dnnl_success) return status;
    switch (kind) {
    case conv_backward_data:
        status = query(pd, dnnl_query_diff_src_md, &e->src);
        if (status == dnnl_success) status = query(pd, dnnl_query_weights_md, &e->weights);
        if (status == dnnl_success) status = query(pd, dnnl_query_diff_dst_md, &e->dst);
        break;
    case conv_backward_weights:
        status = query(pd, dnnl_query_src_md, &e->src);
        if (status == dnnl_success) status = query(pd, dnnl_query_diff_weights_md, &e->weights);
        if (status == dnnl_success) status = query(pd, dnnl_query_diff_dst_md, &e->dst);
        break;
    default:
        status = query(pd, dnnl_query_src_md, &e->src);
        if (status == dnnl_success) status = query(pd, dnnl_query_weights_md, &e->weights);
        if (status == dnnl_success) status = query(pd, dnnl_query_dst_md, &e->dst);
    }
    if (status == dnnl_success) status = vector_desc(&e->bias, s->out_channels);
    if (status == dnnl_success) status = weights_desc(&e->plain_weights, s, 0);
    if (status == dnnl_success) {
        dnnl_memory_desc_t nhwc_src, nhwc_dst;
        activation_desc(&nhwc_src, s->batch, s->in_channels, s->in_h, s->in_w, dnnl_nhwc);
        activation_desc(&nhwc_dst, s->batch, s->out_channels, s->out_h, s->out_w, dnnl_nhwc);
        // The activations must be the caller's NHWC as they are; weights may take a reorder.
        if (!dnnl_memory_desc_equal(&e->src, &nhwc_src) || !dnnl_memory_desc_equal(&e->dst, &nhwc_dst)) status = dnnl_unimplemented;
    }
    if (status == dnnl_success) {
        if (kind == conv_backward_weights) status = reorder_primitive(&e->weights, &e->plain_weights, &e->to_plain_weights);
        else status = reorder_primitive(&e->plain_weights, &e->weights, &e->to_primitive_weights);
    }
    if (status == dnnl_success) status = dnnl_primitive_create(&e->primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

/// The weights as the primitive takes them: the caller's own when the layouts agree, else the cache (refreshed on a new version).
static dnnl_status_t primitive_weights(entry *e, const float *weights, gk_dnnl_weights *cache, int64_t version, const void **out) {
    if (!e->to_primitive_weights) { *out = weights; return dnnl_success; }
    if (cache->buffer && cache->version == version && cache->primitive == e) { *out = cache->buffer; return dnnl_success; }
    size_t bytes = dnnl_memory_desc_get_size(&e->weights);
    if (cache->bytes < bytes) {
        free(cache->buffer);
        cache->buffer = NULL;
        if (posix_memalign(&cache->buffer, 64, bytes) != 0) { cache->buffer = NULL; cache->bytes = 0; return dnnl_out_of_memory; }
        cache->bytes = bytes;
    }
    cache->primitive = NULL;
    TRY(reorder_run(e->to_primitive_weights, &e->plain_weights, weights, &e->weights, cache->buffer));
    cache->version = version;
    cache->primitive = e;
    *out = cache->buffer;
    return dnnl_success;
}

int gk_dnnl_conv_forward(
    const gk_dnnl_conv *conv, const float *src, const float *weights, gk_dnnl_weights *cache, int64_t version,
    const float *bias, float *dst, int accumulate, int post, int training) {
    dnnl_status_t status;
    int flags = (post & 0xf) | (bias ? flag_bias : 0) | (accumulate ? flag_accumulate : 0);
    entry *e = lookup(make_key(training ? conv_forward_training : conv_forward, flags, conv), build_conv, &status);
    if (!e) return status;
    const void *w;
    TRY(primitive_weights(e, weights, cache, version, &w));
    dnnl_exec_arg_t args[4];
    int count = 0;
    args[count].arg = DNNL_ARG_SRC;
    TRY(memory(&e->src, src, &args[count++].memory));
    args[count].arg = DNNL_ARG_WEIGHTS;
    TRY(memory(&e->weights, w, &args[count++].memory));
    args[count].arg = DNNL_ARG_DST;
    TRY(memory(&e->dst, dst, &args[count++].memory));
    if (bias) {
        args[count].arg = DNNL_ARG_BIAS;
        TRY(memory(&e->bias, bias, &args[count++].memory));
    }
    return run(e->primitive, count, args);
}

int gk_dnnl_conv_backward_data(
    const gk_dnnl_conv *conv, const float *diff_dst, const float *weights, gk_dnnl_weights *cache, int64_t version,
    float *diff_src) {
    dnnl_status_t status;
    entry *e = lookup(make_key(conv_backward_data, 0, conv), build_conv, &status);
    if (!e) return status;
    const void *w;
    TRY(primitive_weights(e, weights, cache, version, &w));
    dnnl_exec_arg_t args[3];
    args[0].arg = DNNL_ARG_DIFF_DST;
    args[1].arg = DNNL_ARG_WEIGHTS;
    args[2].arg = DNNL_ARG_DIFF_SRC;
    TRY(memory(&e->dst, diff_dst, &args[0].memory));
    TRY(memory(&e->weights, w, &args[1].memory));
    TRY(memory(&e->src, diff_src, &args[2].memory));
    return run(e->primitive, 3, args);
}

int gk_dnnl_conv_backward_weights(
    const gk_dnnl_conv *conv, const float *src, const float *diff_dst, float *diff_weights, float *diff_bias) {
    dnnl_status_t status;
    entry *e = lookup(make_key(conv_backward_weights, diff_bias ? flag_bias : 0, conv), build_conv, &status);
    if (!e) return status;
    void *staging = diff_weights;
    if (e->to_plain_weights) {
        if (posix_memalign(&staging, 64, dnnl_memory_desc_get_size(&e->weights)) != 0) return dnnl_out_of_memory;
    }
    dnnl_exec_arg_t args[4];
    int count = 0;
    args[count].arg = DNNL_ARG_SRC;
    status = memory(&e->src, src, &args[count++].memory);
    args[count].arg = DNNL_ARG_DIFF_DST;
    if (status == dnnl_success) status = memory(&e->dst, diff_dst, &args[count++].memory);
    args[count].arg = DNNL_ARG_DIFF_WEIGHTS;
    if (status == dnnl_success) status = memory(&e->weights, staging, &args[count++].memory);
    if (diff_bias && status == dnnl_success) {
        args[count].arg = DNNL_ARG_DIFF_BIAS;
        status = memory(&e->bias, diff_bias, &args[count++].memory);
    }
    if (status == dnnl_success) status = run(e->primitive, count, args);
    if (status == dnnl_success && e->to_plain_weights)
        status = reorder_run(e->to_plain_weights, &e->weights, staging, &e->plain_weights, diff_weights);
    if (staging != diff_weights) free(staging);
    return status;
}

// MARK: batch normalisation

enum { bn_scale = 1, bn_shift = 2, bn_training = 4 };

static dnnl_status_t build_batch_norm(entry *e) {
    const gk_dnnl_conv *s = &e->key.shape;
    int f = e->key.flags;
    unsigned flags = (f & bn_scale ? dnnl_use_scale : 0) | (f & bn_shift ? dnnl_use_shift : 0) | (f & bn_training ? 0 : dnnl_use_global_stats);
    dnnl_memory_desc_t data;
    TRY(activation_desc(&data, s->batch, s->in_channels, s->in_h, s->in_w, dnnl_nhwc));
    dnnl_batch_normalization_desc_t forward;
    TRY(dnnl_batch_normalization_forward_desc_init(
        &forward, f & bn_training ? dnnl_forward_training : dnnl_forward_inference, &data, e->key.eps, flags));
    dnnl_primitive_desc_t pd;
    TRY(dnnl_primitive_desc_create(&pd, &forward, NULL, engine, NULL));
    dnnl_status_t status = dnnl_success;
    if (e->key.kind == bn_backward) {
        dnnl_batch_normalization_desc_t backward;
        status = dnnl_batch_normalization_backward_desc_init(
            &backward, (f & (bn_scale | bn_shift)) ? dnnl_backward : dnnl_backward_data, &data, &data, e->key.eps,
            flags);
        dnnl_primitive_desc_t backward_pd = NULL;
        if (status == dnnl_success) status = dnnl_primitive_desc_create(&backward_pd, &backward, NULL, engine, pd);
        dnnl_primitive_desc_destroy(pd);
        pd = backward_pd;
    }
    if (status == dnnl_success) status = vector_desc(&e->bias, s->in_channels);
    e->src = data;
    if (status == dnnl_success) status = dnnl_primitive_create(&e->primitive, pd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return status;
}

static entry *batch_norm_entry(int kind, int flags, int64_t n, int64_t c, int64_t h, int64_t w, float eps, dnnl_status_t *status) {
    gk_dnnl_conv shape;
    memset(&shape, 0, sizeof shape);
    shape.batch = n, shape.in_channels = c, shape.in_h = h, shape.in_w = w;
    table_key key = make_key(kind, flags, &shape);
    key.eps = eps;
    return lookup(key, build_batch_norm, status);
}

int gk_dnnl_batch_norm_forward(
    int64_t n, int64_t c, int64_t h, int64_t w, const float *src, const float *scale, const float *shift,
    float *mean, float *variance, float *dst, float eps, int training) {
    dnnl_status_t status;
    int flags = (scale ? bn_scale : 0) | (shift ? bn_shift : 0) | (training ? bn_training : 0);
    entry *e = batch_norm_entry(bn_forward, flags, n, c, h, w, eps, &status);
    if (!e) return status;
    dnnl_exec_arg_t args[6];
    int count = 0;
    args[count].arg = DNNL_ARG_SRC;
    TRY(memory(&e->src, src, &args[count++].memory));
    args[count].arg = DNNL_ARG_DST;
    TRY(memory(&e->src, dst, &args[count++].memory));
    args[count].arg = DNNL_ARG_MEAN;
    TRY(memory(&e->bias, mean, &args[count++].memory));
    args[count].arg = DNNL_ARG_VARIANCE;
    TRY(memory(&e->bias, variance, &args[count++].memory));
    if (scale) {
        args[count].arg = DNNL_ARG_SCALE;
        TRY(memory(&e->bias, scale, &args[count++].memory));
    }
    if (shift) {
        args[count].arg = DNNL_ARG_SHIFT;
        TRY(memory(&e->bias, shift, &args[count++].memory));
    }
    return run(e->primitive, count, args);
}

int gk_dnnl_batch_norm_backward(
    int64_t n, int64_t c, int64_t h, int64_t w, const float *src, const float *diff_dst, const float *scale,
    const float *shift, const float *mean, const float *variance, float *diff_src, float *diff_scale, float *diff_shift,
    float eps, int batch_statistics) {
    dnnl_status_t status;
    int flags = (scale ? bn_scale | bn_shift : 0) | (batch_statistics ? bn_training : 0);
    entry *e = batch_norm_entry(bn_backward, flags, n, c, h, w, eps, &status);
    if (!e) return status;
    // dnnl_backward writes both parameter gradients; a missing one lands in scratch.
    float *scratch = NULL;
    if (scale && (!diff_scale || !diff_shift)) {
        scratch = malloc(sizeof(float) * (size_t)c);
        if (!scratch) return dnnl_out_of_memory;
    }
    dnnl_exec_arg_t args[10];
    int count = 0;
    args[count].arg = DNNL_ARG_SRC;
    status = memory(&e->src, src, &args[count++].memory);
    args[count].arg = DNNL_ARG_DIFF_DST;
    if (status == dnnl_success) status = memory(&e->src, diff_dst, &args[count++].memory);
    args[count].arg = DNNL_ARG_MEAN;
    if (status == dnnl_success) status = memory(&e->bias, mean, &args[count++].memory);
    args[count].arg = DNNL_ARG_VARIANCE;
    if (status == dnnl_success) status = memory(&e->bias, variance, &args[count++].memory);
    args[count].arg = DNNL_ARG_DIFF_SRC;
    if (status == dnnl_success) status = memory(&e->src, diff_src, &args[count++].memory);
    if (scale && status == dnnl_success) {
        args[count].arg = DNNL_ARG_SCALE;
        status = memory(&e->bias, scale, &args[count++].memory);
        // oneDNN 2.6 asks for the shift too, though the gradients do not depend on it.
        args[count].arg = DNNL_ARG_SHIFT;
        if (status == dnnl_success) status = memory(&e->bias, shift, &args[count++].memory);
        args[count].arg = DNNL_ARG_DIFF_SCALE;
        if (status == dnnl_success) status = memory(&e->bias, diff_scale ? diff_scale : scratch, &args[count++].memory);
        args[count].arg = DNNL_ARG_DIFF_SHIFT;
        if (status == dnnl_success) status = memory(&e->bias, diff_shift ? diff_shift : scratch, &args[count++].memory);
    }
    if (status == dnnl_success) status = run(e->primitive, count, args);
    free(scratch);
    return status;
}
