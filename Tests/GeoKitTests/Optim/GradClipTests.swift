import GeoKit
import XCTest

final class GradClipTests: XCTestCase {
    private func parameters(_ f: Fixture) throws -> [Tensor] {
        try (0..<2).map { i in
            let g = try f.tensor("clip/g\(i)")
            let p = Tensor.zeros(g.shape).requiringGrad()
            p.grad = g.copy()
            return p
        }
    }

    func testClipGradNormMatchesPyTorch() throws {
        let f = try Fixture("optim")
        for (name, maxNorm) in [("clip_norm", 1.0), ("clip_norm_loose", 100.0)] {
            let p = try parameters(f)
            let total = clipGradNorm(p, maxNorm: maxNorm)
            XCTAssertEqual(total, try f.tensor("\(name)/total").item, accuracy: 1e-5, name)
            for i in 0..<2 { assertClose(p[i].grad!, try f.tensor("\(name)/g\(i)"), tolerance: 1e-6, "\(name) g\(i)") }
        }
    }

    func testClippingReplacesGradientsInsteadOfMutatingThem() throws {
        let f = try Fixture("optim")
        let p = try parameters(f)
        let original = p[0].grad!
        let before = original.scalars(as: Float.self)
        clipGradNorm(p, maxNorm: 0.1)
        XCTAssertFalse(p[0].grad! === original)
        XCTAssertEqual(original.scalars(as: Float.self), before)
        clipGradValue(p, limit: 0.001)
        XCTAssertEqual(original.scalars(as: Float.self), before)
    }

    func testClipGradValueMatchesPyTorch() throws {
        let f = try Fixture("optim")
        let p = try parameters(f)
        clipGradValue(p, limit: 0.5)
        for i in 0..<2 { assertClose(p[i].grad!, try f.tensor("clip_value/g\(i)"), tolerance: 0, "g\(i)") }
    }

    func testParametersWithoutGradientsAreIgnored() {
        let a = Tensor.zeros([2]).requiringGrad(), b = Tensor.zeros([2]).requiringGrad()
        a.grad = Tensor([3, 4] as [Float], shape: [2])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertNil(b.grad)
        let clipped = a.grad!.scalars(as: Float.self)
        XCTAssertEqual(clipped[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(clipped[1], 0.8, accuracy: 1e-6)
    }
}
