/// Gathering through one index map per axis:
/// `out[c0, c1, ...] = x[m0[c0], m1[c1], ...]`, where a nil map is the
/// identity and a source index of -1 writes a fill value instead. Slicing,
/// index selection, padding, rolling and flipping are this one gather with
/// different maps; their backwards scatter-add through the same maps.
///
/// The loops view both tensors as [outer, mid axes..., last mapped axis,
/// inner]: leading and trailing identity axes collapse into `outer` and
/// `inner`, the mid coordinates are decomposed once per row, and each row
/// moves whole `inner` runs.
struct AxisGather {
    let inputShape: [Int]
    let outputShape: [Int]
    private let outer: Int
    private let inner: Int
    /// Maps of the axes from the first to the last mapped one (identity maps made explicit).
    private let maps: [[Int]]
    /// Input strides (in elements) of those axes.
    private let inputStrides: [Int]
    private let inputBlock: Int
    private let outputBlock: Int

    /// `maps[a]` lists, for each output coordinate along axis a, the input
    /// coordinate it reads (-1 for fill); nil keeps the axis as it is.
    init(inputShape: [Int], maps axisMaps: [[Int]?]) {
        require(
            axisMaps.count == inputShape.count,
            "GeoKit: gather: \(axisMaps.count) axis maps for a tensor of shape \(inputShape)")
        self.inputShape = inputShape
        outputShape = zip(inputShape, axisMaps).map { n, map in map?.count ?? n }
        let mapped = axisMaps.indices.filter { axisMaps[$0] != nil }
        let first = mapped.first ?? inputShape.count, last = mapped.last ?? inputShape.count - 1
        outer = inputShape[..<first].reduce(1, *)
        inner = inputShape[(last + 1)...].reduce(1, *)
        let strides = Shape.strides(inputShape)
        maps = (first..<(last + 1)).map { a in axisMaps[a] ?? Array(0..<inputShape[a]) }
        inputStrides = Array(strides[first..<(last + 1)])
        inputBlock = inputShape[first...].reduce(1, *)
        outputBlock = outputShape[first...].reduce(1, *)
    }

    /// The gathered tensor (no history).
    func apply(_ x: Tensor, fill: Double = 0) -> Tensor {
        Profiler.measure("axis_gather") {
            let out = Tensor(zeros: outputShape, dtype: x.dtype)
            func run<T: TensorScalar>(_: T.Type) {
                let src = x.pointer(T.self), dst = out.pointer(T.self), fillValue = T(fill)
                let rowsPerBlock = rowCount, rowLength = (maps.last?.count ?? 1) * inner
                Parallel.forEachChunk(outer * rowsPerBlock, grain: max(1, 16_384 / max(rowLength, 1))) { range in
                    for unit in range {
                        let o = unit / rowsPerBlock, row = unit % rowsPerBlock
                        let target = dst + o * outputBlock + row * rowLength
                        guard let base = rowSource(row) else {
                            target.update(repeating: fillValue, count: rowLength)
                            continue
                        }
                        let input = src + o * inputBlock + base
                        forEachRun { j, s in
                            if s < 0 {
                                (target + j * inner).update(repeating: fillValue, count: inner)
                            } else {
                                (target + j * inner).update(from: input + s * inner, count: inner)
                            }
                        }
                    }
                }
            }
            switch x.dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return out
        }
    }

    /// The adjoint of `apply`: `g` (of the output shape) summed back into a
    /// zero tensor of the input shape; fill positions contribute nothing.
    func scatterAdd(_ g: Tensor) -> Tensor {
        require(g.shape == outputShape, "GeoKit: gather backward: gradient \(g.shape) for an output of shape \(outputShape)")
        let gx = Tensor(zeros: inputShape, dtype: g.dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let src = g.pointer(T.self), dst = gx.pointer(T.self)
            let rowsPerBlock = rowCount, rowLength = (maps.last?.count ?? 1) * inner
            // Maps need not be injective, so only whole outer blocks run in parallel.
            Parallel.forEachChunk(outer, grain: max(1, 16_384 / max(outputBlock, 1))) { range in
                for o in range {
                    for row in 0..<rowsPerBlock {
                        guard let base = rowSource(row) else { continue }
                        let grad = src + o * outputBlock + row * rowLength
                        let input = dst + o * inputBlock + base
                        forEachRun { j, s in
                            guard s >= 0 else { return }
                            let from = grad + j * inner, into = input + s * inner
                            for i in 0..<inner { into[i] += from[i] }
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

    /// Rows per outer block: the product of the output sizes of the mid axes.
    private var rowCount: Int { maps.dropLast().reduce(1) { $0 * $1.count } }

    /// The input offset (within a block) that a row of mid coordinates reads,
    /// or nil when one of them is a fill coordinate.
    @inline(__always)
    private func rowSource(_ row: Int) -> Int? {
        var rem = row, offset = 0
        for a in stride(from: maps.count - 2, through: 0, by: -1) {
            let c = rem % maps[a].count
            rem /= maps[a].count
            let s = maps[a][c]
            if s < 0 { return nil }
            offset += s * inputStrides[a]
        }
        return offset
    }

    /// Calls `body(j, s)` for each output coordinate j of the last mapped
    /// axis and the input coordinate s it reads (s is in units of `inner`).
    @inline(__always)
    private func forEachRun(_ body: (Int, Int) -> Void) {
        guard let last = maps.last else {
            body(0, 0)
            return
        }
        for (j, s) in last.enumerated() { body(j, s) }
    }
}
