import Foundation

/// Weight initialisers with PyTorch's (and timm's) definitions. Each fills a
/// tensor in place, without history, drawing from the given generator or,
/// without one, from `GlobalRandom.generator`, so a seeded run builds the
/// same model every time.
///
/// ```swift
/// let w = Tensor.zeros([64, 3, 7, 7])
/// Init.kaimingNormal(w, mode: .fanOut, nonlinearity: .relu)
/// Init.truncatedNormal(Tensor.zeros([768, 768]), std: 0.02)
/// ```
public enum Init {
    /// Which fan keeps the variance: the forward pass's (`fanIn`) or the backward pass's (`fanOut`).
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// The non-linearity that follows the layer, which sets the gain (torch.nn.init.calculate_gain).
    public enum Nonlinearity: Sendable {
        case relu, linear
        case leakyRelu(Double)

        public var gain: Double {
            switch self {
            case .relu: return 2.0.squareRoot()
            case .linear: return 1
            case .leakyRelu(let slope): return (2 / (1 + slope * slope)).squareRoot()
            }
        }
    }

    /// (fan in, fan out) of a weight shaped (out, in, kernel...) as torch computes them.
    public static func fans(_ tensor: Tensor) -> (fanIn: Int, fanOut: Int) {
        require(tensor.rank >= 2, "GeoKit: Init: fan in and fan out need a tensor of rank >= 2, got shape \(tensor.shape)")
        let receptiveField = tensor.shape.dropFirst(2).reduce(1, *)
        return (tensor.shape[1] * receptiveField, tensor.shape[0] * receptiveField)
    }

    /// Normal with std = gain / sqrt(fan) (He et al.; torch kaiming_normal_).
    public static func kaimingNormal(
        _ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .relu,
        generator: inout RandomGenerator
    ) {
        let std = nonlinearity.gain / Double(fan(tensor, mode)).squareRoot()
        normal(tensor, mean: 0, std: std, generator: &generator)
    }

    public static func kaimingNormal(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .relu) {
        kaimingNormal(tensor, mode: mode, nonlinearity: nonlinearity, generator: &GlobalRandom.generator)
    }

    /// Uniform in ±gain * sqrt(3 / fan) (torch kaiming_uniform_). torch's
    /// Linear and Conv2d use it with `.leakyRelu(sqrt(5))`, i.e. ±1/sqrt(fan in).
    public static func kaimingUniform(
        _ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .relu,
        generator: inout RandomGenerator
    ) {
        let bound = nonlinearity.gain * (3 / Double(fan(tensor, mode))).squareRoot()
        uniform(tensor, low: -bound, high: bound, generator: &generator)
    }

    public static func kaimingUniform(_ tensor: Tensor, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .relu) {
        kaimingUniform(tensor, mode: mode, nonlinearity: nonlinearity, generator: &GlobalRandom.generator)
    }

    /// Uniform in ±gain * sqrt(6 / (fan in + fan out)) (Glorot; torch xavier_uniform_).
    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1, generator: inout RandomGenerator) {
        let (fanIn, fanOut) = fans(tensor)
        let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
        uniform(tensor, low: -bound, high: bound, generator: &generator)
    }

    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1) {
        xavierUniform(tensor, gain: gain, generator: &GlobalRandom.generator)
    }

    /// Normal(mean, std) restricted to [low, high], sampled exactly by
    /// inverting the CDF. As timm's trunc_normal_, the bounds are absolute
    /// values, not multiples of std (with std 0.02, ±2 truncates nothing).
    public static func truncatedNormal(
        _ tensor: Tensor, std: Double = 1, mean: Double = 0, low: Double = -2, high: Double = 2,
        generator: inout RandomGenerator
    ) {
        require(std > 0 && low < high, "GeoKit: Init.truncatedNormal needs std > 0 and low < high, got std \(std), bounds [\(low), \(high)]")
        let alpha = (low - mean) / std, beta = (high - mean) / std
        // Invert in the lower tail, where the normal CDF keeps its precision;
        // an interval lying mostly above the mean is sampled mirrored.
        let mirrored = alpha + beta > 0
        let (lower, upper) = mirrored ? (-beta, -alpha) : (alpha, beta)
        let pLower = standardNormalCDF(lower), pUpper = standardNormalCDF(upper)
        tensor.fill { _ in
            let z = standardNormalQuantile(pLower + (pUpper - pLower) * generator.uniform())
            return min(max(mean + std * (mirrored ? -z : z), low), high)
        }
    }

    public static func truncatedNormal(_ tensor: Tensor, std: Double = 1, mean: Double = 0, low: Double = -2, high: Double = 2) {
        truncatedNormal(tensor, std: std, mean: mean, low: low, high: high, generator: &GlobalRandom.generator)
    }

    public static func normal(_ tensor: Tensor, mean: Double = 0, std: Double = 1, generator: inout RandomGenerator) {
        tensor.fill { _ in mean + std * generator.normal() }
    }

    public static func normal(_ tensor: Tensor, mean: Double = 0, std: Double = 1) {
        normal(tensor, mean: mean, std: std, generator: &GlobalRandom.generator)
    }

    /// Uniform in [low, high).
    public static func uniform(_ tensor: Tensor, low: Double = 0, high: Double = 1, generator: inout RandomGenerator) {
        tensor.fill { _ in low + (high - low) * generator.uniform() }
    }

    public static func uniform(_ tensor: Tensor, low: Double = 0, high: Double = 1) {
        uniform(tensor, low: low, high: high, generator: &GlobalRandom.generator)
    }

    public static func constant(_ tensor: Tensor, _ value: Double) { tensor.fill(value) }
    public static func zeros(_ tensor: Tensor) { tensor.fill(0) }
    public static func ones(_ tensor: Tensor) { tensor.fill(1) }

    private static func fan(_ tensor: Tensor, _ mode: FanMode) -> Int {
        let (fanIn, fanOut) = fans(tensor)
        let fan = mode == .fanIn ? fanIn : fanOut
        require(fan > 0, "GeoKit: Init: zero \(mode == .fanIn ? "fan in" : "fan out") for shape \(tensor.shape)")
        return fan
    }
}

/// Φ(x), accurate in the lower tail through erfc.
private func standardNormalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// Φ⁻¹(p): Acklam's rational approximation (relative error 1e-9), refined
/// by one Halley step on Φ to full double precision.
private func standardNormalQuantile(_ p: Double) -> Double {
    if p <= 0 { return -.infinity }
    if p >= 1 { return .infinity }
    let a = [
        -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
    ]
    let b = [
        -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01
    ]
    let c = [
        -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
    ]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let tail = 0.02425
    var x: Double
    if p < tail || p > 1 - tail {
        let q = (-2 * log(p < tail ? p : 1 - p)).squareRoot()
        let value =
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        x = p < tail ? value : -value
    } else {
        let q = p - 0.5, r = q * q
        x =
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
    let e = standardNormalCDF(x) - p
    let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
}
