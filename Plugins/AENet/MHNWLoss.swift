import GeoKit

/// `loss:mhnw`, AENet's multiple hard negatives weighting (eq. 3.2-3.3).
/// For a ground anchor a with satellite p, its hard set is every other
/// satellite n closer than p. With more than one, each hard negative counts,
/// weighted by how hard it is: w_i = D_i / max_j D_j, D_i = d(a, p) - d(a, n_i),
/// loss_a = sum_i w_i log(1 + exp(alpha (d(a, p) - d(a, n_i)))); the weights
/// come from detached distances (they rank, they are not trained through).
/// Otherwise loss_a is the batch-hard term of `loss:wsmr_hard`. The loss is
/// sum over anchors / N; `symmetric` also takes satellite anchors (ground
/// negatives) and averages the two directions. d is the Euclidean distance.
///
/// ```swift
/// let loss = try Registry.shared.make(.loss, "mhnw", ["symmetric": .bool(true)])
/// ```
public final class MHNWLoss: Module, PairLoss, InputShapeChecking {
    public let alpha: Double
    public let symmetric: Bool

    public init(alpha: Double = 10, symmetric: Bool = false) {
        self.alpha = alpha
        self.symmetric = symmetric
        super.init()
    }

    public func checkInput(shape: [Int]) throws { try checkPairBatch(shape: shape, component: "loss:mhnw") }

    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        checkRankingBatch(query, reference, loss: "mhnw")
        let distances = euclideanDistances(query, reference)
        let groundAnchored = anchoredLoss(distances)
        guard symmetric else { return groundAnchored }
        return (groundAnchored + anchoredLoss(distances.transposed(0, 1))) * 0.5
    }

    /// The loss with each row of `distances` an anchor and the diagonal its positives.
    private func anchoredLoss(_ distances: Tensor) -> Tensor {
        let n = distances.shape[0]
        let d = distances.scalars(as: Double.self)
        var weights = [Double](repeating: 0, count: n * n)
        var batchHard = [Double](repeating: 0, count: n)
        for anchor in 0..<n {
            let positive = d[anchor * n + anchor]
            let hard = (0..<n).filter { $0 != anchor && d[anchor * n + $0] < positive }
            guard hard.count > 1 else {
                batchHard[anchor] = 1
                continue
            }
            let gaps = hard.map { positive - d[anchor * n + $0] }
            let largest = gaps.max()!
            for (negative, gap) in zip(hard, gaps) { weights[anchor * n + negative] = gap / largest }
        }
        let weightTensor = Tensor(weights, shape: [n, n]).to(distances.dtype)
        let batchHardMask = Tensor(batchHard, shape: [n]).to(distances.dtype)
        let positives = distances.diagonal().reshaped([n, 1])
        let weightedTerms = (((positives - distances) * alpha).softplus() * weightTensor).sum()
        let batchHardTerms = (WSMRHardLoss.hardestNegativeTerms(distances, alpha: alpha) * batchHardMask).sum()
        return (weightedTerms + batchHardTerms) * (1 / Double(n))
    }
}
