import GeoKitCore

/// Separable bilinear resampling with half-pixel centres (align_corners
/// false). When shrinking, the triangle filter is widened by the scale factor
/// so every input pixel contributes (antialiasing, as PIL and torch's
/// `antialias=True` do); when enlarging it is plain bilinear interpolation.
extension Image {
    public func resized(height newHeight: Int, width newWidth: Int) -> Image {
        require(newHeight > 0 && newWidth > 0, "GeoKit: resize to \(newHeight)x\(newWidth) needs positive sizes")
        if newHeight == height && newWidth == width { return self }
        let columns = ResampleTaps(input: width, output: newWidth)
        let rows = ResampleTaps(input: height, output: newHeight)
        let c = channels
        // Horizontal pass: height x newWidth x c floats.
        var horizontal = [Float](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                let dstBase = dst.baseAddress!
                Parallel.forEachChunk(height, grain: 16) { range in
                    for y in range {
                        for x in 0..<newWidth {
                            let (start, taps) = columns.taps(x)
                            for k in 0..<c {
                                var acc: Float = 0
                                for (t, w) in taps.enumerated() { acc += w * Float(src[(y * width + start + t) * c + k]) }
                                dstBase[(y * newWidth + x) * c + k] = acc
                            }
                        }
                    }
                }
            }
        }
        var out = Image(height: newHeight, width: newWidth, channels: c)
        horizontal.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                let dstBase = dst.baseAddress!
                Parallel.forEachChunk(newHeight, grain: 16) { range in
                    for y in range {
                        let (start, taps) = rows.taps(y)
                        for i in 0..<(newWidth * c) {
                            var acc: Float = 0
                            for (t, w) in taps.enumerated() { acc += w * src[(start + t) * newWidth * c + i] }
                            dstBase[y * newWidth * c + i] = UInt8(min(max(acc, 0), 255) + 0.5)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// The normalised filter weights of each output position along one axis.
struct ResampleTaps {
    private var starts: [Int] = []
    private var weights: [[Float]] = []

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        let support = max(scale, 1)
        for o in 0..<output {
            let centre = (Double(o) + 0.5) * scale
            let low = max(0, Int((centre - support).rounded(.down)))
            let high = min(input, Int((centre + support).rounded(.up)))
            var w: [Double] = []
            for i in low..<high { w.append(max(0, 1 - abs((Double(i) + 0.5 - centre) / support))) }
            let total = w.reduce(0, +)
            starts.append(low)
            weights.append(w.map { Float(total > 0 ? $0 / total : 0) })
        }
    }

    func taps(_ o: Int) -> (Int, [Float]) { (starts[o], weights[o]) }
}
