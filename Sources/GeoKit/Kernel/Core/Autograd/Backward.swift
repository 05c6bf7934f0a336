extension Tensor {
    /// Reverse-mode differentiation from this tensor. A scalar output seeds
    /// with 1; otherwise pass `gradient` of the output's shape. Leaves that
    /// require gradients accumulate into `.grad`; the graph's saved tensors
    /// are freed afterwards (call `backward` once per forward).
    public func backward(_ gradient: Tensor? = nil) {
        require(
            requiresGrad,
            "GeoKit: backward() on a tensor that does not require gradients (was it computed under noGrad, or from leaves without requiringGrad()?)")
        let seed: Tensor
        if let gradient {
            require(gradient.shape == shape, "GeoKit: backward gradient has shape \(gradient.shape), the output has \(shape)")
            seed = gradient.to(dtype)
        } else {
            require(count == 1, "GeoKit: backward() without a gradient needs a one-element output, this one has shape \(shape)")
            seed = Tensor.full(1, shape: shape, dtype: dtype)
        }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        noGrad {
            for tensor in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let node = tensor.gradNode else {
                    Profiler.measure("gradient accumulation", phase: .other) { tensor.accumulateGrad(g) }
                    continue
                }
                // The profile's backward rows: one per node name (the forward op that recorded it).
                let inputGrads = Profiler.measure(node.name, phase: .backward) { node.backward?(g) ?? [] }
                Profiler.measure("gradient accumulation", phase: .other) {
                    for (input, ig) in zip(node.inputs, inputGrads) {
                        guard let ig, input.requiresGrad else { continue }
                        require(
                            ig.shape == input.shape,
                            "GeoKit: backward of \(node.name) produced a gradient of shape \(ig.shape) for an input of shape \(input.shape)")
                        let key = ObjectIdentifier(input)
                        if let existing = grads[key] { grads[key] = existing + ig } else { grads[key] = ig }
                    }
                }
                node.release()
                tensor.gradNode = nil
            }
        }
    }

    private func accumulateGrad(_ g: Tensor) {
        if let existing = grad { grad = existing + g } else { grad = g.detached().copyIfShared(self) }
    }

    /// A gradient must not alias a tensor the user holds (e.g. the seed).
    private func copyIfShared(_ owner: Tensor) -> Tensor {
        storage === owner.storage ? copy() : self
    }

    /// Tensors reachable from self through recorded nodes, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradNode?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
