import RealModule

extension Tensor {
    /// Max pooling of an NCHW tensor over `kernel` x `kernel` windows, as
    /// torch.nn.functional.max_pool2d (padding never wins, no ceil mode).
    /// `stride` defaults to `kernel`.
    ///
    /// ```swift
    /// let y = x.maxPool2d(kernel: 3, stride: 2, padding: 1)   // the ResNet stem
    /// ```
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        Profiler.measure("max_pool2d") {
            maxPool(slidingWindows(kernel: kernel, stride: stride, padding: padding, op: "maxPool2d"), name: "max_pool2d")
        }
    }

    /// Average pooling of an NCHW tensor over `kernel` x `kernel` windows, as
    /// torch.nn.functional.avg_pool2d (no ceil mode). With `countIncludePad`
    /// the zero padding counts in each window's divisor. `stride` defaults to `kernel`.
    public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
        Profiler.measure("avg_pool2d") {
            let windows = slidingWindows(kernel: kernel, stride: stride, padding: padding, op: "avgPool2d")
            return averagePool(windows, includePadding: countIncludePad, name: "avg_pool2d")
        }
    }

    /// Average pooling of an NCHW tensor to `outputSize` (height, width) with
    /// torch's adaptive bins: output i covers floor(i * L / n) ..< ceil((i + 1) * L / n).
    public func adaptiveAvgPool2d(_ outputSize: (Int, Int)) -> Tensor {
        Profiler.measure("adaptive_avg_pool2d") {
            averagePool(adaptiveWindows(outputSize, op: "adaptiveAvgPool2d"), includePadding: false, name: "adaptive_avg_pool2d")
        }
    }

    /// Max pooling of an NCHW tensor to `outputSize` (height, width) with torch's adaptive bins.
    public func adaptiveMaxPool2d(_ outputSize: (Int, Int)) -> Tensor {
        Profiler.measure("adaptive_max_pool2d") {
            maxPool(adaptiveWindows(outputSize, op: "adaptiveMaxPool2d"), name: "adaptive_max_pool2d")
        }
    }

    /// Generalised-mean (GeM) pooling: (mean over H, W of clamp(x, min: eps)^p)^(1/p),
    /// giving (N, C). `p` has shape [1] (one exponent for all channels) or
    /// [C] (one per channel, RK-Net's version); gradients flow to x and to p.
    ///
    /// ```swift
    /// let p = Tensor.full(3, shape: [1]).requiringGrad()
    /// let descriptor = features.gem(p: p)   // (N, C)
    /// ```
    public func gem(p: Tensor, eps: Double = 1e-6) -> Tensor {
        require(rank == 4 && shape[2] * shape[3] > 0, "GeoKit: gem expects a non-empty input (N, C, H, W), got \(shape)")
        let batch = shape[0], channels = shape[1], plane = shape[2] * shape[3]
        require(
            p.dtype == dtype && (p.shape == [1] || p.shape == [channels]),
            "GeoKit: gem exponent p must be a \(dtype) tensor of shape [1] or [\(channels)] for input \(shape), got \(p.dtype) \(p.shape)")
        let exponentStride = p.count == 1 ? 0 : 1
        let out = Tensor(zeros: [batch, channels], dtype: dtype)
        // The mean of clamp(x)^p per plane, which the backward needs alongside y.
        let means = Tensor(zeros: [batch, channels], dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), exponents = p.pointer(T.self), y = out.pointer(T.self), m = means.pointer(T.self)
            let floor = T(eps)
            Parallel.forEachChunk(batch * channels, grain: Swift.max(1, 4_096 / plane)) { range in
                for task in range {
                    let e = exponents[(task % channels) * exponentStride]
                    let src = x + task * plane
                    var sum: T = 0
                    for i in 0..<plane { sum += T.pow(clampedBelow(src[i], floor), e) }
                    m[task] = sum / T(plane)
                    y[task] = T.pow(m[task], 1 / e)
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out.recorded("gem", inputs: [self, p]) { [unowned out] gradient in
            let inputGradient = self.requiresGrad ? Tensor(zeros: self.shape, dtype: self.dtype) : nil
            let exponentGradient = p.requiresGrad ? Tensor(zeros: p.shape, dtype: self.dtype) : nil
            func run<T: TensorScalar>(_: T.Type) {
                let x = self.pointer(T.self), exponents = p.pointer(T.self), gy = gradient.pointer(T.self)
                let y = out.pointer(T.self), m = means.pointer(T.self)
                let floor = T(eps)
                // dy/dp per plane, summed into the exponent's gradient afterwards.
                var exponentTerms = [T](repeating: 0, count: batch * channels)
                exponentTerms.withUnsafeMutableBufferPointer { terms in
                    Parallel.forEachChunk(batch * channels, grain: Swift.max(1, 4_096 / plane)) { range in
                        for task in range {
                            let e = exponents[(task % channels) * exponentStride]
                            let src = x + task * plane
                            // y = m^(1/p): dy/dx_i = y / (m * plane) * z_i^(p-1) where x_i > eps (torch's clamp passes no gradient at eps),
                            // dy/dp = y * (-log(m) / p^2 + mean(z^p log z) / (m p)).
                            if let inputGradient {
                                let dst = inputGradient.pointer(T.self) + task * plane
                                let scale = gy[task] * y[task] / (m[task] * T(plane))
                                for i in 0..<plane where src[i] > floor { dst[i] = scale * T.pow(src[i], e - 1) }
                            }
                            if exponentGradient != nil {
                                var weighted: T = 0
                                for i in 0..<plane {
                                    let z = clampedBelow(src[i], floor)
                                    weighted += T.pow(z, e) * T.log(z)
                                }
                                let meanWeighted = weighted / T(plane)
                                terms[task] = gy[task] * y[task] * (-T.log(m[task]) / (e * e) + meanWeighted / (m[task] * e))
                            }
                        }
                    }
                }
                if let exponentGradient {
                    let gp = exponentGradient.pointer(T.self)
                    for task in 0..<(batch * channels) { gp[(task % channels) * exponentStride] += exponentTerms[task] }
                }
            }
            switch self.dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return [inputGradient, exponentGradient]
        }
    }

    private func slidingWindows(kernel: Int, stride: Int?, padding: Int, op: String) -> PoolWindows {
        require(rank == 4, "GeoKit: \(op) expects input (N, C, H, W), got \(shape)")
        let step = stride ?? kernel
        require(
            kernel >= 1 && step >= 1 && padding >= 0 && padding <= kernel / 2,
            "GeoKit: \(op) needs kernel >= 1, stride >= 1 and 0 <= padding <= kernel / 2, got kernel \(kernel), stride \(step), padding \(padding)")
        let windows = PoolWindows(inHeight: shape[2], inWidth: shape[3], kernel: kernel, stride: step, padding: padding)
        require(
            windows.outHeight > 0 && windows.outWidth > 0,
            "GeoKit: \(op) input \(shape) is smaller than the \(kernel)x\(kernel) window with padding \(padding)")
        return windows
    }

    private func adaptiveWindows(_ outputSize: (Int, Int), op: String) -> PoolWindows {
        require(rank == 4, "GeoKit: \(op) expects input (N, C, H, W), got \(shape)")
        require(
            outputSize.0 >= 1 && outputSize.1 >= 1 && shape[2] >= 1 && shape[3] >= 1,
            "GeoKit: \(op) needs a non-empty input and output size, got input \(shape) and output size \(outputSize)")
        return PoolWindows(inHeight: shape[2], inWidth: shape[3], adaptiveTo: outputSize.0, outputSize.1)
    }

    private func maxPool(_ windows: PoolWindows, name: String) -> Tensor {
        if isChannelsLast { return channelsLastMaxPool(windows, name: name) }
        let planes = shape[0] * shape[1]
        let out = Tensor(zeros: [shape[0], shape[1], windows.outHeight, windows.outWidth], dtype: dtype)
        var argmax = [Int32](repeating: 0, count: out.count)
        func run<T: TensorScalar>(_: T.Type) {
            argmax.withUnsafeMutableBufferPointer { argmax in
                GeoKitCore.maxPool(pointer(T.self), planes: planes, windows, into: out.pointer(T.self), argmax: argmax.baseAddress!)
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out.recorded(name, inputs: [self]) { [argmax] gradient in
            let inputGradient = Tensor(zeros: self.shape, dtype: self.dtype)
            func run<T: TensorScalar>(_: T.Type) {
                argmax.withUnsafeBufferPointer { argmax in
                    maxPoolGradient(
                        gradient.pointer(T.self), argmax: argmax.baseAddress!, planes: planes, windows,
                        into: inputGradient.pointer(T.self))
                }
            }
            switch self.dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return [inputGradient]
        }
    }

    /// `maxPool` of a channels-last tensor, in that layout: the same windows, visited in the same
    /// order with the same comparison (so the same winner, NaN included), a row of channels at a time.
    private func channelsLastMaxPool(_ windows: PoolWindows, name: String) -> Tensor {
        let (batch, channels) = (shape[0], shape[1])
        let (inPlane, outPlane) = (windows.inHeight * windows.inWidth, windows.outHeight * windows.outWidth)
        let sizes = [batch, channels, windows.outHeight, windows.outWidth]
        let out = Tensor(shape: sizes, dtype: .float32, storage: Storage(channelsLast: sizes))
        var argmax = [Int32](repeating: 0, count: out.count)
        let x = channelsLastFloats, y = out.storage.channelsLastOutput
        argmax.withUnsafeMutableBufferPointer { argmax in
            let winners = argmax.baseAddress!
            Parallel.forEachChunk(batch * windows.outHeight, grain: 1) { range in
                for task in range {
                    let (n, oh) = (task / windows.outHeight, task % windows.outHeight)
                    let image = x + n * inPlane * channels
                    for ow in 0..<windows.outWidth {
                        let o = (n * outPlane + oh * windows.outWidth + ow) * channels
                        let best = y + o, index = winners + o
                        let (rows, columns) = (windows.rows[oh], windows.columns[ow])
                        let first = Int32(rows.lowerBound * windows.inWidth + columns.lowerBound)
                        var c = 0
                        // Eight channels at a time, then the rest one by one; the same comparison either way.
                        while c + 8 <= channels {
                            var m = SIMD8<Float>(repeating: -.infinity), i = SIMD8<Int32>(repeating: first)
                            for h in rows {
                                for k in columns {
                                    let pixel = h * windows.inWidth + k
                                    let v = UnsafeRawPointer(image + pixel * channels + c).loadUnaligned(as: SIMD8<Float>.self)
                                    let wins = (v .> m) .| (v .!= v)
                                    m.replace(with: v, where: wins)
                                    i.replace(with: Int32(pixel), where: wins)
                                }
                            }
                            UnsafeMutableRawPointer(best + c).storeBytes(of: m, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(index + c).storeBytes(of: i, as: SIMD8<Int32>.self)
                            c += 8
                        }
                        while c < channels {
                            var m = -Float.infinity, i = first
                            for h in rows {
                                for k in columns {
                                    let pixel = h * windows.inWidth + k, v = image[pixel * channels + c]
                                    let wins = v > m || v != v
                                    m = wins ? v : m
                                    i = wins ? Int32(pixel) : i
                                }
                            }
                            best[c] = m
                            index[c] = i
                            c += 1
                        }
                    }
                }
            }
        }
        return out.recorded(name, inputs: [self]) { [argmax] gradient in
            let inputGradient = Tensor(shape: self.shape, dtype: .float32, storage: Storage(channelsLast: self.shape))
            let gx = inputGradient.storage.channelsLastOutput, gy = gradient.channelsLastFloats
            argmax.withUnsafeBufferPointer { argmax in
                let winners = argmax.baseAddress!
                Parallel.forEachChunk(batch, grain: 1) { images in
                    for n in images {
                        (gx + n * inPlane * channels).update(repeating: 0, count: inPlane * channels)
                        for pixel in 0..<outPlane {
                            let o = (n * outPlane + pixel) * channels
                            for c in 0..<channels { gx[(n * inPlane + Int(winners[o + c])) * channels + c] += gy[o + c] }
                        }
                    }
                }
            }
            return [inputGradient]
        }
    }

    private func averagePool(_ windows: PoolWindows, includePadding: Bool, name: String) -> Tensor {
        let planes = shape[0] * shape[1]
        let out = Tensor(zeros: [shape[0], shape[1], windows.outHeight, windows.outWidth], dtype: dtype)
        var divisors: [Double] = []
        for r in 0..<windows.outHeight {
            for c in 0..<windows.outWidth {
                divisors.append(
                    Double(
                        includePadding
                            ? windows.paddedRowSpans[r] * windows.paddedColumnSpans[c]
                            : windows.rows[r].count * windows.columns[c].count))
            }
        }
        func run<T: TensorScalar>(_: T.Type) {
            GeoKitCore.averagePool(
                pointer(T.self), planes: planes, windows, divisors: divisors.map { T($0) },
                into: out.pointer(T.self))
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out.recorded(name, inputs: [self]) { gradient in
            let inputGradient = Tensor(zeros: self.shape, dtype: self.dtype)
            func run<T: TensorScalar>(_: T.Type) {
                averagePoolGradient(
                    gradient.pointer(T.self), planes: planes, windows, divisors: divisors.map { T($0) },
                    into: inputGradient.pointer(T.self))
            }
            switch self.dtype {
            case .float32: run(Float.self);
            case .float64: run(Double.self)
            }
            return [inputGradient]
        }
    }
}

/// clamp(x, min: floor) with torch's NaN rule: a NaN stays NaN. Like a clamped value it then gets no input
/// gradient, since the backward's `x > floor` is false for it.
@inline(__always)
private func clampedBelow<T: TensorScalar>(_ x: T, _ floor: T) -> T { x < floor ? floor : x }
