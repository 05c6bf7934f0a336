extension Tensor {
    /// Bilinear resize of an NCHW tensor to (height, width), exactly
    /// torch.nn.functional.interpolate(mode: "bilinear", align_corners:).
    /// With `alignCorners` the corner pixels of input and output coincide;
    /// without it pixel centres are mapped (source = (i + 0.5) * in / out - 0.5,
    /// clamped at 0).
    ///
    /// ```swift
    /// let up = features.resizedBilinear(height: 16, width: 64, alignCorners: false)
    /// ```
    public func resizedBilinear(height: Int, width: Int, alignCorners: Bool) -> Tensor {
        Profiler.measure("resize_bilinear") {
            require(rank == 4 && shape[2] > 0 && shape[3] > 0, "GeoKit: resizedBilinear expects a non-empty input (N, C, H, W), got \(shape)")
            require(height >= 1 && width >= 1, "GeoKit: resizedBilinear needs an output size of at least 1x1, got \(height)x\(width)")
            let rows = BilinearTaps(input: shape[2], output: height, alignCorners: alignCorners)
            let columns = BilinearTaps(input: shape[3], output: width, alignCorners: alignCorners)
            let planes = shape[0] * shape[1]
            let out = Tensor(zeros: [shape[0], shape[1], height, width], dtype: dtype)
            func run<T: TensorScalar>(_: T.Type) {
                let plan = BilinearPlan<T>(inHeight: shape[2], inWidth: shape[3], rows: rows, columns: columns)
                bilinearResize(pointer(T.self), planes: planes, plan, into: out.pointer(T.self))
            }
            switch dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return out.recorded("resize_bilinear", inputs: [self]) { gradient in
                let inputGradient = Tensor(zeros: self.shape, dtype: self.dtype)
                func run<T: TensorScalar>(_: T.Type) {
                    let plan = BilinearPlan<T>(inHeight: self.shape[2], inWidth: self.shape[3], rows: rows, columns: columns)
                    bilinearResizeGradient(gradient.pointer(T.self), planes: planes, plan, into: inputGradient.pointer(T.self))
                }
                switch self.dtype {
                case .float32: run(Float.self);
                case .float64: run(Double.self)
                }
                return [inputGradient]
            }
        }
    }
}

/// For each output index along one axis: the two input indices it blends and their weights (torch's rule).
private struct BilinearTaps {
    let first: [Int], second: [Int]
    let firstWeight: [Double], secondWeight: [Double]

    init(input: Int, output: Int, alignCorners: Bool) {
        var first: [Int] = [], second: [Int] = [], firstWeight: [Double] = [], secondWeight: [Double] = []
        let scale =
            alignCorners
            ? (output > 1 ? Double(input - 1) / Double(output - 1) : 0)
            : Double(input) / Double(output)
        for o in 0..<output {
            // Same size: the identity, both taps on the pixel itself (as torch does).
            var lower = o, upper = o, fraction = 0.0
            if input != output {
                let source = alignCorners ? scale * Double(o) : max(scale * (Double(o) + 0.5) - 0.5, 0)
                lower = min(Int(source.rounded(.down)), input - 1)
                upper = lower < input - 1 ? lower + 1 : lower
                fraction = min(max(source - Double(lower), 0), 1)
            }
            first.append(lower)
            second.append(upper)
            firstWeight.append(1 - fraction)
            secondWeight.append(fraction)
        }
        self.first = first
        self.second = second
        self.firstWeight = firstWeight
        self.secondWeight = secondWeight
    }
}

/// The taps of both axes as the element type, looked up by the resize kernels.
private struct BilinearPlan<T: TensorScalar> {
    let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    let rows: BilinearTaps, columns: BilinearTaps
    let rowWeights: ([T], [T]), columnWeights: ([T], [T])

    init(inHeight: Int, inWidth: Int, rows: BilinearTaps, columns: BilinearTaps) {
        self.inHeight = inHeight
        self.inWidth = inWidth
        outHeight = rows.first.count
        outWidth = columns.first.count
        self.rows = rows
        self.columns = columns
        rowWeights = (rows.firstWeight.map { T($0) }, rows.secondWeight.map { T($0) })
        columnWeights = (columns.firstWeight.map { T($0) }, columns.secondWeight.map { T($0) })
    }
}

private func bilinearResize<T: TensorScalar>(
    _ input: UnsafePointer<T>, planes: Int, _ plan: BilinearPlan<T>,
    into output: UnsafeMutablePointer<T>
) {
    let (c0, c1) = (plan.columns.first, plan.columns.second), (w0, w1) = plan.columnWeights
    let inPlane = plan.inHeight * plan.inWidth, outPlane = plan.outHeight * plan.outWidth
    Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(outPlane, 1))) { range in
        for plane in range {
            let src = input + plane * inPlane, dst = output + plane * outPlane
            for oh in 0..<plan.outHeight {
                let top = src + plan.rows.first[oh] * plan.inWidth, bottom = src + plan.rows.second[oh] * plan.inWidth
                let (a, b) = (plan.rowWeights.0[oh], plan.rowWeights.1[oh])
                let out = dst + oh * plan.outWidth
                for ow in 0..<plan.outWidth {
                    out[ow] =
                        a * (w0[ow] * top[c0[ow]] + w1[ow] * top[c1[ow]])
                        + b * (w0[ow] * bottom[c0[ow]] + w1[ow] * bottom[c1[ow]])
                }
            }
        }
    }
}

/// The adjoint of `bilinearResize`: each output gradient is shared among its four source pixels.
private func bilinearResizeGradient<T: TensorScalar>(
    _ gradient: UnsafePointer<T>, planes: Int, _ plan: BilinearPlan<T>,
    into inputGradient: UnsafeMutablePointer<T>
) {
    let (c0, c1) = (plan.columns.first, plan.columns.second), (w0, w1) = plan.columnWeights
    let inPlane = plan.inHeight * plan.inWidth, outPlane = plan.outHeight * plan.outWidth
    Parallel.forEachChunk(planes, grain: max(1, 16_384 / max(outPlane, 1))) { range in
        for plane in range {
            let src = gradient + plane * outPlane, dst = inputGradient + plane * inPlane
            for oh in 0..<plan.outHeight {
                let top = dst + plan.rows.first[oh] * plan.inWidth, bottom = dst + plan.rows.second[oh] * plan.inWidth
                let (a, b) = (plan.rowWeights.0[oh], plan.rowWeights.1[oh])
                let g = src + oh * plan.outWidth
                for ow in 0..<plan.outWidth {
                    top[c0[ow]] += a * w0[ow] * g[ow]
                    top[c1[ow]] += a * w1[ow] * g[ow]
                    bottom[c0[ow]] += b * w0[ow] * g[ow]
                    bottom[c1[ow]] += b * w1[ow] * g[ow]
                }
            }
        }
    }
}
