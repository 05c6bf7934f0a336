"""NaN propagation: every differentiable op run by torch on inputs holding NaN
(and a few inf, a negative BatchNorm running variance, an all-zero row), so
the Swift side can compare NaN masks element by element, forward and backward.

Each case exists in up to two variants, both in float64:
  <name>/...       an input holds NaN (gy finite);
  <name>.g/...     the inputs are finite and gy holds NaN at flat position 1,
                   which shows where torch's backward masks a NaN gradient
                   (relu, clamp, hardswish, max pooling pass it or drop it).
Extra non-input tensors a case needs (running statistics) are stored as
<name>/running_mean and <name>/running_var."""
import torch
import torch.nn.functional as F

nan, inf = float("nan"), float("inf")


def case(t, name, fn, inputs, gradient_variant=True, extras=None):
    """Stores the NaN-input variant and, unless disabled, the NaN-gradient one."""
    def run(prefix, xs, nan_gradient):
        leaves = [x.detach().clone().requires_grad_(True) for x in xs]
        y = fn(*leaves)
        g = torch.Generator().manual_seed(len(prefix) * 7919 + sum(map(ord, prefix)))
        gy = torch.randn(y.shape, generator=g, dtype=y.dtype)
        if nan_gradient:
            gy.view(-1)[min(1, gy.numel() - 1)] = nan
        (y * gy).sum().backward()
        for i, x in enumerate(leaves):
            t[f"{prefix}/x{i}"] = x.detach()
            t[f"{prefix}/gx{i}"] = x.grad if x.grad is not None else torch.zeros_like(x)
        t[f"{prefix}/y"] = y.detach()
        t[f"{prefix}/gy"] = gy
        for key, value in (extras or {}).items():
            t[f"{prefix}/{key}"] = value

    run(name, inputs, False)
    if gradient_variant:
        # The same inputs with every NaN replaced by a finite value.
        run(f"{name}.g", [finite(x) for x in inputs], True)


def finite(x):
    """x with every NaN replaced by 0.3 (infinities stay)."""
    return torch.nan_to_num(x, nan=0.3, posinf=inf, neginf=-inf)


def d(values):
    return torch.tensor(values, dtype=torch.float64)


