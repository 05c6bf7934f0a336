import Foundation
import GeoKit

/// `loss:infonce`, Sample4Geo's symmetric InfoNCE: every other pair in the
/// batch is a negative. Both views are L2-normalised here; logits =
/// exp(logit_scale) * query reference^T; loss = (CE(logits) + CE(logits^T)) / 2
/// against the diagonal, with label smoothing. The temperature is learned:
/// `logit_scale` (shape [], key `logit_scale`) starts at log(1 / 0.07).
///
/// ```swift
/// let infonce = try Registry.shared.make(.loss, "infonce")
/// let loss = infonce.loss(query: groundDescriptors, reference: aerialDescriptors)
/// ```
public final class InfoNCELoss: Module, PairLoss, InputShapeChecking {
    public let labelSmoothing: Double
    public let logitScale: Tensor

    public init(labelSmoothing: Double = 0.1) {
        self.labelSmoothing = labelSmoothing
        logitScale = Tensor(scalar: Foundation.log(1 / 0.07))
        super.init()
        registerParameter("logit_scale", logitScale)
    }

    public func checkInput(shape: [Int]) throws { try checkPairBatch(shape: shape, component: "loss:infonce") }

    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        require(
            query.rank == 2 && query.shape == reference.shape,
            "GeoKit: loss infonce expects two (N, D) descriptor batches of the same shape, got \(query.shape) and \(reference.shape)")
        let q = query.l2Normalized(axis: 1), r = reference.l2Normalized(axis: 1)
        let logits = Tensor.matmul(q, r, transposeA: false, transposeB: true) * logitScale.exp()
        let targets = Array(0..<query.shape[0])
        let queryToReference = logits.crossEntropy(targets: targets, labelSmoothing: labelSmoothing)
        let referenceToQuery = logits.transposed(0, 1).crossEntropy(targets: targets, labelSmoothing: labelSmoothing)
        return (queryToReference + referenceToQuery) * 0.5
    }
}
