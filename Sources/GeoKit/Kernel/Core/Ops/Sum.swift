extension Tensor {
    /// Sum over `axes` (all axes when empty), keeping them as size 1 when `keepDims`.
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        Profiler.measure("sum") {
            let normalized = axes.isEmpty ? Array(0..<rank) : Set(axes.map { Shape.axis($0, rank: rank) }).sorted()
            var reducedShape = shape
            if normalized == [2, 3], isChannelsLast {
                reducedShape[2] = 1
                reducedShape[3] = 1
                let finalShape = keepDims ? reducedShape : [shape[0], shape[1]]
                let inputShape = shape
                return planeSumOfChannelsLast().reshapedStorage(finalShape).recorded("sum", inputs: [self]) { g in
                    [g.reshaped(reducedShape).expanded(to: inputShape)]
                }
            }
            var out = self
            // One axis at a time, highest first, each as [outer, n, inner] -> [outer, inner].
            noGrad {
                for axis in normalized.reversed() {
                    out = out.sumKeepingAxis(axis)
                    reducedShape[axis] = 1
                }
            }
            if normalized.isEmpty { out = copy() }
            let finalShape = keepDims ? reducedShape : shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
            let result = out.reshapedStorage(finalShape)
            let inputShape = shape
            return result.recorded("sum", inputs: [self]) { g in [g.reshaped(reducedShape).expanded(to: inputShape)] }
        }
    }

    /// Mean over `axes` (all axes when empty).
    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        Profiler.measure("mean") {
            let normalized = axes.isEmpty ? Array(0..<rank) : Set(axes.map { Shape.axis($0, rank: rank) }).sorted()
            let n = normalized.reduce(1) { $0 * shape[$1] }
            return sum(axes: normalized, keepDims: keepDims) * (1 / Double(Swift.max(n, 1)))
        }
    }

    /// The (N, C, 1, 1) sums over the image plane of a channels-last (N, C, H, W) tensor
    /// (global pooling, squeeze-excitation), read in the order it is stored.
    private func planeSumOfChannelsLast() -> Tensor {
        let (batch, channels, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let out = Tensor(zeros: [batch, channels, 1, 1])
        let x = channelsLastFloats, y = out.pointer(Float.self)
        Parallel.forEachChunk(batch, grain: 1) { images in
            for n in images {
                let sums = y + n * channels
                for pixel in 0..<plane {
                    let row = x + (n * plane + pixel) * channels
                    for c in 0..<channels { sums[c] += row[c] }
                }
            }
        }
        return out
    }

    private func sumKeepingAxis(_ axis: Int) -> Tensor {
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(zeros: outShape, dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = readPointer(T.self), y = out.pointer(T.self)
            Parallel.forEachChunk(outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { r in
                for o in r {
                    let dst = y + o * inner
                    for j in 0..<n {
                        let src = x + (o * n + j) * inner
                        for i in 0..<inner { dst[i] += src[i] }
                    }
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out
    }
}
