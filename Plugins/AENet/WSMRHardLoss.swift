import GeoKit

/// `loss:wsmr_hard`, the batch-hard weighted soft-margin ranking loss
/// (AENet's eq. 3.1, after Hermans et al.): each ground anchor a is ranked
/// against its hardest negative only, loss_a = log(1 + exp(alpha (d(a, p) -
/// min_n d(a, n)))), with p its own satellite, n the batch's other
/// satellites and d the Euclidean distance; the loss is the mean over anchors.
///
/// ```swift
/// let loss = try Registry.shared.make(.loss, "wsmr_hard", ["alpha": .double(10)])
/// ```
public final class WSMRHardLoss: Module, PairLoss, InputShapeChecking {
    public let alpha: Double

    public init(alpha: Double = 10) {
        self.alpha = alpha
        super.init()
    }

    public func checkInput(shape: [Int]) throws { try checkPairBatch(shape: shape, component: "loss:wsmr_hard") }

    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        checkRankingBatch(query, reference, loss: "wsmr_hard")
        return WSMRHardLoss.hardestNegativeTerms(euclideanDistances(query, reference), alpha: alpha).mean()
    }

    /// Per anchor (row of `distances`, positive on the diagonal) the term
    /// log(1 + exp(alpha (d_ap - min over the row's other entries))), shape (N).
    static func hardestNegativeTerms(_ distances: Tensor, alpha: Double) -> Tensor {
        let n = distances.shape[0]
        // Lift the positives far above every distance so the minimum is over negatives.
        let excludePositives = Tensor.zeros([n, n], dtype: distances.dtype)
        excludePositives.fill { $0 / n == $0 % n ? 1e9 : 0 }
        let hardest = (distances + excludePositives).min(axis: 1)
        return ((distances.diagonal() - hardest) * alpha).softplus()
    }
}

/// The checks every ranking loss makes on its two descriptor batches.
func checkRankingBatch(_ query: Tensor, _ reference: Tensor, loss: String) {
    require(
        query.rank == 2 && query.shape == reference.shape,
        "GeoKit: loss \(loss) expects two (N, D) descriptor batches of the same shape, got \(query.shape) and \(reference.shape)")
    require(query.shape[0] >= 2, "GeoKit: loss \(loss) needs at least 2 pairs in a batch (negatives come from the batch), got \(query.shape[0])")
}
