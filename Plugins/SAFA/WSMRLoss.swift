import GeoKit

/// `loss:wsmr`, the weighted soft-margin ranking loss of CVM-Net and SAFA:
/// with D = 2 - 2 S G^T (S the satellite rows, G the ground rows, squared
/// distances for normalised descriptors) and p = diag(D), every pair of the
/// batch is ranked in both directions:
/// g2s = sum_ij log(1 + exp(alpha (p_j - D_ij))) / (N(N-1)), s2g the same
/// with p_i, loss = (g2s + s2g) / 2. The diagonal terms are the constant
/// log 2, kept as in the reference. The inputs are used as given (normalise
/// them first).
///
/// ```swift
/// let wsmr = try Registry.shared.make(.loss, "wsmr", ["alpha": .double(10)])
/// let loss = wsmr.loss(query: ground, reference: satellite)
/// ```
public final class WSMRLoss: Module, PairLoss, InputShapeChecking {
    public let alpha: Double

    public init(alpha: Double = 10) {
        self.alpha = alpha
        super.init()
    }

    public func checkInput(shape: [Int]) throws { try checkPairBatch(shape: shape, component: "loss:wsmr") }

    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        require(
            query.rank == 2 && query.shape == reference.shape,
            "GeoKit: loss wsmr expects two (N, D) descriptor batches of the same shape, got \(query.shape) and \(reference.shape)")
        let n = query.shape[0]
        require(n >= 2, "GeoKit: loss wsmr needs at least 2 pairs in a batch (negatives come from the batch), got \(n)")
        let distances = 2 - 2 * Tensor.matmul(reference, query, transposeA: false, transposeB: true)
        let positives = distances.diagonal()
        let pairs = Double(n * (n - 1))
        let groundToSatellite = ((positives.reshaped([1, n]) - distances) * alpha).softplus().sum() * (1 / pairs)
        let satelliteToGround = ((positives.reshaped([n, 1]) - distances) * alpha).softplus().sum() * (1 / pairs)
        return (groundToSatellite + satelliteToGround) * 0.5
    }
}
