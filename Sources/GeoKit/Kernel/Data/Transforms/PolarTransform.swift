import Foundation
import GeoKitCore

/// SAFA's polar transform (docs/methods.md, "View transform"): an S x S
/// north-up aerial image becomes an H x W pseudo-panorama whose column j
/// looks along theta = 2 pi j / W and whose row i samples the ring of radius
/// r = (S/2)(H - 1 - i)/H pixels, sampled at row S/2 + r cos(theta), column
/// S/2 - r sin(theta) with bilinear weights (neighbours outside count 0).
///
/// Bearing convention: theta = 0 points to increasing rows (south in a
/// north-up tile) and theta grows towards decreasing columns (west), so
/// column j looks at compass bearing 180 + 360 j / W degrees (clockwise from
/// north): column 0 looks south, W/4 west, W/2 north, 3W/4 east.
public struct PolarTransform: Sendable {
    public let aerialSize: Int
    public let height: Int
    public let width: Int
    /// Per output pixel, four source indices (row * S + col, or -1) and their weights.
    private let indices: [Int32]
    private let weights: [Double]

    public init(aerialSize: Int, height: Int, width: Int) {
        require(
            aerialSize > 0 && height > 0 && width > 0,
            "GeoKit: polar transform needs positive sizes, got aerial \(aerialSize), output \(height)x\(width)")
        self.aerialSize = aerialSize
        self.height = height
        self.width = width
        let s = Double(aerialSize)
        var indices = [Int32](repeating: -1, count: height * width * 4)
        var weights = [Double](repeating: 0, count: height * width * 4)
        for i in 0..<height {
            let r = s / 2 * Double(height - 1 - i) / Double(height)
            for j in 0..<width {
                let theta = 2 * Double.pi * Double(j) / Double(width)
                let y = s / 2 + r * cos(theta), x = s / 2 - r * sin(theta)
                let y0 = floor(y), x0 = floor(x)
                let dy = y - y0, dx = x - x0
                let corners = [
                    (y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                    (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)
                ]
                for (k, (cy, cx, w)) in corners.enumerated() where cy >= 0 && cy < s && cx >= 0 && cx < s {
                    let slot = (i * width + j) * 4 + k
                    indices[slot] = Int32(Int(cy) * aerialSize + Int(cx))
                    weights[slot] = w
                }
            }
        }
        self.indices = indices
        self.weights = weights
    }

    /// The compass bearing (degrees clockwise from north) column `j` looks at.
    public static func bearing(column j: Double, width: Int) -> Double {
        (180 + 360 * j / Double(width)).truncatingRemainder(dividingBy: 360)
    }

    /// Applies the transform to an image of size aerialSize x aerialSize.
    public func apply(_ image: Image) -> Image {
        require(
            image.height == aerialSize && image.width == aerialSize,
            "GeoKit: polar transform built for \(aerialSize)x\(aerialSize) got a \(image.height)x\(image.width) image")
        let c = image.channels
        var out = Image(height: height, width: width, channels: c)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for p in 0..<(height * width) {
                    for k in 0..<c {
                        var acc: Float = 0
                        for t in 0..<4 where indices[p * 4 + t] >= 0 {
                            acc += Float(weights[p * 4 + t]) * Float(src[Int(indices[p * 4 + t]) * c + k])
                        }
                        dst[p * c + k] = UInt8(min(max(acc, 0), 255) + 0.5)
                    }
                }
            }
        }
        return out
    }

    /// Applies the transform to an (N, C, S, S) tensor, giving (N, C, H, W).
    /// Differentiable: the backward scatters each output gradient back to
    /// its four source pixels with the same weights.
    public func apply(_ x: Tensor) -> Tensor {
        require(
            x.rank == 4 && x.shape[2] == aerialSize && x.shape[3] == aerialSize,
            "GeoKit: polar transform built for (N, C, \(aerialSize), \(aerialSize)) got \(x.shape)")
        let planes = x.shape[0] * x.shape[1]
        let out = Tensor(zeros: [x.shape[0], x.shape[1], height, width], dtype: x.dtype)
        let inPlane = aerialSize * aerialSize, outPlane = height * width
        func run<T: TensorScalar>(_: T.Type) {
            let src = x.pointer(T.self), dst = out.pointer(T.self)
            Parallel.forEachChunk(planes, grain: 1) { range in
                for plane in range {
                    let s = src + plane * inPlane, d = dst + plane * outPlane
                    for p in 0..<outPlane {
                        var acc: T = 0
                        for t in 0..<4 where indices[p * 4 + t] >= 0 {
                            acc += T(weights[p * 4 + t]) * s[Int(indices[p * 4 + t])]
                        }
                        d[p] = acc
                    }
                }
            }
        }
        switch x.dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        let inputShape = x.shape
        return out.recorded("polar", inputs: [x]) { g in [self.scatter(g, to: inputShape)] }
    }

    /// The adjoint of `apply`: output gradients summed into the source pixels.
    private func scatter(_ g: Tensor, to shape: [Int]) -> Tensor {
        let gx = Tensor(zeros: shape, dtype: g.dtype)
        let planes = shape[0] * shape[1]
        let inPlane = aerialSize * aerialSize, outPlane = height * width
        func run<T: TensorScalar>(_: T.Type) {
            let src = g.pointer(T.self), dst = gx.pointer(T.self)
            Parallel.forEachChunk(planes, grain: 1) { range in
                for plane in range {
                    let s = src + plane * outPlane, d = dst + plane * inPlane
                    for p in 0..<outPlane {
                        for t in 0..<4 where indices[p * 4 + t] >= 0 {
                            d[Int(indices[p * 4 + t])] += T(weights[p * 4 + t]) * s[p]
                        }
                    }
                }
            }
        }
        switch g.dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return gx
    }
}
