extension Tensor {
    /// Layer normalisation over the single axis `axis`, with a per-channel
    /// affine `weight` and `bias` of shape (C) where C = shape[axis]. Axis -1
    /// is torch.nn.functional.layer_norm over the last dimension (channels-last);
    /// axis 1 of an NCHW tensor is timm's LayerNorm2d (channels-first), without
    /// permuting the tensor.
    ///
    /// ```swift
    /// let y = tokens.layerNorm(axis: -1, weight: gamma, bias: beta)          // (N, L, C)
    /// let z = features.layerNorm(axis: 1, weight: gamma, bias: beta)         // (N, C, H, W)
    /// ```
    public func layerNorm(axis: Int, weight: Tensor?, bias: Tensor?, eps: Double = 1e-6) -> Tensor {
        Profiler.measure("layer_norm") {
            let a = Shape.axis(axis, rank: rank)
            let layout = NormLayout(outer: shape[..<a].reduce(1, *), channels: shape[a], inner: shape[(a + 1)...].reduce(1, *))
            for (role, t) in [("weight", weight), ("bias", bias)] {
                guard let t else { continue }
                require(
                    t.shape == [layout.channels] && t.dtype == dtype,
                    "GeoKit: layerNorm over axis \(axis) of \(shape) needs a \(dtype) \(role) of shape [\(layout.channels)], got \(t.dtype) \(t.shape)")
            }
            require(layout.channels > 0, "GeoKit: layerNorm over an empty axis \(axis) of \(shape)")
            let out = Tensor(zeros: shape, dtype: dtype)
            // Row 0: the mean of every normalised vector, row 1: its 1 / std.
            let statistics = Tensor(zeros: [2, layout.outer * layout.inner], dtype: dtype)
            func run<T: TensorScalar>(_: T.Type) {
                layerNormForward(
                    pointer(T.self), weight: weight?.pointer(T.self), bias: bias?.pointer(T.self), layout,
                    eps: T(eps), statistics: statistics.pointer(T.self), into: out.pointer(T.self))
            }
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            let inputs = [self] + [weight, bias].compactMap { $0 }
            return out.recorded("layer_norm", inputs: inputs) { gradient in
                let inputGradient = self.requiresGrad ? Tensor(zeros: self.shape, dtype: self.dtype) : nil
                let weightGradient = weight?.requiresGrad == true ? Tensor(zeros: [layout.channels], dtype: self.dtype) : nil
                let biasGradient = bias?.requiresGrad == true ? Tensor(zeros: [layout.channels], dtype: self.dtype) : nil
                func run<T: TensorScalar>(_: T.Type) {
                    let x = self.pointer(T.self), dy = gradient.pointer(T.self), stats = statistics.pointer(T.self)
                    if let inputGradient {
                        layerNormInputGradient(
                            dy, input: x, weight: weight?.pointer(T.self), layout, statistics: stats,
                            into: inputGradient.pointer(T.self))
                    }
                    if weightGradient != nil || biasGradient != nil {
                        layerNormAffineGradients(
                            dy, input: x, layout, statistics: stats,
                            weight: weightGradient?.pointer(T.self), bias: biasGradient?.pointer(T.self))
                    }
                }
                switch self.dtype {
                case .float32: run(Float.self);
                case .float64: run(Double.self)
                }
                return [inputGradient] + (weight == nil ? [] : [weightGradient]) + (bias == nil ? [] : [biasGradient])
            }
        }
    }
}

/// A tensor seen as (outer, channels, inner): every (outer, inner) position
/// holds one vector of `channels` values, `inner` apart in memory.
private struct NormLayout {
    let outer: Int, channels: Int, inner: Int
    var vectors: Int { outer * inner }
}

/// y = (x - mean) / sqrt(var + eps) * w + b per vector; stores mean and 1/std.
/// Channels-last vectors are contiguous rows; channels-first vectors are
/// processed a whole (channels x inner) slab at a time so the inner loops run
/// along contiguous memory.
private func layerNormForward<T: TensorScalar>(
    _ x: UnsafePointer<T>, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?,
    _ l: NormLayout, eps: T, statistics: UnsafeMutablePointer<T>,
    into y: UnsafeMutablePointer<T>
) {
    let means = statistics, invStds = statistics + l.vectors
    let count = T(l.channels)
    Parallel.forEachChunk(l.outer, grain: max(1, 16_384 / max(l.channels * l.inner, 1))) { range in
        for o in range {
            let src = x + o * l.channels * l.inner, dst = y + o * l.channels * l.inner
            let mean = means + o * l.inner, invStd = invStds + o * l.inner
            if l.inner == 1 {
                let m = vectorSum(src, count: l.channels) / count
                var squares: T = 0
                for c in 0..<l.channels { squares += (src[c] - m) * (src[c] - m) }
                let r = 1 / (squares / count + eps).squareRoot()
                mean[0] = m
                invStd[0] = r
                for c in 0..<l.channels {
                    dst[c] = (src[c] - m) * r * (weight?[c] ?? 1) + (bias?[c] ?? 0)
                }
                continue
            }
            mean.update(repeating: 0, count: l.inner)
            invStd.update(repeating: 0, count: l.inner)
            for c in 0..<l.channels {
                let row = src + c * l.inner
                for i in 0..<l.inner { mean[i] += row[i] }
            }
            for i in 0..<l.inner { mean[i] /= count }
            for c in 0..<l.channels {
                let row = src + c * l.inner
                for i in 0..<l.inner { invStd[i] += (row[i] - mean[i]) * (row[i] - mean[i]) }
            }
            for i in 0..<l.inner { invStd[i] = 1 / (invStd[i] / count + eps).squareRoot() }
            for c in 0..<l.channels {
                let row = src + c * l.inner, out = dst + c * l.inner
                let w = weight?[c] ?? 1, b = bias?[c] ?? 0
                for i in 0..<l.inner { out[i] = (row[i] - mean[i]) * invStd[i] * w + b }
            }
        }
    }
}

