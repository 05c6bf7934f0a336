import GeoKit
import XCTest

/// The registry's own contract: built-ins without any registration call,
/// lookups typed by their key, string choices declared in the schema.
final class RegistryTests: XCTestCase {
    /// No test here loads plugins or registers anything first: the built-ins
    /// come from `Registry.shared`'s initialiser alone (a fresh registry is empty).
    func testTheSharedRegistryHoldsTheBuiltinsWithoutAnyCall() throws {
        let builtins = Registry.shared.entries().filter { $0.source == "GeoKit" }.map(\.qualifiedName)
        for name in [
            "aggregator:avg", "aggregator:max", "aggregator:gem",
            "aggregator:flatten", "view:polar", "view:fov", "sampler:random", "attention:identity"
        ] {
            XCTAssertTrue(builtins.contains(name), "\(name) is not registered: \(builtins)")
        }
        XCTAssertEqual(Set(builtins).count, builtins.count, "a built-in is registered twice: \(builtins)")
        XCTAssertFalse(builtins.contains { $0.hasPrefix("backbone:") }, "backbones belong to the Backbones plugin: \(builtins)")
        XCTAssertEqual(Registry().entries().count, 0)
    }

    /// The ablation's "without" arm changes nothing and trains nothing.
    func testTheIdentityAttentionReturnsItsInput() throws {
        let none = try Registry.shared.make(.attention, "identity")
        let x = randomDouble([2, 3, 4, 5], seed: 3)
        XCTAssertTrue(none(x) === x)
        XCTAssertTrue(none.parameters().isEmpty)
    }

    /// Each key builds its kind's protocol; the same name under another key is unknown there.
    func testTheTypedLookupReturnsTheProtocolOfItsKind() throws {
        let aggregator: any AggregatorModule = try Registry.shared.make(.aggregator, "gem", ["channels": .int(3)])
        XCTAssertEqual(aggregator.descriptorSize(channels: 3, height: 2, width: 2), 3)
        InTreePlugins.load()  // the model zoo
        let backbone: any BackboneNetwork = try Registry.shared.make(.backbone, "resnet18", settings: ["lastStride=1"])
        XCTAssertEqual(backbone.outputStride, 16)
        let view: any ViewTransform = try Registry.shared.make(.view, "polar", ["height": .int(8), "width": .int(24)])
        XCTAssertEqual((view as? PolarView).map { [$0.height, $0.width] }, [8, 24])
        XCTAssertNotNil(try Registry.shared.make(.sampler, "random") as? RandomSampler)
        XCTAssertEqual(
            [
                ComponentKey.backbone.kind, ComponentKey.attention.kind, ComponentKey.aggregator.kind, ComponentKey.loss.kind,
                ComponentKey.sampler.kind, ComponentKey.view.kind, ComponentKey.head.kind
            ], ComponentKind.allCases)
        XCTAssertThrowsError(try Registry.shared.make(.backbone, "gem")) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "unknown backbone 'gem'")
        }
        // The command line's KIND:NAME form, whose kind is known only at run time.
        XCTAssertTrue(try Registry.shared.make(named: "aggregator:max") is any AggregatorModule)
        XCTAssertFalse(try Registry.shared.make(named: "aggregator:max") is any BackboneNetwork)
        XCTAssertThrowsError(try Registry.shared.make(named: "pooling:max")) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what,
                "'pooling:max' is not KIND:NAME with KIND one of backbone, attention, aggregator, loss, sampler, view, head")
        }
    }

    /// A string outside the declared choices is refused by the registry,
    /// listing them, before the factory runs; a listed one reaches it.
    func testAStringChoiceOutsideTheSchemaIsRefusedWithTheValidChoices() throws {
        let registry = Registry()
        try registry.register(
            .aggregator, "pick", summary: "test",
            parameters: [ParameterSpec("mode", .string("avg"), "pooling", choices: ["avg", "max"])]
        ) { p -> any AggregatorModule in
            p.string("mode") == "max" ? MaxAggregator() : AverageAggregator()
        }
        XCTAssertTrue(try registry.make(.aggregator, "pick", ["mode": .string("max")]) is MaxAggregator)
        XCTAssertTrue(try registry.make(.aggregator, "pick") is AverageAggregator)
        XCTAssertThrowsError(try registry.make(.aggregator, "pick", settings: ["mode=median"])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:pick parameter 'mode' must be one of avg, max, got 'median'")
        }
        XCTAssertThrowsError(try registry.make(.aggregator, "pick", ["size": .int(2)])) { error in
            XCTAssertEqual((error as? GeoKitError)?.remedy, "its parameters are: mode (string one of avg, max, default avg)")
        }
    }

    /// A schema that contradicts itself is refused when registered, not when a user first sets it.
    func testAContradictorySchemaIsRefusedAtRegistration() {
        let registry = Registry()
        let cases: [(ParameterSpec, String)] = [
            (
                ParameterSpec("mode", .string("sum"), "pooling", choices: ["avg", "max"]),
                "the default of aggregator:bad parameter 'mode' is refused by its own schema: "
                    + "aggregator:bad parameter 'mode' must be one of avg, max, got 'sum'"
            ),
            (
                ParameterSpec("size", .int(0), "parts", bounds: .between(1, 8)),
                "the default of aggregator:bad parameter 'size' is refused by its own schema: aggregator:bad parameter 'size' must be in [1, 8], got 0"
            ),
            (
                ParameterSpec("size", .int(1), "parts", choices: ["1"]),
                "aggregator:bad parameter 'size' declares choices but is int; choices are for strings"
            )
        ]
        for (spec, expected) in cases {
            XCTAssertThrowsError(try registry.register(.aggregator, "bad", summary: "test", parameters: [spec]) { _ in MaxAggregator() }) {
                XCTAssertEqual(($0 as? GeoKitError)?.what, expected)
            }
        }
        XCTAssertEqual(registry.entries().count, 0)
    }

    /// `geokit plugins` shows a string parameter's choices beside its default.
    func testPluginsListsTheChoices() throws {
        let result = try GeoKitProcess.run(["plugins", "--kind", "aggregator"], cache: RecipeSandbox.cache)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("    pool: string = avg (one of avg, max)    pooling of each part"), result.output)
        XCTAssertTrue(result.output.contains("    partition: string = ring (one of ring, row, column)"), result.output)
    }
}
