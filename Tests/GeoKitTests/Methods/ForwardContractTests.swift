import Foundation
import GeoKit
import XCTest

/// `geokit forward` (ForwardContract) on plugin components, in process with
/// temporary files, gives what calling the module directly gives.
final class ForwardContractTests: XCTestCase {
    private var scratch: TemporaryDirectory!

    override func setUpWithError() throws {
        InTreePlugins.load()
        scratch = try TemporaryDirectory("geokit-forward")
    }

    override func tearDown() { scratch = nil }

    private func file(_ name: String) -> URL { scratch.file(name) }

    /// Runs the contract on `input` (and `input2`) with weights from `module` and the output gradient `gy`.
    private func runContract(
        _ component: String, settings: [String], module: Module, input: Tensor, input2: Tensor? = nil,
        gy: Tensor? = nil
    ) throws -> (y: Tensor, gx: Tensor, gx2: Tensor?, gw: SafeTensors.Contents?) {
        try NPY.write(input, to: file("x.npy"))
        var contract = ForwardContract(component: component, input: file("x.npy"), output: file("y.npy"))
        contract.settings = settings
        if !module.stateDict().isEmpty {
            try SafeTensors.write(module.stateDict(), to: file("weights.safetensors"))
            contract.weights = file("weights.safetensors")
            contract.gradWeights = file("gw.safetensors")
        }
        if let input2 {
            try NPY.write(input2, to: file("x2.npy"))
            contract.input2 = file("x2.npy")
            contract.gradInput2 = file("gx2.npy")
        }
        if let gy {
            try NPY.write(gy, to: file("gy.npy"))
            contract.gradOutput = file("gy.npy")
        }
        contract.gradInput = file("gx.npy")
        try contract.run()
        return (
            try NPY.read(file("y.npy")), try NPY.read(file("gx.npy")), input2 == nil ? nil : try NPY.read(file("gx2.npy")),
            contract.gradWeights == nil ? nil : try SafeTensors.read(file("gw.safetensors"))
        )
    }

    func testAttentionThroughTheContractEqualsTheModule() throws {
        let usam = try Registry.shared.make(.attention, "usam", settings: ["polish=false"])
        usam.namedParameters()[0].tensor.fill(1.5)
        usam.namedBuffers()[1].tensor.fill(2.0)  // running_var: eval mode must use it
        usam.eval()
        let x = Tensor.randn([2, 3, 4, 5], seed: 81), gy = Tensor.randn([2, 3, 4, 5], seed: 82)
        let result = try runContract("attention:usam", settings: ["polish=false"], module: usam, input: x, gy: gy)
        let leaf = x.copy().requiringGrad()
        let y = usam(leaf)
        y.backward(gy)
        assertClose(result.y, y, tolerance: 1e-6, "output")
        assertClose(result.gx, leaf.grad!, tolerance: 1e-6, "input gradient")
        for (key, parameter) in usam.namedParameters() {
            assertClose(try XCTUnwrap(result.gw?[key]), parameter.grad!, tolerance: 1e-6, key)
        }
    }

    func testAggregatorThroughTheContractEqualsTheModule() throws {
        let settings = ["blocks=2", "pool=max", "partition=ring"]
        let lpn = try Registry.shared.make(.aggregator, "lpn", settings: settings)
        let x = Tensor.randn([2, 3, 5, 6], seed: 83), gy = Tensor.randn([2, 6], seed: 84)
        let result = try runContract("aggregator:lpn", settings: settings, module: lpn, input: x, gy: gy)
        let leaf = x.copy().requiringGrad()
        let y = lpn(leaf)
        y.backward(gy)
        assertClose(result.y, y, tolerance: 1e-6, "output")
        assertClose(result.gx, leaf.grad!, tolerance: 1e-6, "input gradient")
    }

    func testLossThroughTheContractEqualsTheModule() throws {
        let reference = try MethodCase("mhnw_symmetric")
        let mhnw = try Registry.shared.make(.loss, "mhnw", settings: ["symmetric=true"])
        let ground = try reference.tensor("x0"), satellite = try reference.tensor("x1")
        let result = try runContract("loss:mhnw", settings: ["symmetric=true"], module: mhnw, input: ground, input2: satellite)
        let query = ground.copy().requiringGrad(), aerial = satellite.copy().requiringGrad()
        let loss = mhnw.loss(query: query, reference: aerial)
        loss.backward()
        XCTAssertEqual(result.y.shape, [1])
        assertClose(result.y, loss.reshaped([1]), tolerance: 1e-6, "loss")
        assertClose(result.gx, query.grad!, tolerance: 1e-6, "query gradient")
        assertClose(try XCTUnwrap(result.gx2), aerial.grad!, tolerance: 1e-6, "reference gradient")
    }
}
