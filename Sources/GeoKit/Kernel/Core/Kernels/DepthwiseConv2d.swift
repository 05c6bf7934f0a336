// Depthwise convolution (groups == inChannels == outChannels) as direct loops:
// each channel is filtered by its own small kernel, so lowering to a GEMM
// would multiply 1-row matrices. The loops run over output rows, then kernel
// taps, with the innermost loop over a contiguous output row that the
// compiler vectorises; padding is handled by clipping each tap's range.

/// Walks the taps of a depthwise kernel: for each tap (index into the
/// channel's kh x kw filter) and each output row it reaches, `row` gets the
/// offset of the input row (already shifted by the tap's column offset), the
/// offset of the output row, and the output columns whose input is inside
/// the image. The three kernels below differ only in what they do per row.
@inline(__always)
private func forEachTapRow(
    _ g: ConvGeometry, tap: (Int) -> Void = { _ in },
    row: (_ tap: Int, _ inOffset: Int, _ outOffset: Int, _ columns: Range<Int>) -> Void
) {
    for ki in 0..<g.kernelHeight {
        let rowOffset = ki * g.dilationHeight - g.padHeight
        let rows = ConvGeometry.validOutputs(outLength: g.outHeight, inLength: g.inHeight, stride: g.strideHeight, offset: rowOffset)
        for kj in 0..<g.kernelWidth {
            let index = ki * g.kernelWidth + kj
            let columnOffset = kj * g.dilationWidth - g.padWidth
            let cols = ConvGeometry.validOutputs(outLength: g.outWidth, inLength: g.inWidth, stride: g.strideWidth, offset: columnOffset)
            for oh in rows {
                row(index, (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset, oh * g.outWidth, cols)
            }
            tap(index)
        }
    }
}

/// Calls `body` with the offset of every output of the plane whose input for
/// `tap` is padding: the outputs `forEachTapRow` skips. torch multiplies the
/// zero padding like any input, so a NaN or infinite factor there still
/// gives 0 * NaN = NaN; the kernels below add those products only when a
/// factor is not finite, which keeps the clipped loops free of padding work.
private func forEachPaddedOutput(_ g: ConvGeometry, tap: Int, _ body: (Int) -> Void) {
    let ki = tap / g.kernelWidth, kj = tap % g.kernelWidth
    let rows = ConvGeometry.validOutputs(
        outLength: g.outHeight, inLength: g.inHeight, stride: g.strideHeight,
        offset: ki * g.dilationHeight - g.padHeight)
    let cols = ConvGeometry.validOutputs(
        outLength: g.outWidth, inLength: g.inWidth, stride: g.strideWidth,
        offset: kj * g.dilationWidth - g.padWidth)
    for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth where !(rows.contains(oh) && cols.contains(ow)) { body(oh * g.outWidth + ow) }
    }
}

/// output[n, c] = bias[c] + sum over taps of weight[c, tap] * shifted input[n, c].
func depthwiseConv2d<T: TensorScalar>(
    _ input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
    _ g: ConvGeometry, into output: UnsafeMutablePointer<T>
) {
    let channels = g.inChannels, stride = g.strideWidth
    Parallel.forEachChunk(g.batch * channels, grain: max(1, 16_384 / max(g.outPlane * g.kernelArea, 1))) { range in
        for task in range {
            let source = input + task * g.inPlane, destination = output + task * g.outPlane
            let filter = weight + (task % channels) * g.kernelArea
            destination.update(repeating: bias?[task % channels] ?? 0, count: g.outPlane)
            forEachTapRow(g) { tap, inOffset, outOffset, cols in
                let w = filter[tap], inRow = source + inOffset, outRow = destination + outOffset
                if stride == 1 {
                    for ow in cols { outRow[ow] += w * inRow[ow] }
                } else {
                    for ow in cols { outRow[ow] += w * inRow[ow * stride] }
                }
            }
            for tap in 0..<g.kernelArea where !filter[tap].isFinite {
                let w = filter[tap]
                forEachPaddedOutput(g, tap: tap) { destination[$0] += w * 0 }
            }
        }
    }
}

/// Adds the input gradient of `depthwiseConv2d` for the output gradient `gradient` to `inputGradient`.
func depthwiseConv2dInputGradient<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, weight: UnsafePointer<T>,
    _ g: ConvGeometry, into inputGradient: UnsafeMutablePointer<T>
) {
    let channels = g.inChannels, stride = g.strideWidth
    Parallel.forEachChunk(g.batch * channels, grain: max(1, 16_384 / max(g.outPlane * g.kernelArea, 1))) { range in
        for task in range {
            let source = gradient + task * g.outPlane, destination = inputGradient + task * g.inPlane
            let filter = weight + (task % channels) * g.kernelArea
            forEachTapRow(g) { tap, inOffset, outOffset, cols in
                let w = filter[tap], inRow = destination + inOffset, outRow = source + outOffset
                if stride == 1 {
                    for ow in cols { inRow[ow] += w * outRow[ow] }
                } else {
                    for ow in cols { inRow[ow * stride] += w * outRow[ow] }
                }
            }
        }
    }
}

/// Adds the weight gradient of `depthwiseConv2d` to `weightGradient` (channels x taps);
/// one task per channel sums over the whole batch, so no two tasks share a tap.
func depthwiseConv2dWeightGradient<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, input: UnsafePointer<T>,
    _ g: ConvGeometry, into weightGradient: UnsafeMutablePointer<T>
) {
    let channels = g.inChannels, stride = g.strideWidth
    Parallel.forEachChunk(channels, grain: max(1, 16_384 / max(g.batch * g.outPlane * g.kernelArea, 1))) { range in
        for c in range {
            for n in 0..<g.batch {
                let plane = n * channels + c
                let source = input + plane * g.inPlane, outGradient = gradient + plane * g.outPlane
                var sum: T = 0
                forEachTapRow(
                    g,
                    tap: { tap in
                        weightGradient[c * g.kernelArea + tap] += sum
                        sum = 0
                    }
                ) { _, inOffset, outOffset, cols in
                    let inRow = source + inOffset, outRow = outGradient + outOffset
                    if stride == 1 {
                        sum += vectorDot(outRow + cols.lowerBound, inRow + cols.lowerBound, count: cols.count)
                    } else {
                        for ow in cols { sum += outRow[ow] * inRow[ow * stride] }
                    }
                }
                if !vectorSum(outGradient, count: g.outPlane).isFinite {
                    for tap in 0..<g.kernelArea {
                        var padded: T = 0
                        forEachPaddedOutput(g, tap: tap) { padded += outGradient[$0] * 0 }
                        weightGradient[c * g.kernelArea + tap] += padded
                    }
                }
            }
        }
    }
}
