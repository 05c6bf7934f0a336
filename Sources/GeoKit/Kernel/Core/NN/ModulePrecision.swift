extension Module {
    /// Converts every parameter and floating-point buffer to `dtype` in
    /// place, so the layers keep their references. Modules are built in
    /// float32; a finite-difference gradient check of a whole module needs
    /// float64 weights as well as float64 inputs. Integer buffers (batch
    /// counters) keep their storage. Accumulated gradients are dropped.
    ///
    /// ```swift
    /// let usam = try Registry.shared.make(.attention, "usam")
    /// usam.convert(to: .float64)
    /// ```
    public func convert(to dtype: DType) {
        for tensor in parameters() { tensor.convertInPlace(to: dtype) }
        for (_, tensor, isInteger) in namedBuffers() where !isInteger { tensor.convertInPlace(to: dtype) }
    }
}

extension Tensor {
    /// Replaces the storage with a converted copy. Only for tensors that no
    /// recorded graph refers to (parameters and buffers between steps).
    fileprivate func convertInPlace(to target: DType) {
        guard target != dtype else { return }
        let converted = noGrad { to(target) }
        storage = converted.storage
        dtype = target
        grad = nil
    }
}
