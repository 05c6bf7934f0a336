extension Tensor {
    /// x / max(‖x‖₂, eps) along `axis` (torch.nn.functional.normalize with
    /// p = 2). At or below eps the denominator is the constant eps, so an
    /// all-zero row maps to zeros with gradient dy / eps rather than NaN;
    /// above it, dx = (dy - y * Σ(dy * y)) / ‖x‖. A NaN in a vector makes
    /// the whole vector NaN, as in torch.
    public func l2Normalized(axis: Int = 1, eps: Double = 1e-12) -> Tensor {
        Profiler.measure("l2_normalize") {
            let a = normalizedAxis(axis, op: "l2Normalized")
            require(eps >= 0, "GeoKit: l2Normalized: eps \(eps) is negative")
            let layout = AxisLayout(shape, axis: a)
            let (n, inner) = (layout.n, layout.inner)
            let out = Tensor(zeros: shape, dtype: dtype)
            let norms = Tensor(zeros: [layout.outer * inner], dtype: dtype)
            func run<T: TensorScalar>(_: T.Type) {
                let x = pointer(T.self), y = out.pointer(T.self), norm = norms.pointer(T.self), floor = T(eps)
                Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                    for o in range {
                        let src = x + o * n * inner, dst = y + o * n * inner, blockNorm = norm + o * inner
                        for j in 0..<n {
                            for i in 0..<inner { blockNorm[i] += src[j * inner + i] * src[j * inner + i] }
                        }
                        for i in 0..<inner { blockNorm[i] = blockNorm[i].squareRoot() }
                        for j in 0..<n {
                            for i in 0..<inner { dst[j * inner + i] = src[j * inner + i] / clampedNorm(blockNorm[i], floor) }
                        }
                    }
                }
            }
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return out.recorded("l2_normalize", inputs: [self]) { [unowned out] g in
                let gx = Tensor(zeros: out.shape, dtype: out.dtype)
                func backward<T: TensorScalar>(_: T.Type) {
                    let y = out.pointer(T.self), dy = g.pointer(T.self), dx = gx.pointer(T.self)
                    let norm = norms.pointer(T.self), floor = T(eps)
                    Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                        let dots = UnsafeMutablePointer<T>.allocate(capacity: inner)
                        defer { dots.deallocate() }
                        for o in range {
                            let base = o * n * inner, blockNorm = norm + o * inner
                            dots.update(repeating: 0, count: inner)
                            for j in 0..<n {
                                for i in 0..<inner { dots[i] += dy[base + j * inner + i] * y[base + j * inner + i] }
                            }
                            // Where the norm was clamped to eps (or equals it: torch's clamp_min passes no gradient at
                            // the bound), the denominator is a constant.
                            for i in 0..<inner where blockNorm[i] <= floor { dots[i] = 0 }
                            for j in 0..<n {
                                for i in 0..<inner {
                                    let e = base + j * inner + i
                                    dx[e] = (dy[e] - y[e] * dots[i]) / clampedNorm(blockNorm[i], floor)
                                }
                            }
                        }
                    }
                }
                switch out.dtype {
                case .float32: backward(Float.self);
                case .float64: backward(Double.self)
                }
                return [gx]
            }
        }
    }
}

/// max(norm, eps) that keeps a NaN norm (a NaN in the vector) NaN, as torch's clamp_min does.
@inline(__always)
private func clampedNorm<T: TensorScalar>(_ norm: T, _ floor: T) -> T { norm < floor ? floor : norm }
