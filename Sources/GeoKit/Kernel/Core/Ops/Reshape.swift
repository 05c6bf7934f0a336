extension Tensor {
    /// The same elements with another shape (shares storage). One dimension
    /// may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let resolved = resolveShape(newShape)
        if resolved == shape { return self }
        let inputShape = shape
        return reshapedStorage(resolved).recorded("reshape", inputs: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// Flattens axes from `startAxis` on into one.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        let a = Shape.axis(startAxis, rank: rank)
        return reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// A tensor viewing the same storage with another shape, no history.
    func reshapedStorage(_ newShape: [Int]) -> Tensor {
        require(Shape.count(newShape) == count, "GeoKit: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        return Tensor(shape: newShape, dtype: dtype, storage: storage)
    }

    private func resolveShape(_ newShape: [Int]) -> [Int] {
        guard let hole = newShape.firstIndex(of: -1) else { return newShape }
        let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
        require(known > 0 && count % known == 0, "GeoKit: cannot reshape \(shape) to \(newShape)")
        var s = newShape
        s[hole] = count / known
        return s
    }
}
