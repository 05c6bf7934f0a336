/// Shape arithmetic shared by the ops: element counts, row-major strides and
/// NumPy-style broadcasting.
public enum Shape {
    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The broadcast shape of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
        }
        return result
    }

    /// Strides that read `shape` as if it had been broadcast to `target`
    /// (0 along broadcast axes).
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        return (0..<target.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }

    /// Normalises a possibly negative axis index.
    public static func axis(_ axis: Int, rank: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        require(a >= 0 && a < rank, "GeoKit: axis \(axis) is out of range for a tensor of rank \(rank)")
        return a
    }
}
