import GeoKit
import XCTest

final class BuiltinComponentsTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testEveryMethodComponentIsRegistered() throws {
        let expected: [(ComponentKind, String)] = [
            (.aggregator, "avg"), (.aggregator, "max"), (.aggregator, "gem"), (.aggregator, "flatten"),
            (.attention, "usam"), (.attention, "triplet"), (.aggregator, "safa"), (.aggregator, "lpn"),
            (.loss, "wsmr"), (.loss, "wsmr_hard"), (.loss, "mhnw"), (.loss, "infonce"), (.sampler, "random")
        ]
        for (kind, name) in expected {
            let entry = try Registry.shared.entry(kind, name)
            XCTAssertFalse(entry.summary.isEmpty, entry.qualifiedName)
            XCTAssertTrue(entry.parameters.allSatisfy { !$0.doc.isEmpty }, "\(entry.qualifiedName) has an undocumented parameter")
        }
        XCTAssertTrue(try Registry.shared.entry(.attention, "usam").source.hasSuffix("libRKNetPlugin.so"))
        XCTAssertEqual(try Registry.shared.entry(.aggregator, "gem").source, "GeoKit")
    }

    func testPoolingAggregators() throws {
        let x = Tensor((0..<24).map { Float(($0 * 7) % 11) - 3 }, shape: [2, 3, 2, 2])
        let values = x.scalars(as: Float.self)
        let planes = (0..<6).map { Array(values[($0 * 4)..<($0 * 4 + 4)]) }
        let avg = try Registry.shared.make(.aggregator, "avg")
        XCTAssertEqual(avg(x).shape, [2, 3])
        XCTAssertEqual(avg(x).scalars(as: Float.self), planes.map { $0.reduce(0, +) / 4 })
        let max = try Registry.shared.make(.aggregator, "max")
        XCTAssertEqual(max(x).scalars(as: Float.self), planes.map { $0.max()! })
        let flatten = try Registry.shared.make(.aggregator, "flatten")
        XCTAssertEqual(flatten(x).shape, [2, 12])
        XCTAssertEqual(flatten(x).scalars(as: Float.self), values)
        XCTAssertEqual(flatten.descriptorSize(channels: 3, height: 2, width: 2), 12)
        // normalize: each row of the flattened map divided by its Euclidean norm.
        let normalized = try Registry.shared.make(.aggregator, "flatten", ["normalize": .bool(true)])
        let unit = normalized(x).scalars(as: Float.self)
        XCTAssertEqual(unit.count, values.count)
        for index in 0..<values.count {
            let row = Array(values[(index / 12 * 12)..<(index / 12 * 12 + 12)])
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(unit[index], values[index] / norm, accuracy: 1e-6)
        }
        for aggregator in [avg, max, flatten] { XCTAssertEqual(aggregator.stateDict().count, 0) }
    }

    func testGeMMatchesPyTorchWithPerChannelP() throws {
        let reference = try MethodCase("gem")
        try reference.assertModuleMatches(try reference.make(.aggregator, "gem"))
    }

    func testGeMSharedOrPerChannelExponent() throws {
        let shared = try Registry.shared.make(.aggregator, "gem")
        XCTAssertEqual(shared.stateDict().map(\.name), ["p"])
        XCTAssertEqual(shared.stateDict()[0].tensor.shape, [1])
        XCTAssertEqual(shared.stateDict()[0].tensor.item, 3)
        let perChannel = try Registry.shared.make(.aggregator, "gem", ["channels": .int(5), "p": .double(2)])
        XCTAssertEqual(perChannel.stateDict()[0].tensor.scalars(as: Float.self), [2, 2, 2, 2, 2])
        XCTAssertNoThrow(try (perChannel as! InputShapeChecking).checkInput(shape: [2, 5, 3, 3]))
        XCTAssertThrowsError(try (perChannel as! InputShapeChecking).checkInput(shape: [2, 4, 3, 3])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:gem was built for 5 channels (one p each), the input has 4")
        }
        XCTAssertNoThrow(try (shared as! InputShapeChecking).checkInput(shape: [2, 7, 3, 3]))
        XCTAssertThrowsError(try Registry.shared.make(.aggregator, "gem", ["channels": .int(-1)])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:gem parameter 'channels' must be in [0, 65536], got -1")
        }
    }

    func testAggregatorGradientsFiniteDifference() throws {
        let x = randomDouble([2, 3, 3, 4], seed: 71)
        x.fill { i in 0.2 + Double((i * 29) % 53) / 40 }  // distinct and positive: no ties, above GeM's clamp
        for name in ["avg", "max", "flatten"] {
            let aggregator = try Registry.shared.make(.aggregator, name)
            assertGradientsMatch([x.copy()]) { aggregator($0[0]) }
        }
        let gem = try Registry.shared.make(.aggregator, "gem", ["channels": .int(3)])
        gem.convert(to: .float64)
        gem.parameters()[0].assign(Tensor([2.0, 3.0, 4.5], shape: [3]))
        assertGradientsMatch([x.copy(), gem.parameters()[0]]) { gem($0[0]) }
    }

    func testConvertingAModuleToFloat64KeepsValuesAndReferences() throws {
        let usam = try Registry.shared.make(.attention, "usam")
        let weight = usam.namedParameters()[0].tensor
        weight.fill(1.25)
        usam.convert(to: .float64)
        XCTAssertTrue(usam.namedParameters()[0].tensor === weight)
        XCTAssertEqual(weight.dtype, .float64)
        XCTAssertEqual(weight.scalars(as: Double.self), [1.25])
        XCTAssertTrue(weight.requiresGrad)
        let counter = usam.namedBuffers().first { $0.isInteger }!.tensor
        XCTAssertEqual(counter.dtype, .float64)
        XCTAssertEqual(usam(randomDouble([1, 2, 3, 3], seed: 1)).dtype, .float64)
    }

    func testRandomSamplerBatchesEachLocationOnceAndDropsThePartialBatch() throws {
        let sampler = try Registry.shared.make(.sampler, "random")
        var generator = RandomGenerator(seed: 5)
        let batches = sampler.batches(locationCount: 23, batchSize: 5, generator: &generator)
        XCTAssertEqual(batches.count, 4)
        XCTAssertTrue(batches.allSatisfy { $0.count == 5 && Set($0).count == 5 })
        let used = batches.flatMap { $0 }
        XCTAssertEqual(Set(used).count, 20)
        XCTAssertTrue(used.allSatisfy { (0..<23).contains($0) })
        XCTAssertNotEqual(used, Array(used.sorted()), "the order is shuffled")

        var next = generator
        XCTAssertNotEqual(sampler.batches(locationCount: 23, batchSize: 5, generator: &next), batches, "each epoch reshuffles")
        var replay = RandomGenerator(seed: 5)
        XCTAssertEqual(sampler.batches(locationCount: 23, batchSize: 5, generator: &replay), batches, "the seed fixes the order")
        var small = RandomGenerator(seed: 5)
        XCTAssertEqual(sampler.batches(locationCount: 3, batchSize: 5, generator: &small), [])
    }

    func testRandomSamplerIsUniformOverPositions() {
        // Over many epochs every location lands in the first batch about equally often.
        var generator = RandomGenerator(seed: 6)
        var firstBatchCounts = [Int](repeating: 0, count: 8)
        for _ in 0..<4000 {
            for id in RandomSampler().batches(locationCount: 8, batchSize: 2, generator: &generator)[0] { firstBatchCounts[id] += 1 }
        }
        for count in firstBatchCounts { XCTAssertEqual(Double(count), 1000, accuracy: 120) }
    }

    func testNeighbourTableValidatesAndSamplersAcceptIt() throws {
        let table = try NeighbourTable([[2, 1], [0, 2], [1, 0]])
        XCTAssertEqual(table.locationCount, 3)
        XCTAssertEqual(Array(table.nearest(0, limit: 1)), [2])
        XCTAssertEqual(Array(table.nearest(1, limit: 5)), [0, 2])
        XCTAssertThrowsError(try NeighbourTable([[0, 1], [0]]))  // a location is not its own neighbour
        XCTAssertThrowsError(try NeighbourTable([[3], [0]]))  // not a location
        XCTAssertThrowsError(try NeighbourTable([[1, 1], [0]]))  // listed twice
        let sampler = RandomSampler()
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        let before = sampler.batches(locationCount: 3, batchSize: 1, generator: &a)
        sampler.useNeighbours(table)
        XCTAssertEqual(sampler.batches(locationCount: 3, batchSize: 1, generator: &b), before, "random ignores neighbourhoods")
    }
}
