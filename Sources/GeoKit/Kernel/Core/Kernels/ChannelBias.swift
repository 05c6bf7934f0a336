// A per-channel bias over (batch, channels, plane) tensors and its gradient,
// shared by the convolution paths.

/// output[n, c, :] += bias[c].
func addChannelBias<T: TensorScalar>(
    _ bias: UnsafePointer<T>, batch: Int, channels: Int, plane: Int,
    to output: UnsafeMutablePointer<T>
) {
    Parallel.forEachChunk(batch * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
        for task in range {
            let b = bias[task % channels], row = output + task * plane
            for i in 0..<plane { row[i] += b }
        }
    }
}

/// sums[c] = sum over n and the plane of values[n, c, :] (the bias gradient).
func sumPerChannel<T: TensorScalar>(
    _ values: UnsafePointer<T>, batch: Int, channels: Int, plane: Int,
    into sums: UnsafeMutablePointer<T>
) {
    Parallel.forEachChunk(channels, grain: max(1, 16_384 / max(batch * plane, 1))) { range in
        for c in range {
            var total: T = 0
            for n in 0..<batch { total += vectorSum(values + (n * channels + c) * plane, count: plane) }
            sums[c] = total
        }
    }
}
