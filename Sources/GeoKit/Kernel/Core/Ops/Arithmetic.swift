/// Element-wise arithmetic with NumPy broadcasting. The backward of each
/// operator sums the gradient back to each input's shape.
protocol BinaryFunction {
    func value<T: TensorScalar>(_ a: T, _ b: T) -> T
}

private struct Add: BinaryFunction { func value<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b } }
private struct Subtract: BinaryFunction { func value<T: TensorScalar>(_ a: T, _ b: T) -> T { a - b } }
private struct Multiply: BinaryFunction { func value<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b } }
private struct Divide: BinaryFunction { func value<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b } }

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, Add(), name: "add") { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? g.sumToShape(b.shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, Subtract(), name: "sub") { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? (-g).sumToShape(b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, Multiply(), name: "mul") { g in
            [
                a.requiresGrad ? (g * b).sumToShape(a.shape) : nil,
                b.requiresGrad ? (g * a).sumToShape(b.shape) : nil
            ]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, Divide(), name: "div") { g in
            [
                a.requiresGrad ? (g / b).sumToShape(a.shape) : nil,
                b.requiresGrad ? (-(g * a) / (b * b)).sumToShape(b.shape) : nil
            ]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    public static func + (a: Tensor, s: Double) -> Tensor { a.scalarOp(s, Add(), name: "add_scalar") { g in g } }
    public static func - (a: Tensor, s: Double) -> Tensor { a + (-s) }
    public static func * (a: Tensor, s: Double) -> Tensor { a.scalarOp(s, Multiply(), name: "mul_scalar") { g in g * s } }
    public static func / (a: Tensor, s: Double) -> Tensor { a * (1 / s) }
    public static func + (s: Double, a: Tensor) -> Tensor { a + s }
    public static func - (s: Double, a: Tensor) -> Tensor { (-a) + s }
    public static func * (s: Double, a: Tensor) -> Tensor { a * s }

    /// Sums a broadcast gradient back down to `target` (the inverse of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        require(offset >= 0, "GeoKit: cannot reduce shape \(shape) to \(target)")
        var axes: [Int] = Array(0..<offset)
        for (i, d) in target.enumerated() where d == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// This tensor broadcast to `target` (a copy; differentiable).
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        require(Shape.broadcast(shape, target) == target, "GeoKit: cannot broadcast \(shape) to \(target)")
        return Tensor.zeros(target, dtype: dtype) + self
    }

    private func scalarOp<F: BinaryFunction>(_ s: Double, _ f: F, name: String, backward: @escaping (Tensor) -> Tensor) -> Tensor {
        Profiler.measure(name) { scalarApplied(s, f, name: name, backward: backward) }
    }

    private func scalarApplied<F: BinaryFunction>(
        _ s: Double, _ f: F, name: String, backward: @escaping (Tensor) -> Tensor
    ) -> Tensor {
        if isChannelsLast {
            let out = Tensor(shape: shape, dtype: .float32, storage: Storage(channelsLast: shape))
            let x = channelsLastFloats, y = out.storage.channelsLastOutput, c = Float(s)
            Parallel.forEachChunk(count) { r in for i in r { y[i] = f.value(x[i], c) } }
            return out.recorded(name, inputs: [self]) { g in [backward(g)] }
        }
        let out = Tensor(zeros: shape, dtype: dtype)
        func run<T: TensorScalar>(_: T.Type) {
            let x = readPointer(T.self), y = out.pointer(T.self), c = T(s)
            Parallel.forEachChunk(count) { r in for i in r { y[i] = f.value(x[i], c) } }
        }
        switch dtype {
        case .float32: run(Float.self);
        case .float64: run(Double.self)
        }
        return out.recorded(name, inputs: [self]) { g in [backward(g)] }
    }

    private static func broadcastBinary<F: BinaryFunction>(
        _ a: Tensor, _ b: Tensor, _ f: F, name: String, backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        Profiler.measure(name) { broadcastApplied(a, b, f, name: name, backward: backward) }
    }

    private static func broadcastApplied<F: BinaryFunction>(
        _ a: Tensor, _ b: Tensor, _ f: F, name: String, backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        require(a.dtype == b.dtype, "GeoKit: \(name) of a \(a.dtype) and a \(b.dtype) tensor; convert one with .to(_:)")
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            fatalError("GeoKit: \(name) cannot broadcast shapes \(a.shape) and \(b.shape)")
        }
        if let out = channelsLastBinary(a, b, f, shape: shape) { return out.recorded(name, inputs: [a, b], backward: backward) }
        let out = Tensor(zeros: shape, dtype: a.dtype)
        switch a.dtype {
        case .float32: broadcastKernel(f, a, b, out, Float.self)
        case .float64: broadcastKernel(f, a, b, out, Double.self)
        }
        return out.recorded(name, inputs: [a, b], backward: backward)
    }
}

