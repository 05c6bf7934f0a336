import GeoKit
import XCTest

extension Fixture {
    /// Compares a float64 tensor with a whole-network reference stored as its
    /// sum, sum |t| and max |t| followed by sampled elements (`sampleIndices`):
    /// the sums within `ResNetDifferentialTests.sums`, the elements within
    /// `ResNetDifferentialTests.elements`. Returns the element figures and the
    /// worst relative error of the three sums.
    func compareSummarised(_ actual: Tensor, _ key: String) throws -> (figures: ErrorFigures, sums: Double) {
        let reference = try tensor(key).scalars(as: Double.self)
        let (sum, absSum, absMax) = (reference[0], reference[1], reference[2])
        guard actual.dtype == .float64 else {
            XCTFail("\(key) is written as \(actual.dtype)")
            return (ErrorFigures(), .infinity)
        }
        // Read in place: `scalars(as:)` converts element by element through generics, seconds for ResNet-50's gradients.
        let values = UnsafeBufferPointer(start: actual.pointer(Double.self), count: actual.count)
        var (actualSum, actualAbsSum, actualAbsMax) = (0.0, 0.0, 0.0)
        for v in values {
            actualSum += v
            actualAbsSum += abs(v)
            actualAbsMax = max(actualAbsMax, abs(v))
        }
        let limit = ResNetDifferentialTests.sums
        var worst = 0.0
        for (a, e, scale, what) in [
            (actualSum, sum, absSum, "sum"), (actualAbsSum, absSum, absSum, "sum |t|"), (actualAbsMax, absMax, absMax, "max |t|")
        ] {
            let error = abs(a - e) / max(scale, .leastNormalMagnitude)
            if !(error <= limit) { XCTFail("\(key): \(what) is \(a), expected \(e) (relative error \(error) > \(limit))") }
            worst = max(worst, error)
        }
        let indices = sampleIndices(values.count, reference.count - 3)
        let figures = assertElementsClose(
            indices.map { values[$0] }, Array(reference[3...]), scale: absMax, ResNetDifferentialTests.elements, key)
        return (figures, worst)
    }

    /// Every weight gradient of case `name` (keys `<name>/gw/<parameter>`): `gradients` must name exactly the
    /// reference's parameters, and each is compared with `compareSummarised`. Returns how many, the merged element
    /// figures and the worst relative error of the sums.
    func compareWeightGradients(_ gradients: [String: Tensor], case name: String, namedAs reference: String) throws
        -> (count: Int, figures: ErrorFigures, sums: Double)
    {
        let expectedNames = Set(
            contents.tensors.keys.filter { $0.hasPrefix("\(name)/gw/") }
                .map { String($0.dropFirst(name.count + 4)) })
        XCTAssertEqual(Set(gradients.keys), expectedNames, "\(name): one gradient per parameter, named as \(reference)")
        var figures = ErrorFigures(), worstSum = 0.0
        for key in expectedNames.sorted() {
            guard let grad = gradients[key] else { continue }  // the key set is asserted above
            let (keyFigures, sum) = try compareSummarised(grad, "\(name)/gw/\(key)")
            figures.merge(keyFigures)
            worstSum = max(worstSum, sum)
        }
        return (expectedNames.count, figures, worstSum)
    }
}
