import GeoKit

/// USAM, RK-Net's Unit Subtraction Attention Module: a parameter-light
/// local-peak detector on the channel-summed map that boosts salient
/// positions. For x (N, C, H, W):
/// f = sum over channels; a = 8 f minus its 8 neighbours (zero padding);
/// a = ReLU(BatchNorm(a)); with `polish` the border of a is set to 0 (zero
/// padding makes every border a false peak); out = x + a * x.
/// Keys `bn.weight`, `bn.bias`, `bn.running_mean`, `bn.running_var`,
/// `bn.num_batches_tracked`, as in RK-Net.
///
/// ```swift
/// let usam = try Registry.shared.make(.attention, "usam", ["polish": .bool(true)])
/// let y = usam(features)   // same shape as features
/// ```
public final class USAM: Module, AttentionModule, AttentionMapReporting {
    public let polish: Bool
    public let bn: BatchNorm
    /// The keypoint map a of the last forward (N, 1, H, W).
    public private(set) var lastMap: Tensor?
    public var mapTitle: String { "USAM keypoint map" }

    public init(polish: Bool = true) {
        self.polish = polish
        bn = BatchNorm(1, eps: 1e-5, momentum: 0.1)
        super.init()
        register("bn", bn)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: attention usam expects a feature map (N, C, H, W), got \(x.shape)")
        let f = x.sum(axes: [1], keepDims: true)
        var a = bn(f.conv2d(weight: USAM.peakKernel(x.dtype), padding: 1)).relu()
        if polish { a = a * USAM.interiorMask(height: x.shape[2], width: x.shape[3], dtype: x.dtype) }
        lastMap = a.detached()
        return x + a * x
    }

    /// 9 * centre - (3x3 box sum) as one 3x3 kernel: 8 at the centre, -1 around it.
    private static func peakKernel(_ dtype: DType) -> Tensor {
        let kernel = Tensor.zeros([1, 1, 3, 3], dtype: dtype)
        kernel.fill { $0 == 4 ? 8 : -1 }
        return kernel
    }

    /// 1 inside, 0 on the first and last row and column.
    private static func interiorMask(height: Int, width: Int, dtype: DType) -> Tensor {
        let mask = Tensor.zeros([1, 1, height, width], dtype: dtype)
        mask.fill { i in
            let (row, column) = (i / width, i % width)
            return row > 0 && row < height - 1 && column > 0 && column < width - 1 ? 1 : 0
        }
        return mask
    }
}
