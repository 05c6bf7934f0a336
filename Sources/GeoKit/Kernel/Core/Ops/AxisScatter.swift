extension Tensor {
    /// The adjoint of picking positions along `axis` (max, min, top-k): `g`
    /// holds k picks per [outer, inner] slot, laid out as [outer, k, inner];
    /// pick (o, j, i) is added at position `positions[(o * k + j) * inner + i]`
    /// along `axis` of a zero tensor of shape `target`.
    static func scatterAlongAxis(_ g: Tensor, positions: [Int], axis: Int, into target: [Int]) -> Tensor {
        let layout = AxisLayout(target, axis: axis)
        let (n, inner) = (layout.n, layout.inner)
        let k = g.count / Swift.max(layout.outer * inner, 1)
        require(
            positions.count == g.count,
            "GeoKit: scatter along axis: \(positions.count) positions for a gradient of shape \(g.shape)")
        let gx = Tensor(zeros: target, dtype: g.dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let src = g.pointer(T.self), dst = gx.pointer(T.self)
            // Positions may repeat within a slot, so each outer block is one task.
            Parallel.forEachChunk(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(k * inner, 1))) { range in
                for o in range {
                    for j in 0..<k {
                        let pick = (o * k + j) * inner
                        for i in 0..<inner { dst[(o * n + positions[pick + i]) * inner + i] += src[pick + i] }
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
