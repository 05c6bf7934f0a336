/// A scalar function applied element by element, with its derivative. New
/// element-wise ops are one small struct conforming to this protocol; the
/// loop, threading, dtype dispatch and backward come from `Tensor.map`.
public protocol ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T
    /// dy/dx at x, where y = value(x) (given so derivatives like the
    /// sigmoid's can reuse it).
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T
    /// The input gradient for the output gradient g: g * derivative(x, y)
    /// unless the function is piecewise and, like torch's backward, selects
    /// g or 0 by a comparison (relu, clamp, hardswish), so that a NaN
    /// gradient does not leak into the zero branch.
    func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T
}

extension ElementwiseFunction {
    @inline(__always)
    public func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T { g * derivative(x, y) }
}

extension Tensor {
    /// Applies `f` to every element; differentiable through `f.derivative`.
    ///
    /// Values in channels-last layout (a oneDNN op's output) stay in it: the
    /// function does not care about the order of the elements.
    public func map<F: ElementwiseFunction>(_ f: F, name: String) -> Tensor {
        Profiler.measure(name) { mapped(f, name: name) }
    }

    private func mapped<F: ElementwiseFunction>(_ f: F, name: String) -> Tensor {
        let out: Tensor
        if isChannelsLast {
            out = Tensor(shape: shape, dtype: .float32, storage: Storage(channelsLast: shape))
            mapKernel(f, UnsafeMutablePointer(mutating: channelsLastFloats), out.storage.channelsLastOutput, count)
        } else {
            out = Tensor(zeros: shape, dtype: dtype)
            switch dtype {
            case .float32: mapKernel(f, pointer(Float.self), out.pointer(Float.self), count)
            case .float64: mapKernel(f, pointer(Double.self), out.pointer(Double.self), count)
            }
        }
        return out.recorded(name, inputs: [self]) { [unowned out] g in
            [Tensor.mapDerivative(f, x: self, y: out, gradient: g)]
        }
    }

    private static func mapDerivative<F: ElementwiseFunction>(_ f: F, x: Tensor, y: Tensor, gradient g: Tensor) -> Tensor {
        if x.isChannelsLast && y.isChannelsLast {
            let gx = Tensor(shape: x.shape, dtype: .float32, storage: Storage(channelsLast: x.shape))
            derivativeKernel(
                f, UnsafeMutablePointer(mutating: x.channelsLastFloats), UnsafeMutablePointer(mutating: y.channelsLastFloats),
                UnsafeMutablePointer(mutating: g.channelsLastFloats), gx.storage.channelsLastOutput, x.count)
            return gx
        }
        let gx = Tensor(zeros: x.shape, dtype: x.dtype)
        switch x.dtype {
        case .float32: derivativeKernel(f, x.pointer(Float.self), y.pointer(Float.self), g.pointer(Float.self), gx.pointer(Float.self), x.count)
        case .float64: derivativeKernel(f, x.pointer(Double.self), y.pointer(Double.self), g.pointer(Double.self), gx.pointer(Double.self), x.count)
        }
        return gx
    }
}

@inline(__always)
private func mapKernel<F: ElementwiseFunction, T: TensorScalar>(
    _ f: F, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
) {
    Parallel.forEachChunk(n) { r in
        for i in r { y[i] = f.value(x[i]) }
    }
}

@inline(__always)
private func derivativeKernel<F: ElementwiseFunction, T: TensorScalar>(
    _ f: F, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
    _ gx: UnsafeMutablePointer<T>, _ n: Int
) {
    Parallel.forEachChunk(n) { r in
        for i in r { gx[i] = f.gradient(g[i], x[i], y[i]) }
    }
}
