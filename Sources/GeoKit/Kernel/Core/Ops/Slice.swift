extension Tensor {
    /// The positions `range` along `axis` (torch.narrow), as a copy. The
    /// backward writes the gradient into those positions of a zero tensor.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        Profiler.measure("slice") {
            let a = normalizedAxis(axis, op: "sliced")
            require(
                range.lowerBound >= 0 && range.upperBound <= shape[a],
                "GeoKit: sliced: range \(range) is outside 0..<\(shape[a]) on axis \(axis) of shape \(shape)")
            return gathered(axis: a, Array(range), name: "slice")
        }
    }

    /// The positions `indices` along `axis`, in that order (torch.index_select).
    /// Indices may repeat; the backward then sums their gradients.
    public func indexSelect(_ indices: [Int], axis: Int) -> Tensor {
        Profiler.measure("index_select") {
            let a = normalizedAxis(axis, op: "indexSelect")
            let valid = 0..<shape[a]
            require(
                indices.allSatisfy(valid.contains),
                "GeoKit: indexSelect: index \(indices.first { !valid.contains($0) }!) is outside \(valid) on axis \(axis) of shape \(shape)")
            return gathered(axis: a, indices, name: "index_select")
        }
    }

    /// The main diagonal of a 2-D tensor (torch.diagonal): (N, M) -> (min(N, M)).
    public func diagonal() -> Tensor {
        Profiler.measure("diagonal") {
            require(rank == 2, "GeoKit: diagonal: needs a 2-D tensor, got shape \(shape)")
            let (n, columns) = (Swift.min(shape[0], shape[1]), shape[1])
            let out = Tensor(zeros: [n], dtype: dtype)
            func run<T: TensorScalar>(_: T.Type) {
                let x = pointer(T.self), y = out.pointer(T.self)
                for i in 0..<n { y[i] = x[i * (columns + 1)] }
            }
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            let inputShape = shape
            return out.recorded("diagonal", inputs: [self]) { g in
                let gx = Tensor(zeros: inputShape, dtype: g.dtype)
                func scatter<T: TensorScalar>(_: T.Type) {
                    let src = g.pointer(T.self), dst = gx.pointer(T.self)
                    for i in 0..<n { dst[i * (columns + 1)] = src[i] }
                }
                switch g.dtype {
                case .float32: scatter(Float.self);
                case .float64: scatter(Double.self)
                }
                return [gx]
            }
        }
    }

    /// Selection of `indices` along one axis through `AxisGather`, differentiable.
    private func gathered(axis: Int, _ indices: [Int], name: String) -> Tensor {
        var maps = [[Int]?](repeating: nil, count: rank)
        maps[axis] = indices
        let gather = AxisGather(inputShape: shape, maps: maps)
        return gather.apply(self).recorded(name, inputs: [self]) { g in [gather.scatterAdd(g)] }
    }
}
