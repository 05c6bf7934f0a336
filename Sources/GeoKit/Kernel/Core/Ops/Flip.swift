extension Tensor {
    /// The order of elements reversed along each of `axes` (torch.flip).
    /// Flipping is its own inverse, so the backward flips the gradient.
    public func flipped(axes: [Int]) -> Tensor {
        let normalized = axes.map { normalizedAxis($0, op: "flipped") }
        require(Set(normalized).count == normalized.count, "GeoKit: flipped: axes \(axes) repeat an axis of shape \(shape)")
        var maps = [[Int]?](repeating: nil, count: rank)
        for a in normalized { maps[a] = Array((0..<shape[a]).reversed()) }
        return AxisGather(inputShape: shape, maps: maps).apply(self)
            .recorded("flip", inputs: [self]) { g in [g.flipped(axes: normalized)] }
    }

    /// The tensor rotated by k quarter turns in the plane of `axes`, from the
    /// first axis towards the second (torch.rot90); any k, negative turning
    /// the other way. Built from flips and a transpose, as torch does.
    public func rotated90(_ k: Int, axes: (Int, Int) = (2, 3)) -> Tensor {
        require(rank >= 2, "GeoKit: rotated90: needs at least 2 axes, got shape \(shape)")
        let a = normalizedAxis(axes.0, op: "rotated90"), b = normalizedAxis(axes.1, op: "rotated90")
        require(a != b, "GeoKit: rotated90: axes \(axes) must be two different axes of shape \(shape)")
        switch ((k % 4) + 4) % 4 {
        case 1: return flipped(axes: [b]).transposed(a, b)
        case 2: return flipped(axes: [a, b])
        case 3: return flipped(axes: [a]).transposed(a, b)
        default: return flipped(axes: [])  // a differentiable copy
        }
    }
}
