import Foundation
import GeoKit
import XCTest

/// deterministic.py's `wave(shape, k)`: the sine of the weights' formula,
/// seeded by k, in C order, as a float64 tensor. Network inputs and output
/// gradients come from it on both sides, so the fixtures need not store them.
func wave(_ shape: [Int], _ k: Int) -> Tensor {
    let t = Tensor(zeros: shape, dtype: .float64)
    t.fill { i in sin(0.731 * Double(i) + 0.37 * Double(k) + 0.1 * Double((i * i) % 17)) }
    return t
}

/// fixtures_differential_resnet.py's `sample_indices`: all of 0..<n when n <= count,
/// else j * 2654435761 mod n for j < count (distinct, the multiplier being a prime).
func sampleIndices(_ n: Int, _ count: Int) -> [Int] {
    n <= count ? Array(0..<n) : (0..<count).map { ($0 * 2_654_435_761) % n }
}

/// A per-element tolerance: |actual - expected| <= relative * |expected| + floor * scale + absolute,
/// where scale is the largest |element| of the whole reference tensor. The floors cover
/// elements that are small because terms cancel: their rounding error is that of the
/// terms, which are of the tensor's scale (or, for a gradient that is exactly zero in
/// theory, of the inputs' unit scale), not of the result.
struct Tolerance: CustomStringConvertible {
    let relative: Double
    let floor: Double
    var absolute = 0.0

    var description: String { "|a - e| <= \(relative) |e| + \(floor) max|e| + \(absolute)" }
}

/// The worst errors of one comparison: the largest |a - e| / |e| over the elements
/// with |e| >= 1e-3 max|e| and above the absolute floor (where a relative error means
/// something), and the largest |a - e| / max(max|e|, absolute floor). Both are reported in docs/testing.md.
struct ErrorFigures: CustomStringConvertible {
    var relative = 0.0
    var ofMax = 0.0

    mutating func merge(_ other: ErrorFigures) {
        relative = max(relative, other.relative)
        ofMax = max(ofMax, other.ofMax)
    }

    var description: String {
        String(format: "max |a-e|/|e| %.1e, max |a-e|/max|e| %.1e", relative, ofMax)
    }
}

/// Compares `actual` with `expected` element by element within `tolerance`, `scale`
/// being the whole reference tensor's max |element| (the sampled elements may not hold it).
/// One failure names the worst element; returns the figures.
@discardableResult
func assertElementsClose(
    _ actual: [Double], _ expected: [Double], scale: Double, _ tolerance: Tolerance, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) -> ErrorFigures {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) elements, expected \(expected.count)", file: file, line: line)
        return ErrorFigures()
    }
    var figures = ErrorFigures()
    var worst: (index: Int, excess: Double)? = nil
    for i in 0..<expected.count {
        let error = abs(actual[i] - expected[i])
        let bound = tolerance.relative * abs(expected[i]) + tolerance.floor * scale + tolerance.absolute
        if !(error <= bound), worst.map({ error / bound > $0.excess }) ?? true { worst = (i, error / bound) }
        figures.ofMax = max(figures.ofMax, error / max(scale, tolerance.absolute, .leastNormalMagnitude))
        if abs(expected[i]) >= max(1e-3 * scale, tolerance.absolute) { figures.relative = max(figures.relative, error / abs(expected[i])) }
    }
    if let worst {
        XCTFail(
            "\(label): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index]) "
                + "(\(String(format: "%.1f", worst.excess)) times the tolerance \(tolerance), max|e| = \(scale))",
            file: file, line: line)
    }
    return figures
}

/// `assertElementsClose` of two tensors of the same shape, the scale being the expected tensor's max |element|.
@discardableResult
func assertTensorClose(
    _ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) -> ErrorFigures {
    guard actual.shape == expected.shape else {
        XCTFail("\(label): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        return ErrorFigures()
    }
    let e = expected.scalars(as: Double.self)
    return assertElementsClose(
        actual.scalars(as: Double.self), e, scale: e.map(abs).max() ?? 0, tolerance, label,
        file: file, line: line)
}
