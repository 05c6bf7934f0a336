extension Tensor {
    /// Batch normalisation of an (N, C, ...) tensor per channel C, exactly
    /// torch.nn.functional.batch_norm. In training the batch mean and biased
    /// variance normalise, and `runningMean` / `runningVar` (when given) are
    /// updated in place with the unbiased variance:
    /// `running = (1 - momentum) * running + momentum * batchStatistic`.
    /// In evaluation the running statistics normalise. Gradients flow to the
    /// input, `weight` and `bias` in both modes; the running statistics get none.
    ///
    /// ```swift
    /// let y = x.batchNorm(weight: gamma, bias: beta, runningMean: mean, runningVar: variance, training: true)
    /// ```
    public func batchNorm(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
        training: Bool, momentum: Double = 0.1, eps: Double = 1e-5
    ) -> Tensor {
        Profiler.measure("batch_norm") {
            normalised(
                weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: training,
                momentum: momentum, eps: eps)
        }
    }

    private func normalised(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?, training: Bool, momentum: Double,
        eps: Double
    ) -> Tensor {
        require(rank >= 2, "GeoKit: batchNorm expects input (N, C), (N, C, L) or (N, C, H, W), got \(shape)")
        let batch = shape[0], channels = shape[1], plane = shape[2...].reduce(1, *)
        for (role, t) in [("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVar", runningVar)] {
            guard let t else { continue }
            require(
                t.shape == [channels] && t.dtype == dtype,
                "GeoKit: batchNorm \(role) must be a \(dtype) tensor of shape [\(channels)] for input \(shape), got \(t.dtype) \(t.shape)")
        }
        require((runningMean == nil) == (runningVar == nil), "GeoKit: batchNorm needs both runningMean and runningVar, or neither")
        require(training || runningMean != nil, "GeoKit: batchNorm in evaluation mode needs runningMean and runningVar")
        let count = batch * plane
        require(!training || count > 1, "GeoKit: batchNorm training needs more than one value per channel, input is \(shape)")
        let inputs = [self] + [weight, bias].compactMap { $0 }
        if dtype == .float32, OneDNN.isEnabled, rank == 4, (weight == nil) == (bias == nil),
            let result = OneDNN.batchNorm(
                self, scale: weight, shift: bias,
                statistics: training ? channelsLastMoments() : (runningMean!.scalars(), runningVar!.scalars()), eps: eps)
        {
            if training, let runningMean, let runningVar {
                let rm = runningMean.pointer(Float.self), rv = runningVar.pointer(Float.self)
                let unbias = Double(count) / Double(count - 1)
                for c in 0..<channels {
                    rm[c] = Float((1 - momentum) * Double(rm[c]) + momentum * Double(result.mean[c]))
                    rv[c] = Float((1 - momentum) * Double(rv[c]) + momentum * Double(result.variance[c]) * unbias)
                }
            }
            return result.output.recorded("batch_norm", inputs: inputs) { gradient in
                let wanted = weight?.requiresGrad == true || bias?.requiresGrad == true
                if let grads = OneDNN.batchNormGradients(
                    gradient, input: self, scale: weight, shift: bias, mean: result.mean, variance: result.variance, eps: eps,
                    batchStatistics: training, wantScaleShift: wanted)
                {
                    return [grads.input] + (weight == nil ? [] : [grads.scale, grads.shift])
                }
                let grads = Tensor.batchNormBackward(
                    gradient, input: self, weight: weight, bias: bias, mean: result.mean.map(Double.init),
                    invStd: result.variance.map { 1 / (Double($0) + eps).squareRoot() }, batchStatistics: training)
                return [grads.input] + (weight == nil ? [] : [grads.weight, grads.bias])
            }
        }

        var mean = [Double](repeating: 0, count: channels), invStd = [Double](repeating: 0, count: channels)
        let out = Tensor(zeros: shape, dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self)
            mean.withUnsafeMutableBufferPointer { mean in
                invStd.withUnsafeMutableBufferPointer { invStd in
                    if training {
                        let variance = UnsafeMutableBufferPointer<Double>.allocate(capacity: channels)
                        defer { variance.deallocate() }
                        channelMoments(
                            x, batch: batch, channels: channels, plane: plane,
                            mean: mean.baseAddress!, variance: variance.baseAddress!)
                        for c in 0..<channels { invStd[c] = 1 / (variance[c] + eps).squareRoot() }
                        if let runningMean, let runningVar {
                            let rm = runningMean.pointer(T.self), rv = runningVar.pointer(T.self)
                            let unbias = Double(count) / Double(count - 1)
                            for c in 0..<channels {
                                rm[c] = T((1 - momentum) * Double(rm[c]) + momentum * mean[c])
                                rv[c] = T((1 - momentum) * Double(rv[c]) + momentum * variance[c] * unbias)
                            }
                        }
                    } else if let runningMean, let runningVar {
                        let rm = runningMean.pointer(T.self), rv = runningVar.pointer(T.self)
                        for c in 0..<channels {
                            mean[c] = Double(rm[c])
                            invStd[c] = 1 / (Double(rv[c]) + eps).squareRoot()
                        }
                    }
                    // y = x * scale + shift with scale = w / std, shift = b - mean * scale.
                    let w = weight?.pointer(T.self), b = bias?.pointer(T.self)
                    let y = out.pointer(T.self)
                    Parallel.forEachChunk(batch * channels, grain: Swift.max(1, 16_384 / Swift.max(plane, 1))) { range in
                        for task in range {
                            let c = task % channels
                            let scale = (w.map { Double($0[c]) } ?? 1) * invStd[c]
                            let shift = (b.map { Double($0[c]) } ?? 0) - mean[c] * scale
                            let (s, t) = (T(scale), T(shift))
                            let src = x + task * plane, dst = y + task * plane
                            for i in 0..<plane { dst[i] = src[i] * s + t }
                        }
                    }
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }

        return out.recorded("batch_norm", inputs: inputs) { [mean, invStd] gradient in
            let grads = Tensor.batchNormBackward(
                gradient, input: self, weight: weight, bias: bias,
                mean: mean, invStd: invStd, batchStatistics: training)
            return [grads.input] + (weight == nil ? [] : [grads.weight]) + (bias == nil ? [] : [grads.bias])
        }
    }

    /// With xhat = (x - mean) * invStd: dbias = sum dy, dweight = sum dy * xhat, and
    /// dx = w * invStd * (dy - [sum dy + xhat * sum dy * xhat] / count) in training (where
    /// the statistics depend on x), dx = w * invStd * dy in evaluation.
    private static func batchNormBackward(
        _ gradient: Tensor, input: Tensor, weight: Tensor?, bias: Tensor?,
        mean: [Double], invStd: [Double], batchStatistics: Bool
    )
        -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
    {
        let batch = input.shape[0], channels = input.shape[1], plane = input.shape[2...].reduce(1, *)
        let count = Double(batch * plane)
        let inputGradient = input.requiresGrad ? Tensor(zeros: input.shape, dtype: input.dtype) : nil
        let weightGradient = weight?.requiresGrad == true ? Tensor(zeros: [channels], dtype: input.dtype) : nil
        let biasGradient = bias?.requiresGrad == true ? Tensor(zeros: [channels], dtype: input.dtype) : nil
        let needsSums = weightGradient != nil || biasGradient != nil || (inputGradient != nil && batchStatistics)
        func run<T: TensorScalar>(_: T.Type) {
            let x = input.pointer(T.self), dy = gradient.pointer(T.self)
            let w = weight?.pointer(T.self)
            let dx = inputGradient?.pointer(T.self), dw = weightGradient?.pointer(T.self), db = biasGradient?.pointer(T.self)
            Parallel.forEachChunk(channels, grain: Swift.max(1, 16_384 / Swift.max(batch * plane, 1))) { range in
                for c in range {
                    var sumDy = 0.0, sumDyCentered = 0.0
                    if needsSums {
                        for n in 0..<batch {
                            let offset = (n * channels + c) * plane
                            let sums = gradientSums(dy + offset, x + offset, count: plane, center: T(mean[c]))
                            sumDy += sums.gradient
                            sumDyCentered += sums.gradientTimesCentered
                        }
                    }
                    let sumDyXhat = sumDyCentered * invStd[c]
                    db?[c] = T(sumDy)
                    dw?[c] = T(sumDyXhat)
                    guard let dx else { continue }
                    // dx = a * dy + b * x + k, per channel.
                    let scale = (w.map { Double($0[c]) } ?? 1) * invStd[c]
                    var b = 0.0, k = 0.0
                    if batchStatistics {
                        b = -scale * invStd[c] * sumDyXhat / count
                        k = -scale * sumDy / count - b * mean[c]
                    }
                    let (ta, tb, tk) = (T(scale), T(b), T(k))
                    for n in 0..<batch {
                        let offset = (n * channels + c) * plane
                        let src = x + offset, g = dy + offset, dst = dx + offset
                        for i in 0..<plane { dst[i] = ta * g[i] + tb * src[i] + tk }
                    }
                }
            }
        }
        switch input.dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return (inputGradient, weightGradient, biasGradient)
    }
}

extension Tensor {
    /// Per-channel mean and biased variance of a 4-D float32 tensor, read in channels-last
    /// layout, accumulated as `channelMoments` does (shifted by each channel's first value,
    /// blocks of float32 added in Double): oneDNN's own statistics lose the variance of data
    /// far from zero.
    fileprivate func channelsLastMoments() -> (mean: [Float], variance: [Float]) {
        let channels = shape[1], pixels = shape[0] * shape[2] * shape[3]
        let x = channelsLastFloats
        let chunks = Swift.max(1, Swift.min(Parallel.threadCount, pixels / 4096))
        let per = (pixels + chunks - 1) / chunks
        // Per chunk: the Double sums and sums of squares, then the float32 block accumulators.
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks * 2 * channels)
        partial.initialize(repeating: 0, count: chunks * 2 * channels)
        defer { partial.deallocate() }
        Parallel.forEachChunk(chunks, grain: 1) { range in
            let block = UnsafeMutablePointer<Float>.allocate(capacity: 2 * channels)
            defer { block.deallocate() }
            for chunk in range {
                let totals = partial + chunk * 2 * channels
                var pixel = chunk * per
                let end = Swift.min(pixels, pixel + per)
                while pixel < end {
                    let blockEnd = Swift.min(end, pixel + reductionBlock)
                    block.update(repeating: 0, count: 2 * channels)
                    for p in pixel..<blockEnd {
                        let row = x + p * channels
                        for c in 0..<channels {
                            let v = row[c] - x[c]
                            block[c] += v
                            block[channels + c] += v * v
                        }
                    }
                    for c in 0..<2 * channels { totals[c] += Double(block[c]) }
                    pixel = blockEnd
                }
            }
        }
        var sums = [Double](repeating: 0, count: 2 * channels)
        for chunk in 0..<chunks {
            for c in 0..<2 * channels { sums[c] += partial[chunk * 2 * channels + c] }
        }
        let shift = (0..<channels).map { x[$0] }
        var mean = [Float](repeating: 0, count: channels), variance = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let centered = sums[c] / Double(pixels), sumSquares = sums[channels + c]
            mean[c] = Float(Double(shift[c]) + centered)
            let v = sumSquares / Double(pixels) - centered * centered
            variance[c] = Float(v < 0 ? 0 : v)
        }
        return (mean, variance)
    }
}

