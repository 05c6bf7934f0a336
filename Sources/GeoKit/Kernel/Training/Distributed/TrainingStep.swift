import GeoKitComponents
import GeoKitCore

/// One batch's forward and backward, as the trainer runs it: this rank's
/// share of the global batch is embedded, the descriptors of every rank
/// are gathered (`differentiableAllGather`) so the loss sees the whole
/// global batch, and the backward leaves gradients in the parameters
/// (averaged over the ranks later, by `GradientAverager`).
///
/// With `microBatch` > 0 the share is embedded a micro-batch at a time by
/// gradient caching (Gao et al., 2021, "Scaling Deep Contrastive Learning
/// Batch Size under Memory Limited Setup"): a first pass embeds every
/// micro-batch without a graph; the loss and its gradient with respect to
/// each descriptor are computed on those; a second pass re-embeds each
/// micro-batch with a graph and backpropagates its slice of the descriptor
/// gradient. Only one micro-batch's activations are alive at a time, and
/// the gradient is the full batch's. Both passes seed the global RNG the
/// same way before each micro-batch (dropout replays), and BatchNorm
/// buffers are restored after the first pass (running statistics are
/// updated once per micro-batch, by the second).
struct TrainingStep {
    let model: CrossViewModel
    let communicator: Communicator
    let microBatch: Int

    /// The loss of the global batch (the same value on every rank), and how to backpropagate it.
    struct Forward {
        let loss: Tensor
        fileprivate let cached: (query: Tensor, reference: Tensor)?
    }

    /// Embeds this rank's `ground` and `aerial` images (the global RNG seeded from `seed` before each micro-batch).
    func forward(ground: Tensor, aerial: Tensor, seed: UInt64) -> Forward {
        let rows = ground.shape[0]
        guard microBatch > 0, microBatch < rows else {
            GlobalRandom.seed(seed)
            let query = communicator.differentiableAllGather(model.ground(ground))
            let reference = communicator.differentiableAllGather(model.aerial(aerial))
            return Forward(loss: model.criterion.loss(query: query, reference: reference), cached: nil)
        }
        let buffers = model.namedBuffers().map { ($0.tensor, $0.tensor.copy()) }
        var queries: [Tensor] = [], references: [Tensor] = []
        noGrad {
            for (k, range) in microBatches(rows).enumerated() {
                GlobalRandom.seed(SeedMixing.hash(seed, UInt64(k)))
                queries.append(model.ground(ground.sliced(axis: 0, range)))
                references.append(model.aerial(aerial.sliced(axis: 0, range)))
            }
        }
        for (buffer, saved) in buffers { buffer.assign(saved) }
        let query = Tensor.concat(queries, axis: 0).requiringGrad(), reference = Tensor.concat(references, axis: 0).requiringGrad()
        let loss = model.criterion.loss(
            query: communicator.differentiableAllGather(query), reference: communicator.differentiableAllGather(reference))
        return Forward(loss: loss, cached: (query, reference))
    }

    /// Backpropagates the loss divided by `divisor` (the accumulated batches) into the parameters' gradients.
    func backward(_ forward: Forward, dividedBy divisor: Int, ground: Tensor, aerial: Tensor, seed: UInt64) {
        (divisor > 1 ? forward.loss / Double(divisor) : forward.loss).backward()
        guard let (query, reference) = forward.cached, let queryGradient = query.grad, let referenceGradient = reference.grad else { return }
        for (k, range) in microBatches(ground.shape[0]).enumerated() {
            GlobalRandom.seed(SeedMixing.hash(seed, UInt64(k)))
            let q = model.ground(ground.sliced(axis: 0, range)), r = model.aerial(aerial.sliced(axis: 0, range))
            // d/dθ of <q, dL/dq> + <r, dL/dr> is the chain rule's term of this micro-batch.
            let surrogate = (q * queryGradient.sliced(axis: 0, range)).sum() + (r * referenceGradient.sliced(axis: 0, range)).sum()
            surrogate.backward()
        }
    }

    private func microBatches(_ rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: microBatch).map { $0..<min(rows, $0 + microBatch) }
    }
}
