extension Tensor {
    /// The tensors joined along an existing axis (torch.cat). All must share
    /// dtype, rank and every other dimension; the backward hands each input
    /// its slice of the gradient.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        Profiler.measure("concat") {
            require(!tensors.isEmpty, "GeoKit: concat: needs at least one tensor")
            let first = tensors[0]
            let a = first.normalizedAxis(axis, op: "concat")
            for t in tensors {
                require(t.dtype == first.dtype, "GeoKit: concat: mixes \(first.dtype) and \(t.dtype) tensors; convert with .to(_:)")
                var expected = first.shape, actual = t.shape
                if t.rank == first.rank { expected[a] = 0; actual[a] = 0 }
                require(
                    expected == actual,
                    "GeoKit: concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
            }
            var outShape = first.shape
            outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
            let out = Tensor(zeros: outShape, dtype: first.dtype)
            let outLayout = AxisLayout(outShape, axis: a)
            var offsets: [Int] = []
            var offset = 0
            for t in tensors {
                offsets.append(offset)
                copyBlocks(from: t, into: out, at: offset, layout: outLayout)
                offset += t.shape[a]
            }
            return out.recorded("concat", inputs: tensors) { g in
                zip(tensors, offsets).map { t, start in
                    t.requiresGrad ? g.sliced(axis: a, start..<(start + t.shape[a])) : nil
                }
            }
        }
    }

    /// The tensors joined along a new axis (torch.stack): equal shapes S
    /// become shape S with `tensors.count` inserted at `axis` (0...rank).
    public static func stack(_ tensors: [Tensor], axis: Int) -> Tensor {
        require(!tensors.isEmpty, "GeoKit: stack: needs at least one tensor")
        let shape = tensors[0].shape
        require(tensors.allSatisfy { $0.shape == shape }, "GeoKit: stack: shapes \(tensors.map(\.shape)) are not all equal")
        let a = tensors[0].normalizedAxis(axis, op: "stack", rank: shape.count + 1)
        var unsqueezed = shape
        unsqueezed.insert(1, at: a)
        return concat(tensors.map { $0.reshaped(unsqueezed) }, axis: a)
    }

    /// Copies `part` (viewed as [outer, m, inner]) into `out` (viewed as
    /// [outer, n, inner]) at positions offset..<offset+m of the middle axis.
    private static func copyBlocks(from part: Tensor, into out: Tensor, at offset: Int, layout: AxisLayout) {
        let run = part.count / Swift.max(layout.outer, 1)
        guard run > 0 else { return }
        func copy<T: TensorScalar>(_: T.Type) {
            let src = part.pointer(T.self), dst = out.pointer(T.self)
            Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / run)) { range in
                for o in range {
                    (dst + (o * layout.n + offset) * layout.inner).update(from: src + o * run, count: run)
                }
            }
        }
        switch out.dtype {
        case .float32: copy(Float.self);
        case .float64: copy(Double.self)
        }
    }
}
