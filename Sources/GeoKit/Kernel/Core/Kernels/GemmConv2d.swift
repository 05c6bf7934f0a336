// Convolution as GEMM: per group, filters (outChannels/groups x K) times the
// lowered input (K x pixels), K = inChannels/groups * kernel area. Several
// images share one GEMM when their output planes are small (deep layers), so
// the matrices stay large enough for OpenBLAS to run near peak; the GEMMs are
// called from this thread only (OpenBLAS parallelises them itself).

/// Output pixels one GEMM should cover at least; below it, images are batched.
private let targetGemmColumns = 1024
/// Upper bound on the elements of the lowered-input buffer when batching images.
private let maxBatchedColumnElements = 1 << 23

/// How many images to lower into one GEMM.
func imagesPerGemm(_ g: ConvGeometry) -> Int {
    let plane = max(g.outPlane, 1)
    guard plane < targetGemmColumns else { return 1 }
    let wanted = (targetGemmColumns + plane - 1) / plane
    let affordable = max(1, maxBatchedColumnElements / max(g.columnRows * plane, 1))
    return max(1, min(g.batch, wanted, affordable))
}

/// output = conv(input, weight) without bias; `output` is fully overwritten.
func gemmConv2dForward<T: TensorScalar>(
    _ input: UnsafePointer<T>, weight: UnsafePointer<T>, _ g: ConvGeometry,
    into output: UnsafeMutablePointer<T>
) {
    let images = imagesPerGemm(g), plane = g.outPlane
    let rows = g.groupColumnRows, filters = g.outChannelsPerGroup
    let lowers = !(g.isPointwise && images == 1)
    Workspace.withOptionalBuffer(T.self, count: g.columnRows * images * plane, if: lowers) { columns in
        Workspace.withOptionalBuffer(T.self, count: g.outChannels * images * plane, if: images > 1) { staging in
            for first in stride(from: 0, to: g.batch, by: images) {
                let count = min(images, g.batch - first), width = count * plane
                let image = input + first * g.inChannels * g.inPlane
                if let columns { im2col(image, images: count, g, into: columns) }
                let lowered = columns.map { UnsafePointer($0) } ?? image
                let product = staging ?? output + first * g.outChannels * plane
                for group in 0..<g.groups {
                    T.gemm(
                        transA: false, transB: false, m: filters, n: width, k: rows, alpha: 1,
                        a: weight + group * filters * rows, lda: rows,
                        b: lowered + group * rows * width, ldb: width,
                        beta: 0, c: product + group * filters * width, ldc: width)
                }
                if let staging {
                    unbatchColumns(
                        staging, images: count, channels: g.outChannels, plane: plane,
                        into: output + first * g.outChannels * plane)
                }
            }
        }
    }
}

/// Accumulates the gradients of `gemmConv2dForward`: `inputGradient` (when
/// given) receives dX and must start at zero; `weightGradient` (when given)
/// is accumulated into across the batch.
func gemmConv2dBackward<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, input: UnsafePointer<T>, weight: UnsafePointer<T>,
    _ g: ConvGeometry, inputGradient: UnsafeMutablePointer<T>?,
    weightGradient: UnsafeMutablePointer<T>?
) {
    let images = imagesPerGemm(g), plane = g.outPlane
    let rows = g.groupColumnRows, filters = g.outChannelsPerGroup
    let direct = g.isPointwise && images == 1
    Workspace.withOptionalBuffer(T.self, count: g.columnRows * images * plane, if: !direct) { columns in
        Workspace.withOptionalBuffer(T.self, count: g.outChannels * images * plane, if: images > 1) { staging in
            for first in stride(from: 0, to: g.batch, by: images) {
                let count = min(images, g.batch - first), width = count * plane
                let image = input + first * g.inChannels * g.inPlane
                let outGradient = gradient + first * g.outChannels * plane
                if let staging { batchColumns(outGradient, images: count, channels: g.outChannels, plane: plane, into: staging) }
                let dY = staging.map { UnsafePointer($0) } ?? outGradient
                if let weightGradient {
                    if let columns { im2col(image, images: count, g, into: columns) }
                    let lowered = columns.map { UnsafePointer($0) } ?? image
                    for group in 0..<g.groups {
                        T.gemm(
                            transA: false, transB: true, m: filters, n: rows, k: width, alpha: 1,
                            a: dY + group * filters * width, lda: width,
                            b: lowered + group * rows * width, ldb: width,
                            beta: 1, c: weightGradient + group * filters * rows, ldc: rows)
                    }
                }
                if let inputGradient {
                    let imageGradient = inputGradient + first * g.inChannels * g.inPlane
                    // Pointwise: W^T dY is already dX; otherwise it is the lowered gradient, folded back by col2im.
                    let target = columns ?? imageGradient
                    for group in 0..<g.groups {
                        T.gemm(
                            transA: true, transB: false, m: rows, n: width, k: filters, alpha: 1,
                            a: weight + group * filters * rows, lda: rows,
                            b: dY + group * filters * width, ldb: width,
                            beta: 0, c: target + group * rows * width, ldc: width)
                    }
                    if let columns { col2im(columns, images: count, g, into: imageGradient) }
                }
            }
        }
    }
}

/// Copies a (channels x images * plane) GEMM product into `images` NCHW images.
private func unbatchColumns<T: TensorScalar>(
    _ product: UnsafePointer<T>, images: Int, channels: Int, plane: Int,
    into output: UnsafeMutablePointer<T>
) {
    Parallel.forEachChunk(images * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
        for task in range {
            let image = task / channels, channel = task % channels
            (output + task * plane).update(from: product + (channel * images + image) * plane, count: plane)
        }
    }
}

/// Copies `images` NCHW images into one (channels x images * plane) matrix, the inverse of `unbatchColumns`.
private func batchColumns<T: TensorScalar>(
    _ images: UnsafePointer<T>, images count: Int, channels: Int, plane: Int,
    into matrix: UnsafeMutablePointer<T>
) {
    Parallel.forEachChunk(count * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
        for task in range {
            let image = task / channels, channel = task % channels
            (matrix + (channel * count + image) * plane).update(from: images + task * plane, count: plane)
        }
    }
}
