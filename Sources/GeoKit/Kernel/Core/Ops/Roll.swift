extension Tensor {
    /// Elements shifted by `shift` positions along `axis`, wrapping around
    /// (torch.roll): out[(i + shift) mod n] = self[i]. Negative shifts roll
    /// the other way; the backward rolls the gradient back by -shift.
    public func rolled(_ shift: Int, axis: Int) -> Tensor {
        let a = normalizedAxis(axis, op: "rolled")
        let n = shape[a]
        var maps = [[Int]?](repeating: nil, count: rank)
        if n > 0 {
            let s = ((shift % n) + n) % n
            maps[a] = (0..<n).map { c in (c - s + n) % n }
        }
        return AxisGather(inputShape: shape, maps: maps).apply(self)
            .recorded("roll", inputs: [self]) { g in [g.rolled(-shift, axis: a)] }
    }
}