/// Per-channel mean and biased variance of an (N, C, plane) tensor. Lanes
/// accumulate (x - shift) in blocks of the element type, each block is added
/// in Double; the shift (the channel's first value) keeps the one-pass
/// variance free of cancellation when the mean is large against the spread.
private func channelMoments<T: TensorScalar>(
    _ x: UnsafePointer<T>, batch: Int, channels: Int, plane: Int,
    mean: UnsafeMutablePointer<Double>, variance: UnsafeMutablePointer<Double>
) {
    let count = Double(batch * plane)
    Parallel.forEachChunk(channels, grain: max(1, 16_384 / max(batch * plane, 1))) { range in
        for c in range {
            let shift = x[c * plane]
            var sum = 0.0, sumSquares = 0.0
            for n in 0..<batch {
                let moments = shiftedMoments(x + (n * channels + c) * plane, count: plane, shift: shift)
                sum += moments.sum
                sumSquares += moments.sumSquares
            }
            let centeredMean = sum / count
            mean[c] = Double(shift) + centeredMean
            // Rounding can leave the one-pass variance slightly negative; a NaN (from a NaN input) must stay.
            let v = sumSquares / count - centeredMean * centeredMean
            variance[c] = v < 0 ? 0 : v
        }
    }
}

/// Elements per block summed in the element type before the block is added in Double.
private let reductionBlock = 512

