import RealModule

// Element-wise functions and their derivatives. Each is a small value type
// so the compiler specialises the shared loop in `Tensor.map` for it.

// NaN compares false with everything, so each piecewise function below
// tests the condition under which NaN must NOT pass (x <= 0 rather than
// x > 0): a NaN input stays NaN and takes the gradient as torch does.

/// torch's relu: NaN in, NaN out; the backward passes g where the output is not <= 0 (a NaN too).
struct ReLUFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { x <= 0 ? 0 : x }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { x <= 0 ? 0 : 1 }
    func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T { x <= 0 ? 0 : g }
}

struct LeakyReLUFunction: ElementwiseFunction {
    let slope: Double
    func value<T: TensorScalar>(_ x: T) -> T { x > 0 ? x : T(slope) * x }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { x > 0 ? 1 : T(slope) }
}

struct SigmoidFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { y * (1 - y) }
}

struct SiLUFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { x / (1 + T.exp(-x)) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T {
        let s = 1 / (1 + T.exp(-x))
        return s * (1 + x * (1 - s))
    }
}

/// The exact GELU, x * Phi(x), with Phi through erf (torch's default).
struct GELUFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { x * (1 + T.erf(x / T(2).squareRoot())) / 2 }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T {
        // Phi(x) = y / x saves the erf, the backward's costliest call (ConvNeXt's blocks spend more time in
        // GELU than in their GEMMs); erf stays where y is tiny (x near 0, or Phi(x) near underflow), zero or NaN,
        // where the quotient would lose digits or be undefined.
        let cdf = abs(y) >= T.leastNormalMagnitude.squareRoot() ? y / x : (1 + T.erf(x / T(2).squareRoot())) / 2
        let pdf = T.exp(-x * x / 2) / (2 * T.pi).squareRoot()
        return cdf + x * pdf
    }
}

struct TanhFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { T.tanh(x) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { 1 - y * y }
}

/// x * relu6(x + 3) / 6, with the derivative of torch's vectorised kernel
/// (the one every tensor of more than a few elements takes): 0 for x <= -3,
/// 1 for x >= 3, (2x + 3) / 6 between, and so NaN at NaN.
struct HardSwishFunction: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T {
        let shifted = x + 3
        return x * (shifted < 0 ? 0 : shifted > 6 ? 6 : shifted) / 6
    }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { x <= -3 ? 0 : x >= 3 ? 1 : (2 * x + 3) / 6 }
    func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T { x <= -3 ? 0 : g * derivative(x, y) }
}

struct Exp: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { T.exp(x) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { y }
}

struct Log: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { T.log(x) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { 1 / x }
}

struct Log1p: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { T.log(onePlus: x) }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { 1 / (1 + x) }
}

struct Sqrt: ElementwiseFunction {
    func value<T: TensorScalar>(_ x: T) -> T { x.squareRoot() }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { 1 / (2 * y) }
}

/// x^exponent. Integral exponents take the integer power, which is defined
/// for negative x as in torch ((-2)^3 = -8); the real power is NaN there.
struct Power: ElementwiseFunction {
    let exponent: Double
    func value<T: TensorScalar>(_ x: T) -> T {
        exponent == 2 ? x * x : power(x, exponent)
    }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T {
        exponent == 2 ? 2 * x : T(exponent) * power(x, exponent - 1)
    }

    @inline(__always)
    private func power<T: TensorScalar>(_ x: T, _ e: Double) -> T {
        e == e.rounded() && abs(e) <= Double(Int32.max) ? T.pow(x, Int(e)) : T.pow(x, T(e))
    }
    /// x^0 is the constant 1 even at NaN, so its gradient is 0 for any g (torch's pow_backward).
    func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T { exponent == 0 ? 0 : g * derivative(x, y) }
}

/// Clamp with torch 2.15's conventions: NaN stays NaN (it is neither below
/// min nor above max); the gradient is g strictly inside (min, max) and 0
/// elsewhere — at the bounds, outside them and at NaN — whatever g is.
struct Clamp: ElementwiseFunction {
    let low: Double?, high: Double?
    func value<T: TensorScalar>(_ x: T) -> T {
        var v = x
        if let low, v < T(low) { v = T(low) }
        if let high, v > T(high) { v = T(high) }
        return v
    }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T { gradient(1, x, y) }
    func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T) -> T {
        var inside = true
        if let low { inside = inside && x > T(low) }
        if let high { inside = inside && x < T(high) }
        return inside ? g : 0
    }
}

/// log(1 + e^(beta x)) / beta, linear above `threshold` as in torch.
struct Softplus: ElementwiseFunction {
    let beta: Double, threshold: Double
    func value<T: TensorScalar>(_ x: T) -> T {
        let bx = T(beta) * x
        return bx > T(threshold) ? x : T.log(onePlus: T.exp(bx)) / T(beta)
    }
    func derivative<T: TensorScalar>(_ x: T, _ y: T) -> T {
        let bx = T(beta) * x
        return bx > T(threshold) ? 1 : 1 / (1 + T.exp(-bx))
    }
}

extension Tensor {
    public func relu() -> Tensor { map(ReLUFunction(), name: "relu") }
    public func leakyRelu(slope: Double = 0.01) -> Tensor { map(LeakyReLUFunction(slope: slope), name: "leaky_relu") }
    public func sigmoid() -> Tensor { map(SigmoidFunction(), name: "sigmoid") }
    public func silu() -> Tensor { map(SiLUFunction(), name: "silu") }
    public func gelu() -> Tensor { map(GELUFunction(), name: "gelu") }
    public func tanh() -> Tensor { map(TanhFunction(), name: "tanh") }
    public func hardSwish() -> Tensor { map(HardSwishFunction(), name: "hardswish") }
    public func exp() -> Tensor { map(Exp(), name: "exp") }
    public func log() -> Tensor { map(Log(), name: "log") }
    public func log1p() -> Tensor { map(Log1p(), name: "log1p") }
    public func sqrt() -> Tensor { map(Sqrt(), name: "sqrt") }
    public func pow(_ exponent: Double) -> Tensor { map(Power(exponent: exponent), name: "pow") }
    public func clamp(min low: Double? = nil, max high: Double? = nil) -> Tensor {
        map(Clamp(low: low, high: high), name: "clamp")
    }
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        map(Softplus(beta: beta, threshold: threshold), name: "softplus")
    }
}