/// dx = invStd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w and
/// xhat the normalised input, means taken over each vector's channels.
private func layerNormInputGradient<T: TensorScalar>(
    _ dy: UnsafePointer<T>, input x: UnsafePointer<T>,
    weight: UnsafePointer<T>?, _ l: NormLayout,
    statistics: UnsafePointer<T>, into dx: UnsafeMutablePointer<T>
) {
    let means = statistics, invStds = statistics + l.vectors
    let count = T(l.channels)
    Parallel.forEachChunk(l.outer, grain: max(1, 16_384 / max(l.channels * l.inner, 1))) { range in
        // Per-position sums of g and g * xhat for one channels-first slab.
        let sums = UnsafeMutablePointer<T>.allocate(capacity: 2 * l.inner)
        defer { sums.deallocate() }
        let sumG = sums, sumGX = sums + l.inner
        for o in range {
            let offset = o * l.channels * l.inner
            let src = x + offset, g = dy + offset, dst = dx + offset
            let mean = means + o * l.inner, invStd = invStds + o * l.inner
            if l.inner == 1 {
                let m = mean[0], r = invStd[0]
                var totalG: T = 0, totalGX: T = 0
                for c in 0..<l.channels {
                    let gw = g[c] * (weight?[c] ?? 1)
                    totalG += gw
                    totalGX += gw * (src[c] - m)
                }
                let meanG = totalG / count, meanGX = totalGX * r / count
                for c in 0..<l.channels {
                    dst[c] = r * (g[c] * (weight?[c] ?? 1) - meanG - (src[c] - m) * r * meanGX)
                }
                continue
            }
            sumG.update(repeating: 0, count: 2 * l.inner)
            for c in 0..<l.channels {
                let w = weight?[c] ?? 1
                let row = src + c * l.inner, gRow = g + c * l.inner
                for i in 0..<l.inner {
                    let gw = gRow[i] * w
                    sumG[i] += gw
                    sumGX[i] += gw * (row[i] - mean[i]) * invStd[i]
                }
            }
            for i in 0..<l.inner {
                sumG[i] /= count
                sumGX[i] /= count
            }
            for c in 0..<l.channels {
                let w = weight?[c] ?? 1
                let row = src + c * l.inner, gRow = g + c * l.inner, out = dst + c * l.inner
                for i in 0..<l.inner {
                    let xhat = (row[i] - mean[i]) * invStd[i]
                    out[i] = invStd[i] * (gRow[i] * w - sumG[i] - xhat * sumGX[i])
                }
            }
        }
    }
}

/// dweight[c] = sum of dy * xhat and dbias[c] = sum of dy over every vector;
/// each task owns a range of channels and walks all vectors.
private func layerNormAffineGradients<T: TensorScalar>(
    _ dy: UnsafePointer<T>, input x: UnsafePointer<T>, _ l: NormLayout,
    statistics: UnsafePointer<T>,
    weight dw: UnsafeMutablePointer<T>?, bias db: UnsafeMutablePointer<T>?
) {
    let means = statistics, invStds = statistics + l.vectors
    Parallel.forEachChunk(l.channels, grain: max(1, 16_384 / max(l.vectors, 1))) { range in
        for o in 0..<l.outer {
            let offset = o * l.channels * l.inner
            let mean = means + o * l.inner, invStd = invStds + o * l.inner
            if l.inner == 1 {
                let m = mean[0], r = invStd[0]
                for c in range {
                    let g = dy[offset + c]
                    db?[c] += g
                    dw?[c] += g * (x[offset + c] - m) * r
                }
                continue
            }
            for c in range {
                let row = x + offset + c * l.inner, gRow = dy + offset + c * l.inner
                if let db { db[c] += vectorSum(gRow, count: l.inner) }
                if let dw {
                    var s: T = 0
                    for i in 0..<l.inner { s += gRow[i] * (row[i] - mean[i]) * invStd[i] }
                    dw[c] += s
                }
            }
        }
    }
}
