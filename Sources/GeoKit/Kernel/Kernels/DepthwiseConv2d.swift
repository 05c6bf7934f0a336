// Depthwise convolution (groups == inChannels == outChannels) as direct loops:
// each channel is filtered by its own small kernel, so lowering to a GEMM
// would multiply 1-row matrices. The loops run over output rows, then kernel
// taps, with the innermost loop over a contiguous output row that the
// compiler vectorises; padding is handled by clipping each tap's range.

/// output[n, c] = bias[c] + sum over taps of weight[c, tap] * shifted input[n, c].
func depthwiseConv2d<T: TensorScalar>(_ input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                      _ g: ConvGeometry, into output: UnsafeMutablePointer<T>) {
    let channels = g.inChannels
    Parallel.forEachChunk(g.batch * channels, grain: max(1, 16_384 / max(g.outPlane * g.kernelArea, 1))) { range in
        for task in range {
            let c = task % channels
            let source = input + task * g.inPlane, destination = output + task * g.outPlane
            let filter = weight + c * g.kernelArea
            destination.update(repeating: bias?[c] ?? 0, count: g.outPlane)
            for ki in 0..<g.kernelHeight {
                let rowOffset = ki * g.dilationHeight - g.padHeight
                let rows = ConvGeometry.validOutputs(outLength: g.outHeight, inLength: g.inHeight,
                                                     stride: g.strideHeight, offset: rowOffset)
                for kj in 0..<g.kernelWidth {
                    let w = filter[ki * g.kernelWidth + kj]
                    let columnOffset = kj * g.dilationWidth - g.padWidth
                    let cols = ConvGeometry.validOutputs(outLength: g.outWidth, inLength: g.inWidth,
                                                         stride: g.strideWidth, offset: columnOffset)
                    let stride = g.strideWidth
                    for oh in rows {
                        let inRow = source + (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset
                        let outRow = destination + oh * g.outWidth
                        if stride == 1 {
                            for ow in cols { outRow[ow] += w * inRow[ow] }
                        } else {
                            for ow in cols { outRow[ow] += w * inRow[ow * stride] }
                        }
                    }
                }
            }
        }
    }
}

/// Adds the input gradient of `depthwiseConv2d` for the output gradient `gradient` to `inputGradient`.
func depthwiseConv2dInputGradient<T: TensorScalar>(_ gradient: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                   _ g: ConvGeometry, into inputGradient: UnsafeMutablePointer<T>) {
    let channels = g.inChannels
    Parallel.forEachChunk(g.batch * channels, grain: max(1, 16_384 / max(g.outPlane * g.kernelArea, 1))) { range in
        for task in range {
            let c = task % channels
            let source = gradient + task * g.outPlane, destination = inputGradient + task * g.inPlane
            let filter = weight + c * g.kernelArea
            for ki in 0..<g.kernelHeight {
                let rowOffset = ki * g.dilationHeight - g.padHeight
                let rows = ConvGeometry.validOutputs(outLength: g.outHeight, inLength: g.inHeight,
                                                     stride: g.strideHeight, offset: rowOffset)
                for kj in 0..<g.kernelWidth {
                    let w = filter[ki * g.kernelWidth + kj]
                    let columnOffset = kj * g.dilationWidth - g.padWidth
                    let cols = ConvGeometry.validOutputs(outLength: g.outWidth, inLength: g.inWidth,
                                                         stride: g.strideWidth, offset: columnOffset)
                    let stride = g.strideWidth
                    for oh in rows {
                        let inRow = destination + (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset
                        let outRow = source + oh * g.outWidth
                        if stride == 1 {
                            for ow in cols { inRow[ow] += w * outRow[ow] }
                        } else {
                            for ow in cols { inRow[ow * stride] += w * outRow[ow] }
                        }
                    }
                }
            }
        }
    }
}

/// Adds the weight gradient of `depthwiseConv2d` to `weightGradient` (channels x taps);
/// one task per channel sums over the whole batch, so no two tasks share a tap.
func depthwiseConv2dWeightGradient<T: TensorScalar>(_ gradient: UnsafePointer<T>, input: UnsafePointer<T>,
                                                    _ g: ConvGeometry, into weightGradient: UnsafeMutablePointer<T>) {
    let channels = g.inChannels
    Parallel.forEachChunk(channels, grain: max(1, 16_384 / max(g.batch * g.outPlane * g.kernelArea, 1))) { range in
        for c in range {
            for n in 0..<g.batch {
                let plane = n * channels + c
                let source = input + plane * g.inPlane, outGradient = gradient + plane * g.outPlane
                for ki in 0..<g.kernelHeight {
                    let rowOffset = ki * g.dilationHeight - g.padHeight
                    let rows = ConvGeometry.validOutputs(outLength: g.outHeight, inLength: g.inHeight,
                                                         stride: g.strideHeight, offset: rowOffset)
                    for kj in 0..<g.kernelWidth {
                        let columnOffset = kj * g.dilationWidth - g.padWidth
                        let cols = ConvGeometry.validOutputs(outLength: g.outWidth, inLength: g.inWidth,
                                                             stride: g.strideWidth, offset: columnOffset)
                        let stride = g.strideWidth
                        var sum: T = 0
                        for oh in rows {
                            let inRow = source + (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset
                            let outRow = outGradient + oh * g.outWidth
                            if stride == 1 {
                                sum += vectorDot(outRow + cols.lowerBound, inRow + cols.lowerBound, count: cols.count)
                            } else {
                                for ow in cols { sum += outRow[ow] * inRow[ow * stride] }
                            }
                        }
                        weightGradient[c * g.kernelArea + ki * g.kernelWidth + kj] += sum
                    }
                }
            }
        }
    }
}
