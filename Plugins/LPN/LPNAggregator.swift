import GeoKit

/// `aggregator:lpn`, the Local Pattern Network's part pooling: the map is
/// cut into `blocks` parts, each pooled (avg or max) to a C-vector,
/// L2-normalised, and the parts concatenated part-major (index part*C + c),
/// (N, blocks*C). No weights.
///
/// - `ring` (drone and satellite views): concentric squares around the
///   centre c = (floor(H/2), floor(W/2)) with half-sizes i * p,
///   p = (floor(H/(2 blocks)), floor(W/(2 blocks))), the last square the whole
///   map. Part i is square i with square i-1 set to zero (kept, not cut out):
///   avg divides by the area of square i, max sees the zeros. Parts are
///   ordered outermost first. A map too small for p to reach 1 on both axes
///   is first resized bilinearly to (H + 2 (blocks - c_h), W + 2 (blocks - c_w)).
/// - `row` (ground panoramas, as LPN's CVUSA/CVACT code partitions them,
///   `AdaptiveAvgPool2d((block, 1))` with `row=True`): adaptive pooling to
///   blocks x 1, horizontal bands top to bottom, each spanning every azimuth.
/// - `column` (LPN's option for a polar-transformed satellite matched against
///   a column-cut panorama): adaptive pooling to 1 x blocks, left to right.
///
/// The parts are kept (`PartAggregator`): with `Head("classblock")` each
/// part gets its own ClassBlock (`head.classifier<i>.*`) and `loss:instance`
/// sums the parts' cross-entropies, as LPN trains.
///
/// ```swift
/// let lpn = try Registry.shared.make(.aggregator, "lpn", ["partition": .string("ring")])
/// let descriptors = lpn(features)   // (N, 4 * C)
/// ```
public final class LPNAggregator: Module, PartAggregator, InputShapeChecking, AttentionMapReporting {
    public enum Pooling: String, CaseIterable, Sendable { case avg, max }
    public enum Partition: String, CaseIterable, Sendable { case ring, row, column }

    /// The most parts a user may ask for: the resize of a small map to
    /// 2 blocks per side makes the cost grow as blocks^3 (LPN uses 4 to 8).
    public static let mostBlocks = 32

    public let blocks: Int
    public let pooling: Pooling
    public let partition: Partition
    /// The (H, W) of the last forward's map: the parts depend on it only.
    private var lastGrid: (height: Int, width: Int)?

    public init(blocks: Int = 4, pooling: Pooling = .avg, partition: Partition = .ring) {
        self.blocks = blocks
        self.pooling = pooling
        self.partition = partition
        super.init()
    }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { blocks * channels }

    public func partSizes(channels: Int, height: Int, width: Int) -> [Int] { Array(repeating: channels, count: blocks) }

    public var mapTitle: String { "LPN part" }

    /// The parts of the last forward's map, in descriptor order (1, blocks, h, w), 1 where a part pools:
    /// rings outermost first (on the resized grid when the map was resized), or columns left to right.
    public var lastMap: Tensor? {
        guard let (height, width) = lastGrid else { return nil }
        var part: (Int, Int) -> Int
        var grid = (height, width)
        switch partition {
        case .column:
            // adaptiveAvgPool2d's bins: column c falls in the last bin b whose start floor(b W / blocks) is <= c.
            part = { _, c in (0..<self.blocks).last { $0 * width / self.blocks <= c }! }
        case .row:
            part = { r, _ in (0..<self.blocks).last { $0 * height / self.blocks <= r }! }
        case .ring:
            var squares = RingSquares(height: height, width: width, blocks: blocks)
            if squares.stepHeight == 0 && squares.stepWidth == 0 {
                grid = (height + 2 * (blocks - squares.centreRow), width + 2 * (blocks - squares.centreColumn))
                squares = RingSquares(height: grid.0, width: grid.1, blocks: blocks)
            }
            let found = squares
            part = { r, c in
                let ring = (1...self.blocks).first {
                    let s = found.square($0); return s.rows.contains(r) && s.columns.contains(c)
                }!
                return self.blocks - ring
            }
        }
        let map = Tensor.zeros([1, blocks, grid.0, grid.1])
        let plane = grid.0 * grid.1
        map.fill { e in part(e % plane / grid.1, e % grid.1) == e / plane ? 1 : 0 }
        return map
    }

