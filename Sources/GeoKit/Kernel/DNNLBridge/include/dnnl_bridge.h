// GeoKit's calls into oneDNN (libdnnl): float32 convolution, batch
// normalisation and layout reorders on channels-last (NHWC) activations.
// Every function returns 0 on success and a oneDNN status otherwise (the
// caller then takes its portable path). Primitives are created once per
// shape and kept; weights in oneDNN's preferred layout are kept per
// `gk_dnnl_weights` cache and refreshed when the caller's version changes.
#ifndef GEOKIT_DNNL_BRIDGE_H
#define GEOKIT_DNNL_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A 2-D convolution: NCHW logical sizes, torch's stride / padding / dilation
/// (dilation 1 = none); `out_h` and `out_w` are torch's floor output sizes.
typedef struct {
    int64_t batch, in_channels, in_h, in_w, out_channels, out_h, out_w;
    int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
} gk_dnnl_conv;

/// Element-wise functions a convolution can apply to its output (post-ops). Not ReLU: oneDNN's
/// turns NaN into 0, where torch's keeps it.
enum { gk_dnnl_none = 0, gk_dnnl_silu = 2, gk_dnnl_gelu = 3 };

/// Weights reordered for one primitive, owned by the caller (zero-initialise;
/// free with gk_dnnl_weights_release).
typedef struct {
    void *buffer;
    size_t bytes;
    int64_t version;
    const void *primitive;
} gk_dnnl_weights;

/// 1 when oneDNN can run here (a CPU engine was created).
int gk_dnnl_available(void);
/// The instruction set oneDNN dispatches to, e.g. "avx512_core".
const char *gk_dnnl_isa(void);
/// oneDNN's version, e.g. "2.6.3".
const char *gk_dnnl_version(void);
/// Threads of oneDNN's OpenMP runtime.
void gk_dnnl_set_threads(int threads);
void gk_dnnl_weights_release(gk_dnnl_weights *weights);

/// NCHW <-> NHWC copies of an (n, c, h, w) float32 tensor.
int gk_dnnl_to_channels_last(const float *nchw, float *nhwc, int64_t n, int64_t c, int64_t h, int64_t w);
int gk_dnnl_to_channels_first(const float *nhwc, float *nchw, int64_t n, int64_t c, int64_t h, int64_t w);

/// dst = post(conv(src, weights) + bias [+ dst when accumulate]); src and dst NHWC, weights OIHW
/// (cached in `cache` under `version`), bias nullable. `training` picks the training primitive.
int gk_dnnl_conv_forward(
    const gk_dnnl_conv *conv, const float *src, const float *weights, gk_dnnl_weights *cache, int64_t version,
    const float *bias, float *dst, int accumulate, int post, int training);
/// diff_src (NHWC) of the convolution, overwritten.
int gk_dnnl_conv_backward_data(
    const gk_dnnl_conv *conv, const float *diff_dst, const float *weights, gk_dnnl_weights *cache, int64_t version,
    float *diff_src);
/// diff_weights (OIHW) and diff_bias (nullable), overwritten.
int gk_dnnl_conv_backward_weights(
    const gk_dnnl_conv *conv, const float *src, const float *diff_dst, float *diff_weights, float *diff_bias);

/// Batch normalisation of an NHWC (n, c, h, w) tensor; scale and shift nullable (then 1 and 0).
/// Training: normalises by the batch statistics and writes them (biased variance) to mean and variance.
/// Otherwise: normalises by the given mean and variance.
int gk_dnnl_batch_norm_forward(
    int64_t n, int64_t c, int64_t h, int64_t w, const float *src, const float *scale, const float *shift,
    float *mean, float *variance, float *dst, float eps, int training);
/// Gradients of gk_dnnl_batch_norm_forward given the statistics it used; scale and shift both given or
/// both null, diff_scale / diff_shift nullable.
int gk_dnnl_batch_norm_backward(
    int64_t n, int64_t c, int64_t h, int64_t w, const float *src, const float *diff_dst, const float *scale,
    const float *shift, const float *mean, const float *variance, float *diff_src, float *diff_scale, float *diff_shift,
    float eps, int batch_statistics);

#ifdef __cplusplus
}
#endif

#endif
