/// How `padded` fills the new border (the modes of torch.nn.functional.pad).
public enum PadMode: Equatable, Sendable {
    /// Every border element is this value.
    case constant(Double)
    /// Mirror without repeating the edge: [a b c] padded by 2 -> [c b a b c b a].
    case reflect
    /// Repeat the edge element: [a b c] padded by 2 -> [a a a b c c c].
    case replicate
    /// Wrap around: [a b c] padded by 2 -> [b c a b c a b].
    case circular
}

extension Tensor {
    /// The tensor with a border added to its last `widths.count` axes
    /// (torch.nn.functional.pad). Unlike F.pad, widths are in axis order:
    /// `widths[0]` pads the first of those axes. Reflect needs each width
    /// below the axis size, circular at most the axis size. The backward sums
    /// each output gradient into the input element it was copied from.
    public func padded(_ widths: [(before: Int, after: Int)], mode: PadMode = .constant(0)) -> Tensor {
        Profiler.measure("pad") {
            require(
                widths.count <= rank,
                "GeoKit: padded: \(widths.count) pad widths for a tensor of shape \(shape)")
            var maps = [[Int]?](repeating: nil, count: rank)
            for (k, width) in widths.enumerated() where width.before != 0 || width.after != 0 {
                let axis = rank - widths.count + k
                maps[axis] = padMap(size: shape[axis], width: width, mode: mode, axis: axis)
            }
            let gather = AxisGather(inputShape: shape, maps: maps)
            var fill = 0.0
            if case .constant(let value) = mode { fill = value }
            return gather.apply(self, fill: fill).recorded("pad", inputs: [self]) { g in [gather.scatterAdd(g)] }
        }
    }

    /// For each output coordinate along one padded axis, the input coordinate it copies (-1: constant).
    private func padMap(size n: Int, width: (before: Int, after: Int), mode: PadMode, axis: Int) -> [Int] {
        let widthText = "(before: \(width.before), after: \(width.after))"
        require(
            width.before >= 0 && width.after >= 0,
            "GeoKit: padded: negative width \(widthText) on axis \(axis) of shape \(shape)")
        switch mode {
        case .constant: break
        case .reflect:
            require(
                width.before < n && width.after < n,
                "GeoKit: padded: reflect width \(widthText) must be below the size \(n) of axis \(axis) of shape \(shape)")
        case .replicate:
            require(n > 0, "GeoKit: padded: replicate cannot pad the empty axis \(axis) of shape \(shape)")
        case .circular:
            require(
                width.before <= n && width.after <= n,
                "GeoKit: padded: circular width \(widthText) must be at most the size \(n) of axis \(axis) of shape \(shape)")
        }
        return (-width.before..<(n + width.after)).map { i in
            if i >= 0 && i < n { return i }
            switch mode {
            case .constant: return -1
            case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
            case .replicate: return i < 0 ? 0 : n - 1
            case .circular: return (i + n) % n
            }
        }
    }
}