/// f(a, b) kept in channels-last layout when a 4-D operand is in it (a oneDNN
/// op's output): both operands of one shape (a residual sum), or the other
/// one constant over the image plane ((N or 1, C, 1, 1), a squeeze-excitation
/// gate or a per-channel scale). Nil for every other case.
private func channelsLastBinary<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _ f: F, shape: [Int]) -> Tensor? {
    guard a.dtype == .float32, shape.count == 4, a.isChannelsLast || b.isChannelsLast else { return nil }
    let n = Shape.count(shape), channels = shape[1], plane = shape[2] * shape[3]
    let out = Tensor(shape: shape, dtype: .float32, storage: Storage(channelsLast: shape))
    let y = out.storage.channelsLastOutput
    if a.shape == shape && b.shape == shape {
        let pa = a.channelsLastFloats, pb = b.channelsLastFloats
        Parallel.forEachChunk(n) { r in for i in r { y[i] = f.value(pa[i], pb[i]) } }
        return out
    }
    func perChannel(_ t: Tensor) -> Bool {
        let dims = Array(repeating: 1, count: 4 - t.rank) + t.shape
        return dims[1] == channels && dims[2] == 1 && dims[3] == 1 && (dims[0] == 1 || dims[0] == shape[0])
    }
    let (image, gate, gateFirst): (Tensor, Tensor, Bool)
    if a.shape == shape, a.isChannelsLast, perChannel(b) {
        (image, gate, gateFirst) = (a, b, false)
    } else if b.shape == shape, b.isChannelsLast, perChannel(a) {
        (image, gate, gateFirst) = (b, a, true)
    } else {
        return nil
    }
    let x = image.channelsLastFloats, s = gate.readOnlyFloats, perImage = gate.count == channels ? 0 : channels
    Parallel.forEachChunk(shape[0] * plane, grain: max(1, 16_384 / channels)) { r in
        for pixel in r {
            let gates = s + pixel / plane * perImage, row = pixel * channels
            if gateFirst {
                for c in 0..<channels { y[row + c] = f.value(gates[c], x[row + c]) }
            } else {
                for c in 0..<channels { y[row + c] = f.value(x[row + c], gates[c]) }
            }
        }
    }
    return out
}

/// out[i] = f(a[ia], b[ib]) over the broadcast index space. Contiguous
/// operands of equal shape and scalar operands take flat loops; otherwise the
/// innermost axis is looped with fixed strides.
@inline(__always)
private func broadcastKernel<F: BinaryFunction, T: TensorScalar>(_ f: F, _ a: Tensor, _ b: Tensor, _ out: Tensor, _: T.Type) {
    let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
    let n = out.count
    if a.count == n && b.count == n {
        Parallel.forEachChunk(n) { r in for i in r { po[i] = f.value(pa[i], pb[i]) } }
        return
    }
    if b.count == 1 && a.count == n {
        let s = pb[0]
        Parallel.forEachChunk(n) { r in for i in r { po[i] = f.value(pa[i], s) } }
        return
    }
    if a.count == 1 && b.count == n {
        let s = pa[0]
        Parallel.forEachChunk(n) { r in for i in r { po[i] = f.value(s, pb[i]) } }
        return
    }
    let shape = out.shape
    let rank = shape.count
    let sa = Shape.broadcastStrides(a.shape, to: shape)
    let sb = Shape.broadcastStrides(b.shape, to: shape)
    let inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1]
    let rows = n / max(inner, 1)
    Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(inner, 1))) { r in
        for row in r {
            // Decompose the row index into the outer coordinates.
            var rem = row, offA = 0, offB = 0
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                let c = rem % shape[axis]
                rem /= shape[axis]
                offA += c * sa[axis]
                offB += c * sb[axis]
            }
            let o = po + row * inner
            for j in 0..<inner { o[j] = f.value(pa[offA + j * ia], pb[offB + j * ib]) }
        }
    }
}
