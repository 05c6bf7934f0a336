internal import CDNNLBridge
import Foundation

/// The oneDNN compute path (Kernel/DNNLBridge over Debian's libdnnl): float32
/// convolutions and batch normalisation on channels-last activations, which
/// `Storage` keeps between ops. Float64 and whatever oneDNN declines take the
/// portable kernels (im2col + OpenBLAS, depthwise loops), which stay the
/// reference the oneDNN path is tested against. `GEOKIT_ONEDNN=0` turns it off.
public enum OneDNN {
    /// Whether float32 convolutions and batch norms go to oneDNN (default: when it loads, unless GEOKIT_ONEDNN=0).
    public static var isEnabled: Bool {
        get { enabled }
        set { enabled = newValue && isAvailable }
    }

    /// Whether oneDNN created its CPU engine on this machine.
    public static let isAvailable: Bool = {
        guard gk_dnnl_available() != 0 else { return false }
        gk_dnnl_set_threads(Int32(Parallel.threadCount))
        return true
    }()

    nonisolated(unsafe) private static var enabled =
        isAvailable && ProcessInfo.processInfo.environment["GEOKIT_ONEDNN"] != "0"

    /// Runs `body` on the portable path (for tests that compare the two).
    public static func withoutOneDNN<R>(_ body: () throws -> R) rethrows -> R {
        let saved = enabled
        enabled = false
        defer { enabled = saved }
        return try body()
    }

    /// oneDNN's version and the instruction set its kernels dispatch to, or why it is off.
    public static var description: String {
        guard isAvailable else { return "not available (no CPU engine)" }
        let state = enabled ? "on" : "off (GEOKIT_ONEDNN=0)"
        return "\(String(cString: gk_dnnl_version())) (ISA \(String(cString: gk_dnnl_isa()))), \(state)"
    }

    static func setThreadCount(_ n: Int) { gk_dnnl_set_threads(Int32(n)) }

    /// An element-wise function oneDNN applies to a convolution's output in the same pass.
    enum PostOp: Int32 {
        case none = 0, silu = 2, gelu = 3
    }

    /// conv(input, weight) + bias [+ residual], then `post`, as a channels-last tensor; nil where oneDNN declines.
    static func convolution(
        _ input: Tensor, weight: Tensor, bias: Tensor?, _ g: ConvGeometry, residual: Tensor? = nil, post: PostOp = .none,
        training: Bool
    ) -> Tensor? {
        let layouts = WeightLayouts.of(weight)
        guard !layouts.containsNaN(weight) else { return nil }
        var shape = descriptor(g)
        let sizes = [g.batch, g.outChannels, g.outHeight, g.outWidth]
        let out = Tensor(shape: sizes, dtype: .float32, storage: Storage(channelsLast: sizes))
        let y = out.storage.channelsLastOutput
        if let residual { y.update(from: residual.channelsLastFloats, count: out.count) }
        let status = gk_dnnl_conv_forward(
            &shape, input.channelsLastFloats, weight.readOnlyFloats, &layouts.forward, Int64(weight.storage.version),
            bias?.readOnlyFloats, y, residual == nil ? 0 : 1, post.rawValue, training ? 1 : 0)
        return status == 0 ? out : nil
    }

    /// The input gradient of `convolution` as a channels-last tensor; nil where oneDNN declines.
    static func convolutionInputGradient(_ gradient: Tensor, weight: Tensor, _ g: ConvGeometry) -> Tensor? {
        let layouts = WeightLayouts.of(weight)
        guard !layouts.containsNaN(weight) else { return nil }
        var shape = descriptor(g)
        let sizes = [g.batch, g.inChannels, g.inHeight, g.inWidth]
        let out = Tensor(shape: sizes, dtype: .float32, storage: Storage(channelsLast: sizes))
        let status = gk_dnnl_conv_backward_data(
            &shape, gradient.channelsLastFloats, weight.readOnlyFloats, &layouts.backward, Int64(weight.storage.version),
            out.storage.channelsLastOutput)
        return status == 0 ? out : nil
    }

    /// The weight (and bias) gradients of `convolution`, written in full; false where oneDNN declines,
    /// and where the weight gradient holds a NaN: oneDNN skips the taps that fall on zero padding,
    /// where torch multiplies a NaN gradient by the zero and so spreads the NaN further; the
    /// portable path reproduces torch's pattern.
    static func convolutionParameterGradients(
        _ gradient: Tensor, input: Tensor, _ g: ConvGeometry, weight: Tensor, bias: Tensor?
    ) -> Bool {
        var shape = descriptor(g)
        let w = weight.pointer(Float.self)
        let status = gk_dnnl_conv_backward_weights(
            &shape, input.channelsLastFloats, gradient.channelsLastFloats, w, bias?.pointer(Float.self))
        return status == 0 && !UnsafeBufferPointer(start: w, count: weight.count).contains { $0.isNaN }
    }

