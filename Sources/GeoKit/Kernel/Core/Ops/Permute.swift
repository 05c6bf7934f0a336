extension Tensor {
    /// The axes reordered so that output axis i is input axis `axes[i]`
    /// (torch.permute). Tensors here are always contiguous, so this copies;
    /// the backward permutes the gradient by the inverse order.
    public func permuted(_ axes: [Int]) -> Tensor {
        Profiler.measure("permute") {
            require(axes.count == rank, "GeoKit: permuted: \(axes.count) axes \(axes) for a tensor of shape \(shape)")
            let order = axes.map { normalizedAxis($0, op: "permuted") }
            require(Set(order).count == rank, "GeoKit: permuted: axes \(axes) repeat an axis of shape \(shape)")
            let out: Tensor
            if let copied = layoutPermuted(order) {
                out = copied
            } else {
                out = Tensor(zeros: order.map { shape[$0] }, dtype: dtype)
                let strides = Shape.strides(shape)
                permuteKernel(into: out, readStrides: order.map { strides[$0] })
            }
            var inverse = [Int](repeating: 0, count: rank)
            for (i, a) in order.enumerated() { inverse[a] = i }
            return out.recorded("permute", inputs: [self]) { g in [g.permuted(inverse)] }
        }
    }

    /// The two permutes between NCHW and NHWC as a copy of the memory, where the values already
    /// sit in the target order: (N, C, H, W) -> (N, H, W, C) of a channels-last tensor is its
    /// channels-last buffer read as plain, and (N, H, W, C) -> (N, C, H, W) of a plain float32
    /// tensor is the result's channels-last buffer (ConvNeXt's blocks do both). Nil otherwise.
    private func layoutPermuted(_ order: [Int]) -> Tensor? {
        guard dtype == .float32, rank == 4 else { return nil }
        if order == [0, 2, 3, 1], isChannelsLast {
            let out = Tensor(zeros: [shape[0], shape[2], shape[3], shape[1]])
            out.pointer(Float.self).update(from: channelsLastFloats, count: count)
            return out
        }
        if order == [0, 3, 1, 2], OneDNN.isEnabled, !isChannelsLast {
            let sizes = [shape[0], shape[3], shape[1], shape[2]]
            let out = Tensor(shape: sizes, dtype: .float32, storage: Storage(channelsLast: sizes))
            out.storage.channelsLastOutput.update(from: readPointer(Float.self), count: count)
            return out
        }
        return nil
    }

    /// Axes `a` and `b` swapped (torch.transpose); a copy, like `permuted`.
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(a, op: "transposed"), normalizedAxis(b, op: "transposed"))
        return permuted(order)
    }

    /// out[c] = self[sum c_i * readStrides[i]]: one coordinate decomposition
    /// per output row, then a strided walk along the row.
    private func permuteKernel(into out: Tensor, readStrides: [Int]) {
        let outShape = out.shape
        let length = outShape.last ?? 1, step = readStrides.last ?? 0
        let rows = length == 0 ? 0 : count / length
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), y = out.pointer(T.self)
            Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(length, 1))) { range in
                for row in range {
                    var rem = row, offset = 0
                    for axis in stride(from: outShape.count - 2, through: 0, by: -1) {
                        offset += (rem % outShape[axis]) * readStrides[axis]
                        rem /= outShape[axis]
                    }
                    let dst = y + row * length
                    for j in 0..<length { dst[j] = x[offset + j * step] }
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
    }
}