    /// No more parts than the map holds: at most W columns; rings need a
    /// step of at least one row and column, which a map below 2 blocks on
    /// both axes reaches by the resize (as in the reference) but a map below
    /// it on one axis only cannot.
    public func checkInput(shape: [Int]) throws {
        let component = "aggregator:lpn"
        guard shape.count == 4, shape[2] > 0, shape[3] > 0 else {
            throw GeoKitError("\(component) takes a non-empty feature map (N, C, H, W), got shape \(shape)", where: component)
        }
        let (height, width) = (shape[2], shape[3])
        switch partition {
        case .column:
            guard blocks <= width else {
                throw GeoKitError(
                    "\(component) cannot cut a \(height)x\(width) map into \(blocks) columns", where: component,
                    remedy: "use blocks <= \(width)")
            }
        case .row:
            guard blocks <= height else {
                throw GeoKitError(
                    "\(component) cannot cut a \(height)x\(width) map into \(blocks) rows", where: component,
                    remedy: "use blocks <= \(height)")
            }
        case .ring:
            let squares = RingSquares(height: height, width: width, blocks: blocks)
            guard (squares.stepHeight == 0) == (squares.stepWidth == 0) else {
                throw GeoKitError(
                    "\(component) cannot cut a \(height)x\(width) map into \(blocks) rings (ring step \(squares.stepHeight) rows, \(squares.stepWidth) columns)",
                    where: component,
                    remedy:
                        "use at most \(min(height, width) / 2) blocks, or a map of at least \(2 * blocks) on both axes, or below that on both (it is then resized)"
                )
            }
        }
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor { Self.joined(parts(x)) }

    /// The pooled parts in descriptor order, each (N, C): rings outermost first, rows top to bottom, columns left to right.
    public func parts(_ x: Tensor) -> [Tensor] {
        require(
            x.rank == 4 && x.shape[2] > 0 && x.shape[3] > 0,
            "GeoKit: aggregator lpn expects a non-empty feature map (N, C, H, W), got \(x.shape)")
        lastGrid = (x.shape[2], x.shape[3])
        let bins: (Int, Int)
        switch partition {
        case .ring: return rings(x)
        case .row: bins = (blocks, 1)
        case .column: bins = (1, blocks)
        }
        let pooled = pooling == .avg ? x.adaptiveAvgPool2d(bins) : x.adaptiveMaxPool2d(bins)
        let flat = pooled.reshaped([x.shape[0], x.shape[1], blocks])
        return (0..<blocks).map { flat.sliced(axis: 2, $0..<($0 + 1)).reshaped([x.shape[0], x.shape[1]]) }
    }

    /// The pooled ring parts, outermost first, each (N, C).
    private func rings(_ input: Tensor) -> [Tensor] {
        var x = input
        var squares = RingSquares(height: x.shape[2], width: x.shape[3], blocks: blocks)
        if squares.stepHeight == 0 && squares.stepWidth == 0 {
            x = x.resizedBilinear(
                height: x.shape[2] + 2 * (blocks - squares.centreRow),
                width: x.shape[3] + 2 * (blocks - squares.centreColumn), alignCorners: false)
            squares = RingSquares(height: x.shape[2], width: x.shape[3], blocks: blocks)
        }
        require(
            squares.stepHeight > 0 && squares.stepWidth > 0,
            "GeoKit: aggregator lpn: a \(input.shape[2])x\(input.shape[3]) map gives empty rings with blocks \(blocks) (ring step \(squares.stepHeight) rows, \(squares.stepWidth) columns); use a map of at least \(2 * blocks) on both axes, or below that on both (it is then resized), or fewer blocks"
        )
        return stride(from: blocks, through: 1, by: -1).map { i in
            let outer = squares.square(i)
            var part = x.sliced(axis: 2, outer.rows).sliced(axis: 3, outer.columns)
            if i > 1 { part = part * squares.holeMask(inside: i, dtype: x.dtype) }
            switch pooling {
            case .avg: return part.mean(axes: [2, 3])
            case .max: return part.flattened(from: 2).max(axis: 2)
            }
        }
    }
}

/// The square partition of an H x W map into `blocks` rings.
private struct RingSquares {
    let height: Int, width: Int, blocks: Int
    let centreRow: Int, centreColumn: Int
    let stepHeight: Int, stepWidth: Int

    init(height: Int, width: Int, blocks: Int) {
        (self.height, self.width, self.blocks) = (height, width, blocks)
        (centreRow, centreColumn) = (height / 2, width / 2)
        (stepHeight, stepWidth) = (height / (2 * blocks), width / (2 * blocks))
    }

    /// Square i (1...blocks): rows and columns it spans; square `blocks` is the whole map.
    func square(_ i: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        if i == blocks { return (0..<height, 0..<width) }
        return (
            (centreRow - i * stepHeight)..<(centreRow + i * stepHeight),
            (centreColumn - i * stepWidth)..<(centreColumn + i * stepWidth)
        )
    }

    /// (1, 1, h, w) over square i: 0 on square i-1, 1 elsewhere.
    func holeMask(inside i: Int, dtype: DType) -> Tensor {
        let outer = square(i), inner = square(i - 1)
        let (rows, columns) = (outer.rows.count, outer.columns.count)
        let mask = Tensor.zeros([1, 1, rows, columns], dtype: dtype)
        mask.fill { e in
            let (row, column) = (outer.rows.lowerBound + e / columns, outer.columns.lowerBound + e % columns)
            return inner.rows.contains(row) && inner.columns.contains(column) ? 0 : 1
        }
        return mask
    }
}