    /// Batch normalisation of a 4-D tensor by the given per-channel mean and (biased) variance,
    /// as a channels-last tensor, with the statistics; nil where oneDNN declines. The caller
    /// computes the batch's statistics in training (BatchNorm.swift: oneDNN's own are float32
    /// sums that lose the variance of data far from zero).
    static func batchNorm(
        _ input: Tensor, scale: Tensor?, shift: Tensor?, statistics: (mean: [Float], variance: [Float]), eps: Double
    ) -> (output: Tensor, mean: [Float], variance: [Float])? {
        let s = input.shape
        let out = Tensor(shape: s, dtype: .float32, storage: Storage(channelsLast: s))
        var (mean, variance) = statistics
        let status = gk_dnnl_batch_norm_forward(
            Int64(s[0]), Int64(s[1]), Int64(s[2]), Int64(s[3]), input.channelsLastFloats, scale?.readOnlyFloats,
            shift?.readOnlyFloats, &mean, &variance, out.storage.channelsLastOutput, Float(eps), 0)
        return status == 0 ? (out, mean, variance) : nil
    }

    /// The gradients of `batchNorm`; nil where oneDNN declines.
    static func batchNormGradients(
        _ gradient: Tensor, input: Tensor, scale: Tensor?, shift: Tensor?, mean: [Float], variance: [Float], eps: Double,
        batchStatistics: Bool, wantScaleShift: Bool
    ) -> (input: Tensor, scale: Tensor?, shift: Tensor?)? {
        let s = input.shape, channels = s[1]
        let inputGradient = Tensor(shape: s, dtype: .float32, storage: Storage(channelsLast: s))
        let scaleGradient = wantScaleShift && scale != nil ? Tensor(zeros: [channels]) : nil
        let shiftGradient = wantScaleShift && scale != nil ? Tensor(zeros: [channels]) : nil
        let status = gk_dnnl_batch_norm_backward(
            Int64(s[0]), Int64(channels), Int64(s[2]), Int64(s[3]), input.channelsLastFloats, gradient.channelsLastFloats,
            scale?.readOnlyFloats, shift?.readOnlyFloats, mean, variance, inputGradient.storage.channelsLastOutput,
            scaleGradient?.pointer(Float.self), shiftGradient?.pointer(Float.self), Float(eps), batchStatistics ? 1 : 0)
        return status == 0 ? (inputGradient, scaleGradient, shiftGradient) : nil
    }

    private static func descriptor(_ g: ConvGeometry) -> gk_dnnl_conv {
        gk_dnnl_conv(
            batch: Int64(g.batch), in_channels: Int64(g.inChannels), in_h: Int64(g.inHeight), in_w: Int64(g.inWidth),
            out_channels: Int64(g.outChannels), out_h: Int64(g.outHeight), out_w: Int64(g.outWidth),
            kernel_h: Int64(g.kernelHeight), kernel_w: Int64(g.kernelWidth), stride_h: Int64(g.strideHeight),
            stride_w: Int64(g.strideWidth), pad_h: Int64(g.padHeight), pad_w: Int64(g.padWidth),
            dilation_h: Int64(g.dilationHeight), dilation_w: Int64(g.dilationWidth), groups: Int64(g.groups))
    }
}

/// A weight's values in the layouts oneDNN's forward and backward-data
/// primitives chose, kept with the weight's storage and refreshed when its
/// version changes (an optimiser step).
final class WeightLayouts {
    var forward = gk_dnnl_weights()
    var backward = gk_dnnl_weights()

    static func of(_ weight: Tensor) -> WeightLayouts {
        if let layouts = weight.storage.derived as? WeightLayouts { return layouts }
        let layouts = WeightLayouts()
        weight.storage.derived = layouts
        return layouts
    }

    private var checkedVersion = -1
    private var hasNaN = false

    /// Whether the weight holds a NaN (checked once per version). oneDNN skips the taps that fall
    /// on zero padding, where torch's 0 x NaN makes the output NaN; such weights take the portable path.
    func containsNaN(_ weight: Tensor) -> Bool {
        let version = weight.storage.version
        if version != checkedVersion {
            hasNaN = UnsafeBufferPointer(start: weight.readOnlyFloats, count: weight.count).contains { $0.isNaN }
            checkedVersion = version
        }
        return hasNaN
    }

    deinit {
        gk_dnnl_weights_release(&forward)
        gk_dnnl_weights_release(&backward)
    }
}

extension Tensor {
    /// A float32 4-D tensor's values in channels-last layout, for reading (reordered once if they are plain).
    var channelsLastFloats: UnsafePointer<Float> { storage.channelsLastPointer(shape) }

    /// Whether the values are already in channels-last layout (so an element-wise op can run on it as it is).
    var isChannelsLast: Bool { dtype == .float32 && rank == 4 && storage.isChannelsLast(shape) }

    /// The plain values for reading, without invalidating a channels-last copy or bumping the version.
    var readOnlyFloats: UnsafePointer<Float> { UnsafePointer(storage.readOnlyPointer.assumingMemoryBound(to: Float.self)) }
}
