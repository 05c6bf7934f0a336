extension Tensor {
    /// exp(x) / sum(exp(x)) along `axis` (torch.softmax), computed after
    /// subtracting the maximum so that large logits do not overflow.
    /// Backward: dx = y * (dy - sum(dy * y)).
    public func softmax(axis: Int) -> Tensor {
        Profiler.measure("softmax") {
            let a = normalizedAxis(axis, op: "softmax")
            let out = softmaxKernel(axis: a, logarithmic: false)
            return out.recorded("softmax", inputs: [self]) { [unowned out] g in
                [Tensor.softmaxBackward(g, output: out, axis: a, logarithmic: false)]
            }
        }
    }

    /// x - max - log(sum(exp(x - max))) along `axis` (torch.log_softmax),
    /// stable for any logits. Backward: dx = dy - softmax * sum(dy).
    public func logSoftmax(axis: Int) -> Tensor {
        Profiler.measure("log_softmax") {
            let a = normalizedAxis(axis, op: "logSoftmax")
            let out = softmaxKernel(axis: a, logarithmic: true)
            return out.recorded("log_softmax", inputs: [self]) { [unowned out] g in
                [Tensor.softmaxBackward(g, output: out, axis: a, logarithmic: true)]
            }
        }
    }

    /// Softmax or log-softmax over [outer, n, inner], one outer block at a
    /// time with per-inner running maxima and sums, so rows are read contiguously.
    private func softmaxKernel(axis: Int, logarithmic: Bool) -> Tensor {
        let layout = AxisLayout(shape, axis: axis)
        let (n, inner) = (layout.n, layout.inner)
        let out = Tensor(zeros: shape, dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), y = out.pointer(T.self)
            Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                let maxima = UnsafeMutablePointer<T>.allocate(capacity: inner)
                let sums = UnsafeMutablePointer<T>.allocate(capacity: inner)
                defer { maxima.deallocate(); sums.deallocate() }
                for o in range {
                    let src = x + o * n * inner, dst = y + o * n * inner
                    maxima.update(repeating: -T.infinity, count: inner)
                    sums.update(repeating: 0, count: inner)
                    // A NaN becomes the row's maximum, so that the whole row is NaN as in torch.
                    for j in 0..<n {
                        for i in 0..<inner {
                            let v = src[j * inner + i]
                            maxima[i] = v > maxima[i] || v.isNaN ? v : maxima[i]
                        }
                    }
                    for j in 0..<n {
                        for i in 0..<inner {
                            let e = T.exp(src[j * inner + i] - maxima[i])
                            sums[i] += e
                            dst[j * inner + i] = e
                        }
                    }
                    if logarithmic {
                        for i in 0..<inner { sums[i] = maxima[i] + T.log(sums[i]) }
                        for j in 0..<n {
                            for i in 0..<inner { dst[j * inner + i] = src[j * inner + i] - sums[i] }
                        }
                    } else {
                        for i in 0..<inner { sums[i] = 1 / sums[i] }
                        for j in 0..<n {
                            for i in 0..<inner { dst[j * inner + i] *= sums[i] }
                        }
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

    /// The input gradient of softmax (from y and dy) or of log-softmax (from log y and dy).
    private static func softmaxBackward(_ g: Tensor, output: Tensor, axis: Int, logarithmic: Bool) -> Tensor {
        let layout = AxisLayout(output.shape, axis: axis)
        let (n, inner) = (layout.n, layout.inner)
        let gx = Tensor(zeros: output.shape, dtype: output.dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let y = output.pointer(T.self), dy = g.pointer(T.self), dx = gx.pointer(T.self)
            Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                let sums = UnsafeMutablePointer<T>.allocate(capacity: inner)
                defer { sums.deallocate() }
                for o in range {
                    let base = o * n * inner
                    sums.update(repeating: 0, count: inner)
                    for j in 0..<n {
                        for i in 0..<inner {
                            let e = base + j * inner + i
                            sums[i] += logarithmic ? dy[e] : dy[e] * y[e]
                        }
                    }
                    for j in 0..<n {
                        for i in 0..<inner {
                            let e = base + j * inner + i
                            dx[e] = logarithmic ? dy[e] - T.exp(y[e]) * sums[i] : y[e] * (dy[e] - sums[i])
                        }
                    }
                }
            }
        }
        switch output.dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return gx
    }
}
