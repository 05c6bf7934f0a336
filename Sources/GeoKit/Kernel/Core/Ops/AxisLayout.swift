/// A tensor seen as [outer, n, inner] around one axis: `outer` is the product
/// of the dimensions before the axis, `n` its size, `inner` the product of the
/// dimensions after it. Reductions, softmax, concatenation and selection
/// along an axis all loop over this view, so no op decomposes a flat index
/// into coordinates element by element.
struct AxisLayout {
    let outer: Int
    let n: Int
    let inner: Int

    init(_ shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        n = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}

extension Tensor {
    /// `axis` made non-negative, or a stop naming the op and the shape.
    func normalizedAxis(_ axis: Int, op: String, rank axisRank: Int? = nil) -> Int {
        let r = axisRank ?? rank
        let a = axis < 0 ? axis + r : axis
        require(a >= 0 && a < r, "GeoKit: \(op): axis \(axis) is out of range for a tensor of shape \(shape)")
        return a
    }

    /// The shape with `axis` removed, or kept as size 1 when `keepDims`.
    func shapeReducing(_ axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }
}
