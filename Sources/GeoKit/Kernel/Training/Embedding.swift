extension CrossViewModel {
    /// L2-normalised descriptors (ground, aerial) of a split of `data`,
    /// unaugmented, in eval mode (the previous mode is restored).
    /// A plugin's failure in a forward (`ComponentFailure`) is thrown.
    public func embed(_ data: TrainingData, split: TrainingData.Split, chunk: Int = 64) throws -> (ground: Tensor, aerial: Tensor) {
        let count = split == .test ? data.test.count : data.train.count
        var grounds: [Tensor] = [], aerials: [Tensor] = []
        try withEvaluationMode {
            for start in stride(from: 0, to: count, by: chunk) {
                let (g, a) = data.evaluationBatch(start..<Swift.min(count, start + chunk), split: split)
                grounds.append(ground(g).detached())
                aerials.append(aerial(a).detached())
                try ComponentFailure.check()
            }
        }
        return (Tensor.concat(grounds, axis: 0).l2Normalized(), Tensor.concat(aerials, axis: 0).l2Normalized())
    }

    /// L2-normalised descriptors of decoded images of one view (N, D); a
    /// plugin's failure in a forward is thrown.
    public func embed(_ images: [Image], view: View, input: ViewInput, chunk: Int = 32) throws -> Tensor {
        var parts: [Tensor] = []
        try withEvaluationMode {
            for start in stride(from: 0, to: images.count, by: chunk) {
                let slice = images[start..<Swift.min(images.count, start + chunk)]
                let ready = view == .ground ? slice.map(input.prepareGround) : slice.map { input.finishAerial(input.prepareAerial($0)) }
                parts.append((view == .ground ? ground : aerial)(ViewInput.stack(ready)).detached())
                try ComponentFailure.check()
            }
        }
        return Tensor.concat(parts, axis: 0).l2Normalized()
    }

    public enum View: String, CaseIterable, Sendable { case ground, aerial }

    private func withEvaluationMode(_ body: () throws -> Void) throws {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        try noGrad(body)
    }
}
