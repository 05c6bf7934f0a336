import Foundation
import GeoKit
import XCTest

/// The torch model `mlp` of Tests/reference/fixtures_nn.py, layer for layer.
func makeMLP() -> Sequential {
    Sequential {
        Linear(6, 8)
        ReLU()
        Sequential {
            Linear(8, 8); GELU(); Linear(8, 8, bias: false)
        }
        LeakyReLU(negativeSlope: 0.2)
        Linear(8, 8)
        SiLU()
        Linear(8, 8)
        HardSwish()
        Linear(8, 4)
        Tanh()
        Identity()
        Sigmoid()
    }
}

/// A module with a parameter, a float buffer and an integer buffer of its own.
private final class Counter: Module {
    let scale = Tensor.ones([3])
    let total = Tensor.zeros([3])
    let calls = Tensor.zeros([])
    let inner = Linear(3, 3)

    override init() {
        super.init()
        registerParameter("scale", scale)
        registerBuffer("total", total)
        registerBuffer("calls", calls, integer: true)
        register("inner", inner)
    }
}

final class ModuleTests: XCTestCase {
    func testMLPMatchesTorch() throws {
        try TorchModelFixture("mlp").assertMatches(makeMLP())
    }

    func testLoadStateDictCopiesInPlaceSoLayersKeepTheirTensors() throws {
        GlobalRandom.seed(1)
        let source = makeMLP()
        GlobalRandom.seed(2)
        let target = makeMLP()
        let firstLinear = try XCTUnwrap(target[0] as? Linear)
        let weight = firstLinear.weight
        try target.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) }))
        XCTAssertTrue(firstLinear.weight === weight)
        XCTAssertTrue(target.parameters()[0] === weight)
        for (a, b) in zip(source.parameters(), target.parameters()) {
            XCTAssertEqual(a.scalars(as: Float.self), b.scalars(as: Float.self))
            XCTAssertFalse(a === b)
        }
    }

    func testLoadStateDictNamesEveryMissingUnexpectedAndMisshapenKey() {
        let model = makeMLP()
        var tensors = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.copy()) })
        tensors["0.bias"] = nil
        tensors["2.2.weight"] = nil
        tensors["head.weight"] = Tensor.zeros([2])
        tensors["4.weight"] = Tensor.zeros([8, 7])
        let before = model.parameters()[0].scalars(as: Float.self)
        tensors["0.weight"] = Tensor.zeros([8, 6])
        XCTAssertThrowsError(try model.loadStateDict(tensors)) { error in
            XCTAssertTrue(error is GeoKitError)
            let message = String(describing: error)
            for part in ["2 missing: 0.bias, 2.2.weight", "1 unexpected: head.weight", "1 shape mismatch: 4.weight (file [8, 7], model [8, 8])"] {
                XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)")
            }
        }
        XCTAssertEqual(model.parameters()[0].scalars(as: Float.self), before, "nothing is copied when loading fails")

        tensors["4.weight"] = Tensor.zeros([8, 8])
        XCTAssertNoThrow(try model.loadStateDict(tensors, strict: false))
        XCTAssertEqual(model.parameters()[0].scalars(as: Float.self), [Float](repeating: 0, count: 48))
        tensors["4.weight"] = Tensor.zeros([8, 7])
        XCTAssertThrowsError(try model.loadStateDict(tensors, strict: false), "shape mismatches throw even when not strict")
    }

    func testStateDictSurvivesASafetensorsFile() throws {
        let model = Counter()
        model.total.fill(2.5)
        model.calls.fill(7)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-module-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(model.stateDict(), to: url)

        let header = try String(decoding: Data(contentsOf: url).prefix(400), as: UTF8.self)
        XCTAssertTrue(header.contains(#""calls":{"data_offsets":[0,8],"dtype":"I64""#), header)

        let restored = Counter()
        try restored.loadStateDict(try SafeTensors.read(url).tensors)
        XCTAssertEqual(restored.calls.item, 7)
        XCTAssertEqual(restored.total.scalars(as: Float.self), [2.5, 2.5, 2.5])
        XCTAssertEqual(restored.inner.weight.scalars(as: Float.self), model.inner.weight.scalars(as: Float.self))
    }

    func testRegistryListsParametersBuffersAndModulesByPath() {
        let model = Sequential([Counter(), Linear(3, 2, bias: false)])
        XCTAssertEqual(model.namedParameters().map(\.name), ["0.scale", "0.inner.weight", "0.inner.bias", "1.weight"])
        XCTAssertTrue(model.namedParameters().allSatisfy { $0.tensor.requiresGrad })
        XCTAssertEqual(model.namedBuffers().map(\.name), ["0.total", "0.calls"])
        XCTAssertEqual(model.namedBuffers().map(\.isInteger), [false, true])
        XCTAssertEqual(model.namedModules().map(\.name), ["", "0", "0.inner", "1"])
        XCTAssertEqual(model.stateDict().map(\.name), ["0.scale", "0.total", "0.calls", "0.inner.weight", "0.inner.bias", "1.weight"])
        XCTAssertEqual(model.parameterCount, 3 + 9 + 3 + 6)
    }

    func testSharedModulesAreCountedOnce() {
        let shared = Linear(4, 4)
        let model = Sequential([shared, ReLU(), shared])
        XCTAssertEqual(model.parameters().count, 2)
        XCTAssertEqual(model.namedModules().map(\.name), ["", "0", "1"])
        XCTAssertEqual(model.stateDict().map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias"], "torch's state_dict lists both paths")
    }

    func testTrainAndEvalReachEveryDescendant() {
        let model = makeMLP()
        XCTAssertTrue(model.namedModules().allSatisfy { $0.module.isTraining })
        model.eval()
        XCTAssertTrue(model.namedModules().allSatisfy { !$0.module.isTraining })
        model.train()
        XCTAssertTrue(model.namedModules().allSatisfy { $0.module.isTraining })
        model[2].train(false)
        XCTAssertEqual(model.namedModules().filter { !$0.module.isTraining }.map(\.name), ["2", "2.0", "2.1", "2.2"])
    }

    func testReRegisteringANameReplacesTheEntry() {
        let model = Counter()
        let replacement = Linear(3, 5)
        model.register("inner", replacement)
        XCTAssertEqual(model.namedParameters().map(\.name), ["scale", "inner.weight", "inner.bias"])
        XCTAssertEqual(model.stateDict().first { $0.name == "inner.weight" }?.tensor.shape, [5, 3])
        XCTAssertTrue(model.stateDict().first { $0.name == "inner.weight" }?.tensor === replacement.weight)
    }
}
