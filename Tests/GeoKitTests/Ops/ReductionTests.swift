import GeoKit
import XCTest

final class ReductionTests: XCTestCase {
    static let extremes: [(String, (Tensor) -> Tensor)] = [
        ("max_axis1", { $0.max(axis: 1) }),
        ("max_last_keep", { $0.max(axis: -1, keepDims: true) }),
        ("min_axis2", { $0.min(axis: 2) }),
        ("min_axis0_keep", { $0.min(axis: 0, keepDims: true) }),
        ("max_all", { $0.max() })
    ]
    static let topK: [(String, (Tensor) -> (values: Tensor, indices: [Int]))] = [
        ("topk_largest", { $0.topK(3) }),
        ("topk_smallest_axis1", { $0.topK(2, axis: 1, largest: false) })
    ]

    func testMaxMinMatchPyTorch() throws {
        let fixture = try TensorOpsFixture()
        for (name, op) in Self.extremes {
            try fixture.check(name) { op($0[0]) }
        }
    }

    func testArgmaxMatchesPyTorch() throws {
        let fixture = try TensorOpsFixture()
        let x = try fixture.fixture.tensor("max_axis1/x0")
        XCTAssertEqual(x.argmax(axis: 1), try fixture.integers("max_axis1/indices"))
        XCTAssertEqual(x.argmax(axis: -1), try fixture.integers("max_last_keep/indices"))
    }

    func testTopKMatchesPyTorch() throws {
        let fixture = try TensorOpsFixture()
        for (name, op) in Self.topK {
            try fixture.check(name) { op($0[0]).values }
            let x = try fixture.fixture.tensor("\(name)/x0")
            XCTAssertEqual(op(x).indices, try fixture.integers("\(name)/indices"), name)
        }
    }

    func testGradientsFiniteDifference() {
        let x = distinctDouble([2, 3, 4, 5])
        for (name, op) in Self.extremes {
            labellingFailures(name) { assertGradientsMatch([x]) { op($0[0]) } }
        }
        for (name, op) in Self.topK {
            labellingFailures(name) { assertGradientsMatch([x]) { op($0[0]).values } }
        }
        assertGradientsMatch([x]) { $0[0].topK(5, axis: 3).values }
        assertGradientsMatch([x]) { $0[0].topK(1, axis: 0, largest: false).values }
    }

    func testTiesGoToTheFirstPosition() {
        let x = Tensor([3, 1, 3, 2, 3] as [Double], shape: [5]).requiringGrad()
        XCTAssertEqual(x.argmax(axis: 0), [0])
        x.max(axis: 0).backward()
        XCTAssertEqual(x.grad!.scalars(as: Double.self), [1, 0, 0, 0, 0])

        let m = Tensor([2, 1, 1, 5] as [Double], shape: [4]).requiringGrad()
        m.min(axis: 0).backward()
        XCTAssertEqual(m.grad!.scalars(as: Double.self), [0, 1, 0, 0])
    }

    func testGlobalMaxSharesGradientAmongTies() {
        let x = Tensor([1, 4, 2, 4] as [Float], shape: [2, 2]).requiringGrad()
        let m = x.max()
        XCTAssertEqual(m.shape, [])
        XCTAssertEqual(m.item, 4)
        m.backward()
        XCTAssertEqual(x.grad!.scalars(as: Float.self), [0, 0.5, 0, 0.5])
    }

    func testTopKOrdersTiesByPosition() {
        let x = Tensor([1, 3, 3, 2, 3] as [Float], shape: [5])
        let largest = x.topK(3)
        XCTAssertEqual(largest.indices, [1, 2, 4])
        XCTAssertEqual(largest.values.scalars(as: Float.self), [3, 3, 3])
        let smallest = x.topK(5, largest: false)
        XCTAssertEqual(smallest.indices, [0, 3, 1, 2, 4])
        XCTAssertEqual(smallest.values.scalars(as: Float.self), [1, 2, 3, 3, 3])
        XCTAssertEqual(x.topK(0).values.shape, [0])
        let withNaN = Tensor([1, .nan, 2] as [Float], shape: [3])
        XCTAssertEqual(withNaN.topK(2).indices, [1, 2])
        XCTAssertEqual(withNaN.topK(2, largest: false).indices, [0, 2])
        XCTAssertEqual(withNaN.argmax(axis: 0), [1])
    }

    func testTopKAlongLeadingAxisAgreesWithFullSort() {
        // Columns of a (40, 3) tensor: the heap selection must equal a stable sort of each column.
        let x = Tensor(zeros: [40, 3], dtype: .float64)
        x.fill { i in Double((i * 13) % 7) }  // many ties
        let values = x.scalars(as: Double.self)
        let (top, indices) = x.topK(6, axis: 0)
        for column in 0..<3 {
            let expected = (0..<40).sorted { p, q in
                let a = values[p * 3 + column], b = values[q * 3 + column]
                return a != b ? a > b : p < q
            }.prefix(6)
            XCTAssertEqual((0..<6).map { indices[$0 * 3 + column] }, Array(expected))
            XCTAssertEqual((0..<6).map { top.scalars(as: Double.self)[$0 * 3 + column] }, expected.map { values[$0 * 3 + column] })
        }
    }
}
