import GeoKitCore

/// Averages the parameters' gradients over the ranks before an optimiser
/// step, in buckets: the gradients are copied into flat buffers of about
/// `bucketBytes` (one dtype each), each buffer is all-reduced in place, and
/// the mean is copied back, so a model of many small tensors costs a few
/// large collectives instead of one per tensor.
///
/// A parameter with a gradient on some rank but not on another (a branch
/// one rank's data did not reach) gets zeros where it had none; one with
/// no gradient anywhere keeps none, so the optimiser skips it as it would
/// in one process.
struct GradientAverager {
    let communicator: Communicator
    let parameters: [Tensor]
    /// PyTorch DDP's default bucket is 25 MiB; smaller buckets gain nothing
    /// here, where a collective starts only after the whole backward.
    static let bucketBytes = 25 << 20

    func average() {
        let size = communicator.size
        guard size > 1 else { return }
        let presence = Tensor(zeros: [parameters.count], dtype: .float64)
        for (i, p) in parameters.enumerated() where p.grad != nil { presence.pointer(Double.self)[i] = 1 }
        communicator.allReduceSum(presence)
        let present = presence.scalars(as: Double.self)
        var bucket: [Tensor] = [], bytes = 0
        for (i, p) in parameters.enumerated() where present[i] > 0 {
            if p.grad == nil { p.grad = Tensor(zeros: p.shape, dtype: p.dtype) }
            if let first = bucket.first, first.dtype != p.dtype || bytes + p.count * p.dtype.byteSize > Self.bucketBytes {
                reduce(bucket)
                (bucket, bytes) = ([], 0)
            }
            bucket.append(p)
            bytes += p.count * p.dtype.byteSize
        }
        if !bucket.isEmpty { reduce(bucket) }
    }

    /// All-reduces the gradients of `bucket` (one dtype) as one buffer and leaves their mean in place.
    private func reduce(_ bucket: [Tensor]) {
        let dtype = bucket[0].dtype, total = bucket.reduce(0) { $0 + $1.count }
        let flat = Tensor(zeros: [total], dtype: dtype)
        switch dtype {
        case .float32: reduce(bucket, flat.pointer(Float.self), total: total)
        case .float64: reduce(bucket, flat.pointer(Double.self), total: total)
        }
    }

    private func reduce<T: TensorScalar>(_ bucket: [Tensor], _ flat: UnsafeMutablePointer<T>, total: Int) {
        var offset = 0
        for p in bucket {
            (flat + offset).update(from: p.grad!.pointer(T.self), count: p.count)
            offset += p.count
        }
        communicator.allReduceSum(UnsafeMutableRawPointer(flat), count: total, dtype: T.dtype)
        let scale = 1 / T(communicator.size)
        offset = 0
        for p in bucket {
            // A fresh tensor, not the old gradient's storage: a gradient may share storage with another tensor.
            let mean = Tensor(zeros: p.shape, dtype: p.dtype), out = mean.pointer(T.self)
            for j in 0..<p.count { out[j] = flat[offset + j] * scale }
            p.grad = mean
            offset += p.count
        }
    }
}
