// Lowering a convolution to a matrix product. The lowered ("column") matrix
// of `images` consecutive images has one row per (input channel, kernel row,
// kernel column) and one column per (image, output pixel), so a single GEMM
// with the filters (outChannels x columnRows) convolves all those images at once.

/// Fills `columns` (g.columnRows x images * g.outPlane, row-major) from
/// `images` consecutive NCHW images starting at `input`; padding reads as zero.
func im2col<T: TensorScalar>(
    _ input: UnsafePointer<T>, images: Int, _ g: ConvGeometry,
    into columns: UnsafeMutablePointer<T>
) {
    let plane = g.outPlane, rowLength = images * plane
    let tasks = g.columnRows * images
    Parallel.forEachChunk(tasks, grain: max(1, 16_384 / max(plane, 1))) { range in
        for task in range {
            let row = task / images, image = task % images
            let channel = row / g.kernelArea, tap = row % g.kernelArea
            let ki = tap / g.kernelWidth, kj = tap % g.kernelWidth
            let source = input + (image * g.inChannels + channel) * g.inPlane
            let destination = columns + row * rowLength + image * plane
            let rowOffset = ki * g.dilationHeight - g.padHeight
            let columnOffset = kj * g.dilationWidth - g.padWidth
            let rows = ConvGeometry.validOutputs(
                outLength: g.outHeight, inLength: g.inHeight,
                stride: g.strideHeight, offset: rowOffset)
            let cols = ConvGeometry.validOutputs(
                outLength: g.outWidth, inLength: g.inWidth,
                stride: g.strideWidth, offset: columnOffset)
            for oh in 0..<g.outHeight {
                let out = destination + oh * g.outWidth
                guard rows.contains(oh) else {
                    out.update(repeating: 0, count: g.outWidth)
                    continue
                }
                let inRow = source + (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset
                for ow in 0..<cols.lowerBound { out[ow] = 0 }
                if g.strideWidth == 1 {
                    (out + cols.lowerBound).update(from: inRow + cols.lowerBound, count: cols.count)
                } else {
                    let stride = g.strideWidth
                    for ow in cols { out[ow] = inRow[ow * stride] }
                }
                for ow in cols.upperBound..<g.outWidth { out[ow] = 0 }
            }
        }
    }
}

/// The adjoint of `im2col`: adds every entry of `columns` back onto the input
/// pixel it was read from (`gradient` holds `images` NCHW images and is
/// accumulated into, not overwritten). Each task owns one input plane, so the
/// scatter needs no synchronisation.
func col2im<T: TensorScalar>(
    _ columns: UnsafePointer<T>, images: Int, _ g: ConvGeometry,
    into gradient: UnsafeMutablePointer<T>
) {
    let plane = g.outPlane, rowLength = images * plane
    let tasks = g.inChannels * images
    Parallel.forEachChunk(tasks, grain: max(1, 16_384 / max(plane * g.kernelArea, 1))) { range in
        for task in range {
            let channel = task / images, image = task % images
            let target = gradient + (image * g.inChannels + channel) * g.inPlane
            for tap in 0..<g.kernelArea {
                let ki = tap / g.kernelWidth, kj = tap % g.kernelWidth
                let source = columns + (channel * g.kernelArea + tap) * rowLength + image * plane
                let rowOffset = ki * g.dilationHeight - g.padHeight
                let columnOffset = kj * g.dilationWidth - g.padWidth
                let rows = ConvGeometry.validOutputs(
                    outLength: g.outHeight, inLength: g.inHeight,
                    stride: g.strideHeight, offset: rowOffset)
                let cols = ConvGeometry.validOutputs(
                    outLength: g.outWidth, inLength: g.inWidth,
                    stride: g.strideWidth, offset: columnOffset)
                let stride = g.strideWidth
                for oh in rows {
                    let inRow = target + (oh * g.strideHeight + rowOffset) * g.inWidth + columnOffset
                    let out = source + oh * g.outWidth
                    if stride == 1 {
                        for ow in cols { inRow[ow] += out[ow] }
                    } else {
                        for ow in cols { inRow[ow * stride] += out[ow] }
                    }
                }
            }
        }
    }
}
