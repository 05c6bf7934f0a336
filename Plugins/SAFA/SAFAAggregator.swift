import GeoKit

/// `aggregator:safa`, Spatial-Aware Feature Aggregation (SAFA): K heads,
/// each a two-layer map (HW -> HW/2 -> HW, no activation) from the
/// channel-mean of the feature map to a spatial weighting; each head's
/// descriptor is the weighted sum of the C-dim local features. The heads
/// are concatenated head-major (index k*C + c) and L2-normalised, (N, K*C).
/// The weights are sized for one map size (`height` x `width`), hence the
/// parameters. Keys and shapes are SAFA's: `weights1` [HW, HW/2, K],
/// `biases1` [1, HW/2, K], `weights2` [HW/2, HW, K], `biases2` [1, HW, K];
/// weights start truncated-normal (std 0.005, cut at 2 std), biases at 0.1.
///
/// ```swift
/// let safa = try Registry.shared.make(.aggregator, "safa", ["height": .int(4), "width": .int(16)])
/// let descriptors = safa(features)   // (N, 8 * C)
/// ```
public final class SAFAAggregator: Module, AggregatorModule, InputShapeChecking, AttentionMapReporting {
    /// The most positions (H * W) a map may have: the weights hold (HW)^2 K numbers (at 4096 and K = 8, 537 MB).
    public static let largestMap = 4096

    public let heads: Int
    public let height: Int
    public let width: Int
    public let weights1: Tensor
    public let biases1: Tensor
    public let weights2: Tensor
    public let biases2: Tensor
    /// The spatial weights of the last forward, one map per head (N, K, H, W);
    /// kept as computed (K, N, HW) and reordered only when asked, so training pays nothing.
    public var lastMap: Tensor? {
        lastWeights.map { $0.permuted([1, 0, 2]).reshaped([$0.shape[1], heads, height, width]) }
    }
    private var lastWeights: Tensor?
    public var mapTitle: String { "SAFA spatial weights" }

    public init(heads: Int = 8, height: Int, width: Int) {
        self.heads = heads
        self.height = height
        self.width = width
        let positions = height * width, hidden = positions / 2
        weights1 = Tensor.zeros([positions, hidden, heads])
        biases1 = Tensor.full(0.1, shape: [1, hidden, heads])
        weights2 = Tensor.zeros([hidden, positions, heads])
        biases2 = Tensor.full(0.1, shape: [1, positions, heads])
        for weights in [weights1, weights2] { Init.truncatedNormal(weights, std: 0.005, low: -0.01, high: 0.01) }
        super.init()
        registerParameter("weights1", weights1)
        registerParameter("biases1", biases1)
        registerParameter("weights2", weights2)
        registerParameter("biases2", biases2)
    }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { heads * channels }

    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4, shape[2] == height, shape[3] == width else {
            let got = shape.count == 4 ? "\(shape[2])x\(shape[3]) maps" : "shape \(shape)"
            throw GeoKitError(
                "aggregator:safa was built for \(height)x\(width) feature maps, got \(got)", where: "aggregator:safa",
                remedy: shape.count == 4 ? "set height=\(shape[2]) width=\(shape[3])" : "pass a feature map (N, C, H, W)")
        }
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(
            x.rank == 4 && x.shape[2] == height && x.shape[3] == width,
            "GeoKit: aggregator safa was built for (N, C, \(height), \(width)) feature maps, got \(x.shape); set its height and width")
        let (n, channels, positions, hidden) = (x.shape[0], x.shape[1], height * width, height * width / 2)
        // u[n, j, k] = sum_i v[n, i] weights1[i, j, k]: one matmul for all heads.
        let v = x.mean(axes: [1]).reshaped([n, positions])
        let u = v.matmul(weights1.reshaped([positions, hidden * heads])).reshaped([n, hidden, heads]) + biases1
        // m[k, n, i] = sum_j u[n, j, k] weights2[j, i, k]: one matmul per head.
        let perHeadWeights = weights2.permuted([2, 0, 1])
        let m = u.permuted([2, 0, 1]).matmul(perHeadWeights) + biases2.permuted([2, 0, 1])
        lastWeights = m.detached()
        // descriptor[n, k, c] = sum_i m[k, n, i] x[n, c, i]
        let local = x.reshaped([n, channels, positions])
        let descriptors = Tensor.matmul(m.permuted([1, 0, 2]), local, transposeA: false, transposeB: true)
        return descriptors.reshaped([n, heads * channels]).l2Normalized(axis: 1)
    }
}
