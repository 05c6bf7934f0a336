import GeoKitCore

extension Communicator {
    /// Every rank's rows of `tensor` (N_r, ...) stacked in rank order, as a
    /// differentiable op, so that the loss of the whole global batch can be
    /// computed on every rank. Its backward sums the incoming gradient over
    /// the ranks and returns this rank's rows of the sum (as
    /// torch.distributed.nn's all_gather): when every rank computes the same
    /// loss L of the gathered rows, each rank's parameters receive
    /// size x dL/d(own rows), which the trainer's gradient average turns into
    /// the one-process gradient, while the loss's own parameters (whose
    /// gradient every rank computes whole) keep theirs.
    public func differentiableAllGather(_ tensor: Tensor) -> Tensor {
        guard usesMPI, size > 1 else { return tensor }
        let (gathered, firstRows) = allGatherCountingRows(tensor.detached())
        let first = firstRows[rank], shape = tensor.shape, dtype = tensor.dtype
        return gathered.recorded("allGather", inputs: [tensor]) { [self] gradient in
            let summed = gradient.copy()
            allReduceSum(summed)
            let own = Tensor(zeros: shape, dtype: dtype), rowSize = shape.dropFirst().reduce(1, *), n = own.count
            switch dtype {
            case .float32: own.pointer(Float.self).update(from: summed.pointer(Float.self) + first * rowSize, count: n)
            case .float64: own.pointer(Double.self).update(from: summed.pointer(Double.self) + first * rowSize, count: n)
            }
            return [own]
        }
    }

    /// The sum of `tensor` over the ranks, as a differentiable op: its
    /// backward sums the incoming gradient over the ranks too, since every
    /// rank's loss depends on every rank's input through the sum
    /// (synchronised BatchNorm's statistics).
    public func differentiableAllReduceSum(_ tensor: Tensor) -> Tensor {
        guard usesMPI, size > 1 else { return tensor }
        let sum = tensor.detached().copy()
        allReduceSum(sum)
        return sum.recorded("allReduceSum", inputs: [tensor]) { [self] gradient in
            let summed = gradient.copy()
            allReduceSum(summed)
            return [summed]
        }
    }
}
