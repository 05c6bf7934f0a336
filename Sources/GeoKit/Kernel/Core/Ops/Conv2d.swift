extension Tensor {
    /// 2-D convolution of an NCHW batch, with torch.nn.functional.conv2d's
    /// semantics (cross-correlation, zero padding, floor output size).
    /// `weight` is (outChannels, inChannels / groups, kh, kw), `bias` (outChannels).
    ///
    /// ```swift
    /// let y = x.conv2d(weight: w, bias: b, stride: (2, 2), padding: (3, 3))   // a ResNet stem
    /// ```
    ///
    /// Depthwise convolutions (groups == inChannels == outChannels) run as
    /// direct loops; all others as im2col + GEMM, where 1x1 stride-1 unpadded
    /// convolutions multiply the input directly.
    @_disfavoredOverload
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) -> Tensor {
        Profiler.measure("conv2d") {
            convolved(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
    }

    private func convolved(
        weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    ) -> Tensor {
        let geometry = conv2dGeometry(
            weight: weight, bias: bias, stride: stride, padding: padding,
            dilation: dilation, groups: groups)
        let depthwise = groups > 1 && groups == geometry.inChannels && groups == geometry.outChannels
        FlopCounter.add(2 * geometry.batch * geometry.outChannels * geometry.outPlane * geometry.groupColumnRows)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        if dtype == .float32, OneDNN.isEnabled,
            let out = OneDNN.convolution(self, weight: weight, bias: bias, geometry, training: recording)
        {
            return out.recorded("conv2d", inputs: inputs) { gradient in
                Tensor.conv2dBackward(gradient, input: self, weight: weight, bias: bias, geometry, depthwise: depthwise)
            }
        }
        let out = Tensor(zeros: [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth], dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = pointer(T.self), w = weight.pointer(T.self), y = out.pointer(T.self)
            let b = bias?.pointer(T.self)
            if depthwise {
                depthwiseConv2d(x, weight: w, bias: b, geometry, into: y)
            } else {
                gemmConv2dForward(x, weight: w, geometry, into: y)
                if let b {
                    addChannelBias(b, batch: geometry.batch, channels: geometry.outChannels, plane: geometry.outPlane, to: y)
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out.recorded("conv2d", inputs: inputs) { gradient in
            Tensor.conv2dBackward(gradient, input: self, weight: weight, bias: bias, geometry, depthwise: depthwise)
        }
    }

    /// 2-D convolution with the same stride, padding and dilation along both axes.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1
    ) -> Tensor {
        conv2d(
            weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
            dilation: (dilation, dilation), groups: groups)
    }

    func conv2dGeometry(
        weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int),
        dilation: (Int, Int), groups: Int
    ) -> ConvGeometry {
        require(rank == 4, "GeoKit: conv2d expects input (N, Cin, H, W), got \(shape)")
        require(weight.rank == 4, "GeoKit: conv2d expects weight (Cout, Cin/groups, kh, kw), got \(weight.shape)")
        require(
            weight.dtype == dtype && (bias?.dtype ?? dtype) == dtype,
            "GeoKit: conv2d of a \(dtype) input with a \(weight.dtype) weight\(bias.map { " and a \($0.dtype) bias" } ?? ""); convert with .to(_:)")
        require(
            groups >= 1 && shape[1] % groups == 0 && weight.shape[0] % groups == 0,
            "GeoKit: conv2d groups \(groups) must divide Cin \(shape[1]) and Cout \(weight.shape[0])")
        require(
            weight.shape[1] * groups == shape[1],
            "GeoKit: conv2d weight \(weight.shape) with groups \(groups) expects \(weight.shape[1] * groups) input channels, input is \(shape)")
        require(
            stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
            "GeoKit: conv2d needs stride and dilation >= 1 and padding >= 0, got stride \(stride), dilation \(dilation), padding \(padding)")
        if let bias {
            require(bias.shape == [weight.shape[0]], "GeoKit: conv2d bias must have shape [\(weight.shape[0])], got \(bias.shape)")
        }
        let outHeight = ConvGeometry.outputLength(
            input: shape[2], kernel: weight.shape[2], stride: stride.0,
            padding: padding.0, dilation: dilation.0)
        let outWidth = ConvGeometry.outputLength(
            input: shape[3], kernel: weight.shape[3], stride: stride.1,
            padding: padding.1, dilation: dilation.1)
        require(
            outHeight > 0 && outWidth > 0,
            "GeoKit: conv2d input \(shape) is smaller than the dilated kernel \(weight.shape) with padding \(padding)")
        return ConvGeometry(
            batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
            outChannels: weight.shape[0], outHeight: outHeight, outWidth: outWidth,
            kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideHeight: stride.0, strideWidth: stride.1, padHeight: padding.0, padWidth: padding.1,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
    }

    /// Gradients for input, weight and bias; each is computed only when its tensor requires it.
    private static func conv2dBackward(
        _ gradient: Tensor, input: Tensor, weight: Tensor, bias: Tensor?,
        _ geometry: ConvGeometry, depthwise: Bool
    ) -> [Tensor?] {
        if input.dtype == .float32, OneDNN.isEnabled,
            let gradients = oneDNNConv2dBackward(gradient, input: input, weight: weight, bias: bias, geometry)
        {
            return gradients
        }
        let inputGradient = input.requiresGrad ? Tensor(zeros: input.shape, dtype: input.dtype) : nil
        let weightGradient = weight.requiresGrad ? Tensor(zeros: weight.shape, dtype: weight.dtype) : nil
        let biasGradient = bias?.requiresGrad == true ? Tensor(zeros: [geometry.outChannels], dtype: input.dtype) : nil
        func run<T: TensorScalar>(_: T.Type) {
            let gy = gradient.pointer(T.self), x = input.pointer(T.self), w = weight.pointer(T.self)
            if depthwise {
                if let inputGradient { depthwiseConv2dInputGradient(gy, weight: w, geometry, into: inputGradient.pointer(T.self)) }
                if let weightGradient { depthwiseConv2dWeightGradient(gy, input: x, geometry, into: weightGradient.pointer(T.self)) }
            } else if inputGradient != nil || weightGradient != nil {
                gemmConv2dBackward(
                    gy, input: x, weight: w, geometry, inputGradient: inputGradient?.pointer(T.self),
                    weightGradient: weightGradient?.pointer(T.self))
            }
            if let biasGradient {
                sumPerChannel(
                    gy, batch: geometry.batch, channels: geometry.outChannels, plane: geometry.outPlane,
                    into: biasGradient.pointer(T.self))
            }
        }
        switch input.dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return bias == nil ? [inputGradient, weightGradient] : [inputGradient, weightGradient, biasGradient]
    }

    /// `conv2dBackward` on oneDNN, or nil (nothing written) where it declines.
    private static func oneDNNConv2dBackward(
        _ gradient: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, _ geometry: ConvGeometry
    ) -> [Tensor?]? {
        var inputGradient: Tensor?
        if input.requiresGrad {
            guard let g = OneDNN.convolutionInputGradient(gradient, weight: weight, geometry) else { return nil }
            inputGradient = g
        }
        let weightGradient = weight.requiresGrad ? Tensor(zeros: weight.shape) : nil
        let biasGradient = bias?.requiresGrad == true ? Tensor(zeros: [geometry.outChannels]) : nil
        if weightGradient != nil || biasGradient != nil {
            // oneDNN writes both or the weight's alone; a bias gradient nobody wants lands in scratch.
            let w = weightGradient ?? Tensor(zeros: weight.shape)
            let b = bias == nil ? nil : biasGradient ?? Tensor(zeros: [geometry.outChannels])
            guard OneDNN.convolutionParameterGradients(gradient, input: input, geometry, weight: w, bias: b) else { return nil }
        }
        return bias == nil ? [inputGradient, weightGradient] : [inputGradient, weightGradient, biasGradient]
    }
}