def generate():
    torch.manual_seed(0)
    t = {}
    # Every kink and both sides of it: hardswish's -3 and 3, relu's 0, the clamp bounds -0.5, 0.5 and 0.7.
    # The kinks come first: torch runs the leading 8 doubles through its vectorised kernels and the
    # rest through scalar code, and the two differ at NaN for hardswish's backward (NaN there, 1 here).
    v = d([[nan, -3, 3, 0.7, -0.5, 0, -4, 4, 0.5, 2, -1, 1.5]])
    for name, fn in [
        ("relu", F.relu), ("leaky_relu", lambda a: F.leaky_relu(a, 0.2)), ("sigmoid", torch.sigmoid),
        ("silu", F.silu), ("gelu", F.gelu), ("tanh", torch.tanh), ("hardswish", F.hardswish),
        ("exp", torch.exp), ("log", torch.log), ("log1p", torch.log1p), ("sqrt", torch.sqrt),
        ("pow2", lambda a: a.pow(2)), ("pow3", lambda a: a.pow(3.0)),
        ("clamp", lambda a: a.clamp(-0.5, 0.7)), ("clamp_min", lambda a: a.clamp(min=0.5)),
        ("clamp_max", lambda a: a.clamp(max=0.7)), ("softplus", F.softplus),
    ]:
        case(t, name, fn, [v])

    x = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    x[0, 1, 2, 3] = nan
    case(t, "add", torch.add, [x, torch.randn(3, 1, 4, dtype=torch.float64)])
    case(t, "sub", torch.sub, [torch.randn(4, 1, dtype=torch.float64), x])
    case(t, "mul_zero", torch.mul, [x, torch.zeros(1, 3, 1, 1, dtype=torch.float64)])
    case(t, "div", torch.div, [x, torch.rand(4, dtype=torch.float64) + 0.5])
    case(t, "add_scalar", lambda a: a + 2.5, [x])
    case(t, "mul_scalar_zero", lambda a: a * 0.0, [x])
    case(t, "sum_axes", lambda a: a.sum(dim=(1, 3)), [x])
    case(t, "mean_all", lambda a: a.mean(), [x])
    case(t, "expand", lambda a: a.expand(2, 3, 4, 4), [x[:1, :, 2:3]])

    a = torch.randn(3, 4, dtype=torch.float64)
    a[1, 2] = nan
    case(t, "matmul_zeros", torch.matmul, [a, torch.zeros(4, 5, dtype=torch.float64)])
    case(t, "matmul", torch.matmul, [a, torch.randn(4, 5, dtype=torch.float64)])
    b = torch.randn(2, 3, 4, dtype=torch.float64)
    b[1, 0, 3] = nan
    case(t, "bmm", torch.bmm, [b, torch.randn(2, 4, 2, dtype=torch.float64)])
    case(t, "linear", F.linear, [a, torch.randn(2, 4, dtype=torch.float64), torch.randn(2, dtype=torch.float64)])

    # Convolutions: the GEMM path (3x3, padding), the pointwise sgemm path and the depthwise loops.
    w3 = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    case(t, "conv3x3", lambda i, w, bias: F.conv2d(i, w, bias, padding=1), [x, w3, torch.randn(4, dtype=torch.float64)])
    case(t, "conv3x3_stride2", lambda i, w: F.conv2d(i, w, stride=2, padding=1), [x, w3])
    case(t, "conv1x1_zero_weight", lambda i, w: F.conv2d(i, w), [x, torch.zeros(2, 3, 1, 1, dtype=torch.float64)])
    case(t, "conv_depthwise", lambda i, w: F.conv2d(i, w, padding=1, groups=3), [x, torch.randn(3, 1, 3, 3, dtype=torch.float64)])
    wn = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    wn[2, 1, 0, 0] = nan
    case(t, "conv_nan_weight", lambda i, w: F.conv2d(i, w, padding=1), [torch.randn(1, 3, 4, 4, dtype=torch.float64), wn])
    # torch multiplies the zero padding too: a NaN tap makes its whole output channel NaN.
    wd = torch.randn(3, 1, 3, 3, dtype=torch.float64)
    wd[1, 0, 0, 0] = nan
    case(t, "conv_depthwise_nan_weight", lambda i, w: F.conv2d(i, w, padding=1, groups=3),
         [torch.randn(2, 3, 4, 4, dtype=torch.float64), wd])

    # Reductions along an axis: the NaN wins and takes the gradient; min as well. No ties among the
    # numbers: torch's topk orders equal values arbitrarily, GeoKit's by position.
    r = d([[3, nan, 5, nan, -1], [1, 2, 7, 6, 0], [nan, 9, 1, 1.5, 4]])
    case(t, "max_axis1", lambda a: a.max(dim=1).values, [r])
    case(t, "min_axis1", lambda a: a.min(dim=1).values, [r])
    case(t, "max_axis0", lambda a: a.max(dim=0).values, [r])
    case(t, "max_all", lambda a: a.max(), [r])
    case(t, "topk3", lambda a: a.topk(3, dim=1).values, [r])
    case(t, "topk3_smallest", lambda a: a.topk(3, dim=1, largest=False).values, [r])

    s = d([[1, nan, 2, 0.5], [0.1, 0.2, 0.3, 0.4], [-inf, -inf, -inf, -inf], [inf, 1, 2, 3]])
    case(t, "softmax", lambda a: a.softmax(dim=1), [s])
    case(t, "log_softmax", lambda a: a.log_softmax(dim=1), [s])
    ce = d([[1, nan, 2], [0.1, 0.2, 0.3]])
    case(t, "cross_entropy", lambda a: F.cross_entropy(a, torch.tensor([2, 0])), [ce])
    case(t, "cross_entropy_smooth", lambda a: F.cross_entropy(a, torch.tensor([2, 0]), label_smoothing=0.1), [ce])
    n = d([[nan, 1, 2], [0, 0, 0], [inf, 1, 2], [3, 4, 0]])
    case(t, "l2_normalize", lambda a: F.normalize(a, dim=1), [n])

    ln = torch.randn(2, 3, 5, dtype=torch.float64)
    ln[1, 2, 4] = nan
    lw, lb = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    case(t, "layer_norm_last", lambda a, w, bias: F.layer_norm(a, (5,), w, bias, eps=1e-6), [ln, lw, lb])
    cw, cb = torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    case(t, "layer_norm_channels_first",
         lambda a, w, bias: F.layer_norm(a.permute(0, 2, 3, 1), (3,), w, bias, eps=1e-6).permute(0, 3, 1, 2),
         [x, cw, cb])

    bw, bb = torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    case(t, "batch_norm_train", lambda a, w, bias: F.batch_norm(a, None, None, w, bias, training=True), [x, bw, bb])
    # The running statistics after one training step: NaN in the channel holding the NaN.
    rm, rv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.batch_norm(x, rm, rv, training=True, momentum=0.1)
    t["batch_norm_running/x0"], t["batch_norm_running/running_mean"], t["batch_norm_running/running_var"] = x, rm, rv
    # Evaluation with a negative running variance: sqrt of a negative is NaN, in channel 1 only.
    mean, var = torch.randn(3, dtype=torch.float64), d([0.5, -2, 1.5])
    finite = torch.nan_to_num(x, nan=0.3)
    case(t, "batch_norm_eval_negative_var",
         lambda a, w, bias: F.batch_norm(a, mean, var, w, bias, training=False), [finite, bw, bb],
         gradient_variant=False, extras={"running_mean": mean, "running_var": var})

    p = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    p[0, 0, 1, 1] = nan
    p[0, 0, 1, 2] = nan  # two NaNs in one window: torch's pooling keeps the later
    p[0, 1, 4, 4] = nan
    p[0, 1, 0, 0] = p[0, 1, 0, 1] = 9  # a tie beside the NaN-free windows
    case(t, "max_pool2d", lambda a: F.max_pool2d(a, 3, 2, 1), [p])
    case(t, "max_pool2d_k2", lambda a: F.max_pool2d(a, 2), [p])
    case(t, "adaptive_max_pool2d", lambda a: F.adaptive_max_pool2d(a, (3, 2)), [p])
    case(t, "avg_pool2d", lambda a: F.avg_pool2d(a, 3, 2, 1), [p])
    case(t, "adaptive_avg_pool2d", lambda a: F.adaptive_avg_pool2d(a, (2, 3)), [p])
    gem_in = p.clone()
    gem_in[0, 0, 3, 3] = -1  # below eps: clamped, gradient 0
    case(t, "gem", lambda a, e: a.clamp(min=1e-6).pow(e).mean((-2, -1)).pow(1 / e), [gem_in, d([3.0])])
    case(t, "resize_align", lambda a: F.interpolate(a, size=(7, 3), mode="bilinear", align_corners=True), [p])
    case(t, "resize", lambda a: F.interpolate(a, size=(3, 8), mode="bilinear", align_corners=False), [p])

    case(t, "permute", lambda a: a.permute(0, 2, 3, 1), [x])
    case(t, "slice", lambda a: a.narrow(2, 1, 2), [x])
    case(t, "index_select", lambda a: a.index_select(1, torch.tensor([1, 0, 1])), [x])
    square = torch.randn(3, 3, dtype=torch.float64)
    square[1, 1] = nan
    case(t, "diagonal", torch.diagonal, [square])
    case(t, "concat", lambda u, w: torch.cat([u, w], dim=1), [x, torch.randn(2, 1, 4, 4, dtype=torch.float64)])
    case(t, "stack", lambda u, w: torch.stack([u, w], dim=0), [x, torch.randn(2, 3, 4, 4, dtype=torch.float64)])
    case(t, "pad_reflect", lambda a: F.pad(a, (1, 2, 2, 1), mode="reflect"), [x])
    case(t, "pad_constant", lambda a: F.pad(a, (1, 0, 0, 1), value=0.5), [x])
    case(t, "roll", lambda a: torch.roll(a, 2, 3), [x])
    case(t, "flip", lambda a: torch.flip(a, (1, 3)), [x])
    case(t, "rot90", lambda a: torch.rot90(a, 1, (2, 3)), [x])
    return {"nan_propagation": (t, {})}
