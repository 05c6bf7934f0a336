extension Tensor {
    /// The k largest (or smallest) values along `axis`, sorted best first,
    /// and their positions along that axis (torch.topk). Equal values keep
    /// their order (lower position first); NaN ranks above every number.
    /// `indices` follows the values in row-major order. Only the values are
    /// differentiable: each passes its gradient back to its position.
    public func topK(_ k: Int, axis: Int = -1, largest: Bool = true) -> (values: Tensor, indices: [Int]) {
        let a = normalizedAxis(axis, op: "topK")
        let layout = AxisLayout(shape, axis: a)
        let (n, inner) = (layout.n, layout.inner)
        require(k >= 0 && k <= n, "GeoKit: topK: k = \(k) is outside 0...\(n) on axis \(axis) of shape \(shape)")
        var outShape = shape
        outShape[a] = k
        let values = Tensor(zeros: outShape, dtype: dtype)
        var indices = [Int](repeating: 0, count: values.count)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), y = values.pointer(T.self)
            indices.withUnsafeMutableBufferPointer { picked in
                Parallel.forEachChunk(layout.outer * inner, grain: Swift.max(1, 16_384 / Swift.max(n, 1))) { columns in
                    var best: [Int] = []
                    for column in columns {
                        let o = column / inner, i = column % inner
                        let source = x + o * n * inner + i
                        selectBest(k, of: source, count: n, stride: inner, largest: largest, into: &best)
                        for (j, p) in best.enumerated() {
                            let slot = (o * k + j) * inner + i
                            y[slot] = source[p * inner]
                            picked[slot] = p
                        }
                    }
                }
            }
        }
        if k > 0 {
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
        }
        let inputShape = shape
        let result = values.recorded("topk", inputs: [self]) { [indices] g in
            [Tensor.scatterAlongAxis(g, positions: indices, axis: a, into: inputShape)]
        }
        return (result, indices)
    }
}

/// The positions of the k best of `count` values read `stride` apart,
/// best first, into `best`. A heap of the k best so far (the worst of
/// them at its root) keeps the cost at count * log k.
private func selectBest<T: TensorScalar>(
    _ k: Int, of values: UnsafeMutablePointer<T>, count: Int, stride: Int, largest: Bool, into best: inout [Int]
) {
    /// Whether position p ranks before position q: a total order, so the result is deterministic.
    func before(_ p: Int, _ q: Int) -> Bool {
        let a = values[p * stride], b = values[q * stride]
        if a.isNaN || b.isNaN {
            if a.isNaN && b.isNaN { return p < q }
            return largest ? a.isNaN : b.isNaN
        }
        if a != b { return largest ? a > b : a < b }
        return p < q
    }
    best.removeAll(keepingCapacity: true)
    for p in 0..<count {
        if best.count < k {
            best.append(p)
            var child = best.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard before(best[parent], best[child]) else { break }
                best.swapAt(parent, child)
                child = parent
            }
        } else if before(p, best[0]) {
            best[0] = p
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var worst = parent
                if left < k && before(best[worst], best[left]) { worst = left }
                if right < k && before(best[worst], best[right]) { worst = right }
                if worst == parent { break }
                best.swapAt(parent, worst)
                parent = worst
            }
        }
    }
    best.sort(by: before)
}
