/// One recorded op: its inputs and the function that maps the gradient of
/// its output to the gradients of its inputs. The closure holds the tensors
/// the backward needs; `release()` drops them once backward has used them.
final class GradNode {
    let name: String
    private(set) var inputs: [Tensor]
    private(set) var backward: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }

    func release() {
        inputs = []
        backward = nil
    }
}

extension Tensor {
    /// Attaches `backward` to this freshly computed output when gradients are
    /// on and some input needs them; returns self. Every differentiable op
    /// ends with this call, its backward written right next to its forward.
    package func recorded(_ name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        gradNode = GradNode(name: name, inputs: inputs, backward: backward)
        return self
    }
}
