import Foundation
import GeoKit

/// A differential case's settings, as fixtures_differential_ops.py wrote them (JSON).
struct OpSettings {
    let values: [String: Any]
    let name: String

    private func value(_ key: String) -> Any {
        guard let v = values[key] else { preconditionFailure("case \(name) has no setting \(key)") }
        return v
    }

    func int(_ key: String) -> Int { (value(key) as! NSNumber).intValue }
    func double(_ key: String) -> Double { (value(key) as! NSNumber).doubleValue }
    func bool(_ key: String) -> Bool { (value(key) as! NSNumber).boolValue }
    func string(_ key: String) -> String { value(key) as! String }
    func ints(_ key: String) -> [Int] { (value(key) as! [NSNumber]).map(\.intValue) }
    func pair(_ key: String) -> (Int, Int) {
        let v = ints(key)
        return (v[0], v[1])
    }
}

/// The GeoKit call for each op name of fixtures_differential_ops.py, on the case's
/// inputs x0, x1, ... with its settings (the PyTorch side is that file's FUNCTIONS).
enum OpTable {
    typealias Op = ([Tensor], OpSettings) -> Tensor

    static let ops: [String: Op] = [
        "conv2d": { x, s in
            x[0].conv2d(
                weight: x[1], bias: x.count > 2 ? x[2] : nil, stride: s.pair("stride"), padding: s.pair("padding"),
                dilation: s.pair("dilation"), groups: s.int("groups"))
        },
        "batch_norm": { x, s in
            x[0].batchNorm(
                weight: x[1], bias: x[2], runningMean: x[3], runningVar: x[4], training: s.bool("training"),
                momentum: s.double("momentum"), eps: s.double("eps"))
        },
        "layer_norm": { x, s in x[0].layerNorm(axis: s.int("axis"), weight: x[1], bias: x[2], eps: s.double("eps")) },
        "max_pool2d": { x, s in x[0].maxPool2d(kernel: s.int("kernel"), stride: s.int("stride"), padding: s.int("padding")) },
        "avg_pool2d": { x, s in
            x[0].avgPool2d(
                kernel: s.int("kernel"), stride: s.int("stride"), padding: s.int("padding"),
                countIncludePad: s.bool("count_include_pad"))
        },
        "adaptive_avg_pool2d": { x, s in x[0].adaptiveAvgPool2d(s.pair("size")) },
        "adaptive_max_pool2d": { x, s in x[0].adaptiveMaxPool2d(s.pair("size")) },
        "gem": { x, s in x[0].gem(p: x[1], eps: s.double("eps")) },
        "linear": { x, _ in x[0].linear(weight: x[1], bias: x[2]) },
        "matmul": { x, s in Tensor.matmul(x[0], x[1], transposeA: s.bool("transpose_a"), transposeB: s.bool("transpose_b")) },
        "softmax": { x, s in x[0].softmax(axis: s.int("axis")) },
        "log_softmax": { x, s in x[0].logSoftmax(axis: s.int("axis")) },
        "resize": { x, s in
            let (h, w) = s.pair("size")
            return x[0].resizedBilinear(height: h, width: w, alignCorners: s.bool("align_corners"))
        },
        "relu": { x, _ in x[0].relu() },
        "leaky_relu": { x, s in x[0].leakyRelu(slope: s.double("slope")) },
        "sigmoid": { x, _ in x[0].sigmoid() },
        "silu": { x, _ in x[0].silu() },
        "gelu": { x, _ in x[0].gelu() },
        "tanh": { x, _ in x[0].tanh() },
        "hardswish": { x, _ in x[0].hardSwish() },
        "exp": { x, _ in x[0].exp() },
        "log": { x, _ in x[0].log() },
        "log1p": { x, _ in x[0].log1p() },
        "sqrt": { x, _ in x[0].sqrt() },
        "pow": { x, s in x[0].pow(s.double("exponent")) },
        "softplus": { x, s in x[0].softplus(beta: s.double("beta"), threshold: s.double("threshold")) },
        "clamp": { x, s in x[0].clamp(min: s.double("min"), max: s.double("max")) },
        "add": { x, _ in x[0] + x[1] },
        "sub": { x, _ in x[0] - x[1] },
        "mul": { x, _ in x[0] * x[1] },
        "div": { x, _ in x[0] / x[1] },
        "sum": { x, s in x[0].sum(axes: s.ints("axes"), keepDims: s.bool("keepdims")) },
        "mean": { x, s in x[0].mean(axes: s.ints("axes"), keepDims: s.bool("keepdims")) },
        "max": { x, s in x[0].max(axis: s.int("axis"), keepDims: s.bool("keepdims")) },
        "min": { x, s in x[0].min(axis: s.int("axis"), keepDims: s.bool("keepdims")) },
        "max_all": { x, _ in x[0].max() },
        "topk": { x, s in x[0].topK(s.int("k"), axis: s.int("axis"), largest: s.bool("largest")).values },
        "pad": { x, s in
            let widths = (s.values["widths"] as! [[NSNumber]]).map { (before: $0[0].intValue, after: $0[1].intValue) }
            let mode: PadMode =
                switch s.string("mode") {
                case "reflect": .reflect
                case "replicate": .replicate
                case "circular": .circular
                default: .constant(s.double("value"))
                }
            return x[0].padded(widths, mode: mode)
        },
        "concat": { x, s in Tensor.concat(x, axis: s.int("axis")) },
        "stack": { x, s in Tensor.stack(x, axis: s.int("axis")) },
        "slice": { x, s in x[0].sliced(axis: s.int("axis"), s.int("start")..<s.int("end")) },
        "permute": { x, s in x[0].permuted(s.ints("axes")) },
        "transpose": { x, s in x[0].transposed(s.int("a"), s.int("b")) },
        "index_select": { x, s in x[0].indexSelect(s.ints("indices"), axis: s.int("axis")) },
        "diagonal": { x, _ in x[0].diagonal() },
        "roll": { x, s in x[0].rolled(s.int("shift"), axis: s.int("axis")) },
        "flip": { x, s in x[0].flipped(axes: s.ints("axes")) },
        "reshape": { x, s in x[0].reshaped(s.ints("shape")) },
        "l2_normalize": { x, s in x[0].l2Normalized(axis: s.int("axis"), eps: s.double("eps")) },
        "cross_entropy": { x, s in x[0].crossEntropy(targets: s.ints("targets"), labelSmoothing: s.double("label_smoothing")) }
    ]
}
