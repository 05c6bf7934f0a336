extension Tensor {
    /// The largest value along `axis` (the values of torch.max(x, dim)). On
    /// ties the first maximal element wins and alone receives the gradient;
    /// a NaN counts as the largest value, as in torch.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        Profiler.measure("max") {
            extreme(axis: axis, keepDims: keepDims, largest: true, op: "max")
        }
    }

    /// The smallest value along `axis` (the values of torch.min(x, dim)), with
    /// the gradient going to the first minimal element.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor {
        Profiler.measure("min") {
            extreme(axis: axis, keepDims: keepDims, largest: false, op: "min")
        }
    }

    /// The position along `axis` of the first largest value (torch.argmax),
    /// one per position of the remaining axes, in row-major order.
    public func argmax(axis: Int) -> [Int] {
        Profiler.measure("argmax") {
            let a = normalizedAxis(axis, op: "argmax")
            return extremeKernel(axis: a, largest: true, op: "argmax").indices
        }
    }

    /// The largest element, shape [] (torch.max(x)). As in torch, the gradient
    /// is shared equally by all elements equal to the maximum.
    public func max() -> Tensor {
        Profiler.measure("max_all") {
            require(count > 0, "GeoKit: max: the tensor of shape \(shape) is empty")
            let values = reshapedStorage([count]).extremeKernel(axis: 0, largest: true, op: "max").values
            let out = values.reshapedStorage([])
            return out.recorded("max_all", inputs: [self]) { [unowned out] g in
                let gx = Tensor(zeros: self.shape, dtype: self.dtype)
                func run<T: TensorScalar>(_: T.Type) {
                    let x = self.pointer(T.self), dst = gx.pointer(T.self), m = out.pointer(T.self)[0]
                    let isMaximum = { (v: T) in v == m || (v.isNaN && m.isNaN) }
                    var ties = 0
                    for i in 0..<self.count where isMaximum(x[i]) { ties += 1 }
                    let share = g.pointer(T.self)[0] / T(ties)
                    for i in 0..<self.count where isMaximum(x[i]) { dst[i] = share }
                }
                switch self.dtype {
                case .float32: run(Float.self);
                case .float64: run(Double.self)
                }
                return [gx]
            }
        }
    }

    private func extreme(axis: Int, keepDims: Bool, largest: Bool, op: String) -> Tensor {
        let a = normalizedAxis(axis, op: op)
        let (values, indices) = extremeKernel(axis: a, largest: largest, op: op)
        let out = values.reshapedStorage(shapeReducing(a, keepDims: keepDims))
        let inputShape = shape
        return out.recorded(op, inputs: [self]) { g in
            [Tensor.scatterAlongAxis(g, positions: indices, axis: a, into: inputShape)]
        }
    }

    /// Values (as [outer, inner]) and first positions of the extreme along `axis`.
    private func extremeKernel(axis: Int, largest: Bool, op: String) -> (values: Tensor, indices: [Int]) {
        let layout = AxisLayout(shape, axis: axis)
        require(layout.n > 0, "GeoKit: \(op): axis \(axis) of shape \(shape) is empty")
        let (outer, n, inner) = (layout.outer, layout.n, layout.inner)
        let values = Tensor(zeros: [outer * inner], dtype: dtype)
        var indices = [Int](repeating: 0, count: outer * inner)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), best = values.pointer(T.self)
            indices.withUnsafeMutableBufferPointer { position in
                Parallel.forEachChunk(outer, grain: Swift.max(1, 16_384 / Swift.max(n * inner, 1))) { range in
                    for o in range {
                        let block = x + o * n * inner, value = best + o * inner, index = position.baseAddress! + o * inner
                        value.update(from: block, count: inner)
                        for j in 1..<n {
                            let row = block + j * inner
                            for i in 0..<inner {
                                let v = row[i], current = value[i]
                                let better = largest ? v > current : v < current
                                if better || (v.isNaN && !current.isNaN) {
                                    value[i] = v
                                    index[i] = j
                                }
                            }
                        }
                    }
                }
            }
        }
        if outer * inner > 0 {
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
        }
        return (values, indices)
    }
}