/// Sum and sum of squares of x - shift over a contiguous run.
@inline(__always)
private func shiftedMoments<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int, shift: T) -> (sum: Double, sumSquares: Double) {
    let raw = UnsafeRawPointer(x), size = MemoryLayout<T>.stride
    let s = SIMD8<T>(repeating: shift)
    var sum = 0.0, sumSquares = 0.0
    var i = 0
    while i < count {
        let end = min(count, i + reductionBlock)
        var a = SIMD8<T>(), a2 = SIMD8<T>()
        while i + 8 <= end {
            let v = raw.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self) - s
            a += v
            a2 += v * v
            i += 8
        }
        var tail: T = 0, tail2: T = 0
        while i < end {
            let v = x[i] - shift
            tail += v
            tail2 += v * v
            i += 1
        }
        sum += Double(a.sum() + tail)
        sumSquares += Double(a2.sum() + tail2)
    }
    return (sum, sumSquares)
}

/// Sum of dy and of dy * (x - center) over a contiguous run, blocked like `shiftedMoments`.
@inline(__always)
private func gradientSums<T: TensorScalar>(_ dy: UnsafePointer<T>, _ x: UnsafePointer<T>, count: Int, center: T)
    -> (gradient: Double, gradientTimesCentered: Double)
{
    let rawDy = UnsafeRawPointer(dy), rawX = UnsafeRawPointer(x), size = MemoryLayout<T>.stride
    let m = SIMD8<T>(repeating: center)
    var sum = 0.0, sumProducts = 0.0
    var i = 0
    while i < count {
        let end = min(count, i + reductionBlock)
        var a = SIMD8<T>(), p = SIMD8<T>()
        while i + 8 <= end {
            let g = rawDy.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self)
            a += g
            p += g * (rawX.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self) - m)
            i += 8
        }
        var tail: T = 0, tailProducts: T = 0
        while i < end {
            tail += dy[i]
            tailProducts += dy[i] * (x[i] - center)
            i += 1
        }
        sum += Double(a.sum() + tail)
        sumProducts += Double(p.sum() + tailProducts)
    }
    return (sum, sumProducts)
}
