import GeoKit
import XCTest

final class ElementwiseTests: XCTestCase {
    /// Unary ops by fixture case name, applied to input x0.
    static let unary: [(String, (Tensor) -> Tensor)] = [
        ("relu", { $0.relu() }), ("leaky_relu", { $0.leakyRelu(slope: 0.2) }), ("sigmoid", { $0.sigmoid() }),
        ("silu", { $0.silu() }), ("gelu", { $0.gelu() }), ("tanh", { $0.tanh() }), ("hardswish", { $0.hardSwish() }),
        ("exp", { $0.exp() }), ("log", { $0.log() }), ("log1p", { $0.log1p() }), ("sqrt", { $0.sqrt() }),
        ("pow3", { $0.pow(3) }), ("clamp", { $0.clamp(min: -0.5, max: 0.7) }), ("softplus", { $0.softplus() }),
        ("sum_axes", { $0.sum(axes: [1, 3]) }), ("mean_keep", { $0.mean(axes: [2], keepDims: true) })
    ]
    static let binary: [(String, (Tensor, Tensor) -> Tensor)] = [
        ("add_bcast", { $0 + $1 }), ("sub_bcast", { $0 - $1 }), ("mul_bcast", { $0 * $1 }), ("div_bcast", { $0 / $1 }),
        ("matmul", { $0.matmul($1) }), ("bmm", { $0.matmul($1) })
    ]

    func testUnaryMatchesPyTorch() throws {
        let f = try Fixture("elementwise")
        for (name, op) in Self.unary {
            let x = try f.tensor("\(name)/x0").requiringGrad()
            let y = op(x)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad")
        }
    }

    func testBinaryMatchesPyTorch() throws {
        let f = try Fixture("elementwise")
        for (name, op) in Self.binary {
            let a = try f.tensor("\(name)/x0").requiringGrad(), b = try f.tensor("\(name)/x1").requiringGrad()
            let y = op(a, b)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(a.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad a")
            assertClose(b.grad!, try f.tensor("\(name)/gx1"), tolerance: 1e-5, "\(name) grad b")
        }
    }

    func testLinearMatchesPyTorch() throws {
        let f = try Fixture("elementwise")
        let x = try f.tensor("linear/x0").requiringGrad(), w = try f.tensor("linear/x1").requiringGrad()
        let b = try f.tensor("linear/x2").requiringGrad()
        let y = x.linear(weight: w, bias: b)
        assertClose(y, try f.tensor("linear/y"), tolerance: 1e-5)
        y.backward(try f.tensor("linear/gy"))
        for (t, key) in [(x, "gx0"), (w, "gx1"), (b, "gx2")] { assertClose(t.grad!, try f.tensor("linear/\(key)"), tolerance: 1e-5, key) }
    }

    func testUnaryGradientsFiniteDifference() {
        for (name, op) in Self.unary {
            // Keep inputs away from kinks (relu at 0, clamp bounds) and in log/sqrt's domain.
            let x = randomDouble([2, 3, 4, 5], seed: 1)
            x.fill { i in
                let v = Double((i * 7919) % 101) / 101 * 1.6 + 0.15
                return ["log", "sqrt", "pow3", "log1p"].contains(name) ? v : (i % 2 == 0 ? v : -v)
            }
            assertGradientsMatch([x]) { op($0[0]) }
        }
    }

    func testBinaryGradientsFiniteDifference() {
        let shapes: [(String, [Int], [Int])] = [
            ("add_bcast", [2, 3, 4], [3, 1]), ("sub_bcast", [3, 1], [2, 3, 4]), ("mul_bcast", [2, 3, 4], [1, 3, 1]),
            ("div_bcast", [2, 3, 4], [4]), ("matmul", [3, 4], [4, 5]), ("bmm", [2, 3, 4], [2, 4, 5])
        ]
        for (name, sa, sb) in shapes {
            let op = Self.binary.first { $0.0 == name }!.1
            let a = randomDouble(sa, seed: 2), b = randomDouble(sb, seed: 3)
            if name == "div_bcast" { b.fill { i in 0.5 + Double(i) * 0.3 } }
            assertGradientsMatch([a, b]) { op($0[0], $0[1]) }
        }
        assertGradientsMatch([randomDouble([3, 4], seed: 4), randomDouble([5, 4], seed: 5), randomDouble([5], seed: 6)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
    }

    func testGradientAccumulatesAcrossUsesAndNoGradRecordsNothing() {
        let x = Tensor([1.0, 2.0, 3.0] as [Float], shape: [3]).requiringGrad()
        ((x * x) + x).sum().backward()
        XCTAssertEqual(x.grad!.scalars(as: Float.self), [3, 5, 7])
        let y = noGrad { x * 2 }
        XCTAssertFalse(y.requiresGrad)
    }
}
