import GeoKitComponents
import GeoKitCore
import GeoKitData

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
        /// Per view, the first pass's outputs (descriptor, parts, logits: `ViewOutput.tensors`) whose gradients the
        /// second pass propagates, with gradient caching.
        fileprivate let cached: [[Tensor]]?
    }

    /// Embeds this rank's `ground` and `aerial` images, and a third view's `street` images through the ground
    /// branch (the global RNG seeded from `seed` before each micro-batch); the loss sees the global batch, whose
    /// rows are the training locations `locationIDs` (the sampler's batch, every rank's share in rank order) at
    /// positions `gps`, its views ground, aerial, then street.
    func forward(
        ground: Tensor, aerial: Tensor, street: Tensor? = nil, locationIDs: [Int], gps: [GPSTable.Position]?, seed: UInt64
    ) -> Forward {
        let rows = ground.shape[0]
        let inputs = self.inputs(ground: ground, aerial: aerial, street: street)
        func batch(_ views: [ViewOutput]) -> LossBatch {
            let gathered = views.map { view in
                ViewOutput.rebuilt(view, from: view.tensors.map { communicator.differentiableAllGather($0) })
            }
            require(
                gathered[0].descriptor.shape[0] == locationIDs.count,
                "GeoKit: the global batch has \(gathered[0].descriptor.shape[0]) rows and \(locationIDs.count) location ids")
            return LossBatch(views: gathered, locationIDs: locationIDs, gps: gps)
        }
        guard microBatch > 0, microBatch < rows else {
            GlobalRandom.seed(seed)
            let views = inputs.map { $0.branch.outputs($0.images, view: $0.name) }
            return Forward(loss: model.criterion.loss(batch(views)), cached: nil)
        }
        let buffers = model.namedBuffers().map { ($0.tensor, $0.tensor.copy()) }
        var pieces: [[ViewOutput]] = []
        noGrad {
            for (k, range) in microBatches(rows).enumerated() {
                GlobalRandom.seed(SeedMixing.hash(seed, UInt64(k)))
                pieces.append(inputs.map { $0.branch.outputs($0.images.sliced(axis: 0, range), view: $0.name) })
            }
        }
        for (buffer, saved) in buffers { buffer.assign(saved) }
        let cached = inputs.indices.map { v in
            pieces[0][v].tensors.indices.map { t in Tensor.concat(pieces.map { $0[v].tensors[t] }, axis: 0).requiringGrad() }
        }
        let views = inputs.indices.map { ViewOutput.rebuilt(pieces[0][$0], from: cached[$0]) }
        return Forward(loss: model.criterion.loss(batch(views)), cached: cached)
    }

    /// Backpropagates the loss divided by `divisor` (the accumulated batches) into the parameters' gradients.
    func backward(_ forward: Forward, dividedBy divisor: Int, ground: Tensor, aerial: Tensor, street: Tensor? = nil, seed: UInt64) {
        (divisor > 1 ? forward.loss / Double(divisor) : forward.loss).backward()
        guard let cached = forward.cached else { return }
        let inputs = self.inputs(ground: ground, aerial: aerial, street: street)
        for (k, range) in microBatches(ground.shape[0]).enumerated() {
            GlobalRandom.seed(SeedMixing.hash(seed, UInt64(k)))
            let views = inputs.map { $0.branch.outputs($0.images.sliced(axis: 0, range), view: $0.name) }
            // d/dθ of the sum of <output, dL/doutput> is the chain rule's term of this micro-batch.
            var terms: [Tensor] = []
            for (view, first) in zip(views, cached) {
                for (output, input) in zip(view.tensors, first) {
                    guard let gradient = input.grad else { continue }
                    terms.append((output * gradient.sliced(axis: 0, range)).sum())
                }
            }
            guard let first = terms.first else { continue }
            terms.dropFirst().reduce(first, +).backward()
        }
    }

    /// Each view's branch, images and name, in the loss batch's order (the street view through the ground branch).
    private func inputs(ground: Tensor, aerial: Tensor, street: Tensor?) -> [(branch: ViewBranch, images: Tensor, name: String)] {
        [(model.ground, ground, "ground"), (model.aerial, aerial, "aerial")] + (street.map { [(model.ground, $0, "street")] } ?? [])
    }

    private func microBatches(_ rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: microBatch).map { $0..<min(rows, $0 + microBatch) }
    }
}
