import GeoKit
import XCTest

/// The "tensor_ops" PyTorch fixture (Tests/reference/fixtures_tensor_ops.py)
/// and the forward + backward comparison its cases share.
struct TensorOpsFixture {
    let fixture: Fixture

    init() throws { fixture = try Fixture("tensor_ops") }

    /// Runs `op` on the case's float inputs x0..x(inputs-1) as leaves, then
    /// compares the output with `<name>/y` and, after backward of `<name>/gy`,
    /// each input's gradient with `<name>/gx<i>`.
    func check(
        _ name: String, inputs: Int = 1, tolerance: Double = 1e-5,
        file: StaticString = #filePath, line: UInt = #line, _ op: ([Tensor]) -> Tensor
    ) throws {
        let xs = try (0..<inputs).map { try fixture.tensor("\(name)/x\($0)").requiringGrad() }
        let y = op(xs)
        assertClose(y, try fixture.tensor("\(name)/y"), tolerance: tolerance, name, file: file, line: line)
        y.backward(try fixture.tensor("\(name)/gy"))
        for (i, x) in xs.enumerated() {
            guard let grad = x.grad else {
                XCTFail("\(name): input \(i) received no gradient", file: file, line: line)
                continue
            }
            assertClose(grad, try fixture.tensor("\(name)/gx\(i)"), tolerance: tolerance, "\(name) grad \(i)", file: file, line: line)
        }
    }

    /// An integer-valued fixture entry (indices, targets) as Ints, row-major.
    func integers(_ key: String) throws -> [Int] {
        try fixture.tensor(key).scalars(as: Double.self).map { Int($0) }
    }
}

/// A float64 tensor whose elements are all distinct and at least 0.01 apart
/// (a scrambled ramp), so max, min and top-k have no ties for finite differences to straddle.
func distinctDouble(_ shape: [Int], offset: Int = 0) -> Tensor {
    let t = Tensor(zeros: shape, dtype: .float64)
    let count = t.count
    precondition(count < 1009, "distinctDouble scrambles modulo the prime 1009")
    t.fill { i in Double(((i + offset) * 7919) % 1009) * 0.01 - 5 }
    return t
}

extension XCTestCase {
    /// Runs `body` and, when it recorded failures, adds one naming `label`,
    /// so a failure inside a table of cases says which case it was
    /// (corelibs XCTest has no XCTContext activities).
    func labellingFailures(_ label: String, file: StaticString = #filePath, line: UInt = #line, _ body: () -> Void) {
        let before = testRun?.totalFailureCount ?? 0
        body()
        if (testRun?.totalFailureCount ?? 0) > before { XCTFail("the failure above is in case \(label)", file: file, line: line) }
    }
}
