import GeoKit
import XCTest

/// Component parameters are validated once, by the registry against the
/// schema's bounds, before any factory runs: every numeric parameter of the
/// built-ins and the in-tree method plugins declares its range, its default
/// lies in it, and a value just outside it, NaN or infinity is refused with
/// a message naming the component, the parameter, the range and the value.
final class ComponentParameterBoundsTests: XCTestCase {
    private static let inTreeSources: Set<String> = [
        "GeoKit", "libBackbonesPlugin.so", "libAENetPlugin.so", "libLPNPlugin.so", "libRKNetPlugin.so",
        "libSAFAPlugin.so", "libSample4GeoPlugin.so"
    ]

    private func inTreeEntries() -> [Registry.Entry] {
        InTreePlugins.load()
        return Registry.shared.entries().filter {
            Self.inTreeSources.contains($0.source == "GeoKit" ? "GeoKit" : URL(fileURLWithPath: $0.source).lastPathComponent)
        }
    }

    func testEveryNumericParameterDeclaresARangeHoldingItsDefault() {
        let entries = inTreeEntries()
        XCTAssertTrue(entries.contains { $0.qualifiedName == "aggregator:lpn" } && entries.contains { $0.qualifiedName == "loss:infonce" })
        var numeric = 0
        for entry in entries {
            for spec in entry.parameters where spec.type == .int || spec.type == .double {
                numeric += 1
                guard let bounds = spec.bounds else {
                    XCTFail("\(entry.qualifiedName) parameter \(spec.name) declares no range")
                    continue
                }
                let value: Double =
                    switch spec.defaultValue {
                    case .int(let v): Double(v);
                    case .double(let v): v;
                    default: .nan
                    }
                XCTAssertTrue(bounds.contains(value), "\(entry.qualifiedName) \(spec.name): default \(value) outside \(bounds)")
            }
        }
        XCTAssertGreaterThanOrEqual(numeric, 17)
    }

    func testValuesOutsideTheRangeAndNonFiniteDoublesAreRefusedBeforeTheFactory() {
        for entry in inTreeEntries() {
            for spec in entry.parameters where spec.type == .int || spec.type == .double {
                let bounds = spec.bounds!
                var outside: [Double] = spec.type == .double ? [.nan, .infinity, -.infinity] : []
                if let lower = bounds.lower { outside.append(bounds.lowerInclusive ? lower - 1 : lower) }
                if let upper = bounds.upper { outside.append(bounds.upperInclusive ? upper + 1 : upper) }
                for number in outside {
                    let value: ParameterValue = spec.type == .int ? .int(Int(number)) : .double(number)
                    XCTAssertThrowsError(try Registry.shared.make(named: entry.qualifiedName, [spec.name: value])) { error in
                        let shown = number.isFinite && number == number.rounded() ? "\(Int(number))" : "\(number)"
                        XCTAssertEqual(
                            (error as? GeoKitError)?.what,
                            "\(entry.qualifiedName) parameter '\(spec.name)' must be \(bounds), got \(shown)")
                    }
                }
            }
        }
    }

    func testTheBoundsReadAsIntervals() {
        XCTAssertEqual(ParameterBounds.between(1, 64).description, "in [1, 64]")
        XCTAssertEqual(ParameterBounds.aboveUpTo(0, 360).description, "in (0, 360]")
        XCTAssertEqual(ParameterBounds.strictlyBetween(0, 1).description, "in (0, 1)")
        XCTAssertEqual(ParameterBounds.atLeast(1).description, ">= 1")
        XCTAssertEqual(ParameterBounds.above(0.5).description, "> 0.5")
        XCTAssertTrue(ParameterBounds.aboveUpTo(0, 360).contains(360))
        XCTAssertFalse(ParameterBounds.aboveUpTo(0, 360).contains(0))
        XCTAssertFalse(ParameterBounds.strictlyBetween(0, 1).contains(1))
        XCTAssertFalse(ParameterBounds(lower: nil, upper: nil).contains(.nan))
        XCTAssertTrue(ParameterBounds(lower: nil, upper: nil).contains(-1e300))
    }

    func testAnIntListsElementsAreEachChecked() throws {
        let schema = [ParameterSpec("ks", .intList([1, 5]), "recall cut-offs", bounds: .atLeast(1))]
        XCTAssertNoThrow(try ComponentParameters(["ks": .intList([1, 10])], schema: schema, component: "test:list"))
        XCTAssertThrowsError(try ComponentParameters(["ks": .intList([1, 0])], schema: schema, component: "test:list")) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "test:list parameter 'ks' must be >= 1, got 0")
        }
    }
}
