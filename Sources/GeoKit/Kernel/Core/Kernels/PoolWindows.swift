/// The input rows and columns each output pixel of a 2-D pooling reads,
/// already clipped to the input. Fixed windows (max/avg pooling) and
/// adaptive bins share these tables, so one max kernel and one average
/// kernel serve both.
struct PoolWindows {
    let inHeight: Int, inWidth: Int
    let rows: [Range<Int>], columns: [Range<Int>]
    /// Window extent including padding, per output row / column (avg pooling's count_include_pad divisor).
    let paddedRowSpans: [Int], paddedColumnSpans: [Int]

    var outHeight: Int { rows.count }
    var outWidth: Int { columns.count }

    /// Sliding windows of `kernel` with `stride` and zero `padding` (torch floor rule, no ceil mode).
    init(inHeight: Int, inWidth: Int, kernel: Int, stride: Int, padding: Int) {
        func windows(_ length: Int) -> (clipped: [Range<Int>], padded: [Int]) {
            let count = ConvGeometry.outputLength(input: length, kernel: kernel, stride: stride, padding: padding, dilation: 1)
            let starts = (0..<count).map { $0 * stride - padding }
            return (
                starts.map { max($0, 0)..<min($0 + kernel, length) },
                starts.map { min($0 + kernel, length + padding) - $0 }
            )
        }
        let (rows, rowSpans) = windows(inHeight), (columns, columnSpans) = windows(inWidth)
        self.init(
            inHeight: inHeight, inWidth: inWidth, rows: rows, columns: columns,
            paddedRowSpans: rowSpans, paddedColumnSpans: columnSpans)
    }

    /// torch's adaptive bins: output i reads floor(i * L / n) ..< ceil((i + 1) * L / n).
    init(inHeight: Int, inWidth: Int, adaptiveTo outHeight: Int, _ outWidth: Int) {
        func bins(_ length: Int, _ count: Int) -> [Range<Int>] {
            (0..<count).map { i in (i * length / count)..<(((i + 1) * length + count - 1) / count) }
        }
        let rows = bins(inHeight, outHeight), columns = bins(inWidth, outWidth)
        self.init(
            inHeight: inHeight, inWidth: inWidth, rows: rows, columns: columns,
            paddedRowSpans: rows.map(\.count), paddedColumnSpans: columns.map(\.count))
    }

    private init(
        inHeight: Int, inWidth: Int, rows: [Range<Int>], columns: [Range<Int>],
        paddedRowSpans: [Int], paddedColumnSpans: [Int]
    ) {
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.rows = rows
        self.columns = columns
        self.paddedRowSpans = paddedRowSpans
        self.paddedColumnSpans = paddedColumnSpans
    }
}

/// Max over each window of every plane; `argmax` receives the winning index
/// within the plane. The first maximum wins and NaN propagates, as in torch.
/// The loops run input row by input row across a whole output row, so the
/// windows of neighbouring outputs are compared independently (no long
/// dependency chain through one running maximum).
func maxPool<T: TensorScalar>(
    _ input: UnsafePointer<T>, planes: Int, _ w: PoolWindows,
    into output: UnsafeMutablePointer<T>, argmax: UnsafeMutablePointer<Int32>
) {
    let inPlane = w.inHeight * w.inWidth, outPlane = w.outHeight * w.outWidth, width = w.outWidth
    w.rows.withUnsafeBufferPointer { rows in
        w.columns.withUnsafeBufferPointer { columns in
            Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(inPlane, 1))) { range in
                for plane in range {
                    let src = input + plane * inPlane
                    for (oh, r) in rows.enumerated() {
                        let best = output + plane * outPlane + oh * width, index = argmax + plane * outPlane + oh * width
                        for ow in 0..<width {
                            best[ow] = -T.infinity
                            index[ow] = Int32(truncatingIfNeeded: r.lowerBound &* w.inWidth &+ columns[ow].lowerBound)
                        }
                        for h in r {
                            let row = h &* w.inWidth
                            for ow in 0..<width {
                                var m = best[ow], i = index[ow]
                                for k in columns[ow] {
                                    let v = src[row &+ k]
                                    let wins = v > m || v != v
                                    m = wins ? v : m
                                    i = wins ? Int32(truncatingIfNeeded: row &+ k) : i
                                }
                                best[ow] = m
                                index[ow] = i
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of `maxPool`: each output gradient goes to its window's winner.
func maxPoolGradient<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, argmax: UnsafePointer<Int32>, planes: Int,
    _ w: PoolWindows, into inputGradient: UnsafeMutablePointer<T>
) {
    let inPlane = w.inHeight * w.inWidth, outPlane = w.outHeight * w.outWidth
    Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(inPlane, 1))) { range in
        for plane in range {
            let dst = inputGradient + plane * inPlane
            for o in (plane * outPlane)..<((plane + 1) * outPlane) { dst[Int(argmax[o])] += gradient[o] }
        }
    }
}

/// Mean over each window of every plane: the window's sum divided by `divisors[o]`, o the
/// output pixel's index within its plane.
func averagePool<T: TensorScalar>(
    _ input: UnsafePointer<T>, planes: Int, _ w: PoolWindows, divisors: [T],
    into output: UnsafeMutablePointer<T>
) {
    let inPlane = w.inHeight * w.inWidth, outPlane = w.outHeight * w.outWidth
    w.rows.withUnsafeBufferPointer { rows in
        w.columns.withUnsafeBufferPointer { columns in
            Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(inPlane, 1))) { range in
                for plane in range {
                    let src = input + plane * inPlane
                    var o = 0
                    for r in rows {
                        for c in columns {
                            var sum: T = 0
                            for h in r {
                                for k in c { sum += src[h * w.inWidth + k] }
                            }
                            output[plane * outPlane + o] = sum / divisors[o]
                            o += 1
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of `averagePool`: each output gradient spreads evenly over its window.
func averagePoolGradient<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, planes: Int, _ w: PoolWindows, divisors: [T],
    into inputGradient: UnsafeMutablePointer<T>
) {
    let inPlane = w.inHeight * w.inWidth, outPlane = w.outHeight * w.outWidth
    w.rows.withUnsafeBufferPointer { rows in
        w.columns.withUnsafeBufferPointer { columns in
            Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(inPlane, 1))) { range in
                for plane in range {
                    let dst = inputGradient + plane * inPlane
                    var o = 0
                    for r in rows {
                        for c in columns {
                            let share = gradient[plane * outPlane + o] / divisors[o]
                            for h in r {
                                for k in c { dst[h * w.inWidth + k] += share }
                            }
                            o += 1
                        }
                    }
                }
            }
        }
    }
}
