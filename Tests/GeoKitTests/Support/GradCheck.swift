import GeoKit
import XCTest

/// Finite-difference gradient check in Float64: the analytic gradient of
/// L = sum(f(inputs) * r), r a fixed random projection, is compared with
/// central differences (L(x + eps) - L(x - eps)) / 2 eps for every element of
/// every input. Inputs must be float64 leaves created by the caller.
func assertGradientsMatch(
    _ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-7, rtol: Double = 1e-5,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
) {
    for x in inputs {
        precondition(x.dtype == .float64, "gradient checks run in float64")
        x.requiringGrad()
        x.zeroGrad()
    }
    let out = f(inputs)
    let projection = Tensor.randn(out.shape, seed: 12345, dtype: .float64)
    (out * projection).sum().backward()
    func loss() -> Double { noGrad { (f(inputs) * projection).sum().item } }
    for (index, x) in inputs.enumerated() {
        guard let analytic = x.grad?.scalars(as: Double.self) else {
            XCTFail("input \(index) received no gradient", file: file, line: line)
            continue
        }
        let p = x.pointer(Double.self)
        for i in 0..<x.count {
            let saved = p[i]
            p[i] = saved + eps
            let plus = loss()
            p[i] = saved - eps
            let minus = loss()
            p[i] = saved
            let numeric = (plus - minus) / (2 * eps)
            if abs(numeric - analytic[i]) > atol + rtol * abs(numeric) {
                XCTFail("input \(index) element \(i): analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// Float64 leaf with values from a seeded normal distribution.
func randomDouble(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, dtype: .float64, generator: &generator)
}
