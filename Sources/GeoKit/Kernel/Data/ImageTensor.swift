import GeoKitCore

/// Conversions between 8-bit images and the float tensors models consume.
extension Image {
    /// The image as float32 values in [0, 1], channels first: (1, C, H, W)
    /// when `batched` (a batch of one), else (C, H, W).
    public func tensor(batched: Bool = true) -> Tensor {
        let shape = batched ? [1, channels, height, width] : [channels, height, width]
        let out = Tensor(zeros: shape)
        let dst = out.pointer(Float.self)
        let plane = height * width, c = channels
        pixels.withUnsafeBufferPointer { src in
            Parallel.forEachChunk(plane, grain: 4096) { range in
                for p in range {
                    for k in 0..<c { dst[k * plane + p] = Float(src[p * c + k]) * (1 / 255) }
                }
            }
        }
        return out
    }

    /// The image held by a (1, C, H, W) or (C, H, W) tensor with values in
    /// [0, 1] (clamped, rounded to the nearest byte). C must be 1, 3 or 4.
    public init(tensor: Tensor) {
        require(
            (tensor.rank == 4 && tensor.shape[0] == 1) || tensor.rank == 3,
            "GeoKit: Image(tensor:) needs shape (1, C, H, W) or (C, H, W), got \(tensor.shape)")
        let dims = Array(tensor.shape.suffix(3))
        let (c, h, w) = (dims[0], dims[1], dims[2])
        self.init(height: h, width: w, channels: c)
        let values = tensor.to(.float32)
        let src = values.pointer(Float.self)
        let plane = h * w
        pixels.withUnsafeMutableBufferPointer { dst in
            for p in 0..<plane {
                for k in 0..<c {
                    let v = src[k * plane + p] * 255
                    dst[p * c + k] = UInt8(v.isNaN ? 0 : min(max(v.rounded(), 0), 255))
                }
            }
        }
    }
}

extension Tensor {
    /// (x - mean[c]) / std[c] per channel of an (N, C, H, W) or (C, H, W)
    /// image tensor, e.g. ImageNet statistics before a pretrained backbone.
    /// Differentiable (built from broadcasting arithmetic).
    public func normalized(mean: [Double], std: [Double]) -> Tensor {
        require(rank == 3 || rank == 4, "GeoKit: normalized(mean:std:) needs (N, C, H, W) or (C, H, W), got \(shape)")
        let c = shape[rank - 3]
        require(
            mean.count == c && std.count == c && std.allSatisfy { $0 != 0 },
            "GeoKit: normalized needs \(c) means and \(c) non-zero stds, got \(mean.count) and \(std.count)")
        func column(_ v: [Double]) -> Tensor {
            switch dtype {
            case .float32: return Tensor(v.map { Float($0) }, shape: [c, 1, 1])
            case .float64: return Tensor(v, shape: [c, 1, 1])
            }
        }
        return (self - column(mean)) / column(std)
    }
}

/// The per-channel mean and std (of pixels in 0...1) a network's input is
/// normalised with: `(pixel / 255 - mean[c]) / std[c]`.
public struct ChannelStatistics: Sendable, Equatable {
    public let mean: [Double]
    public let std: [Double]
    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }
    /// ImageNet's, the usual normalisation for pretrained backbones.
    public static let imageNet = ChannelStatistics(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// 0.5 for every channel (TensorFlow's EfficientNet-Lite and Inception models).
    public static let half = ChannelStatistics(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
}
