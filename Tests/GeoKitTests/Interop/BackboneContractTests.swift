import Foundation
import GeoKit
import XCTest

/// `geokit forward --component backbone:...` and the contract's errors.
final class BackboneContractTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-backbone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: directory) }

    private func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func testResNetThroughTheContractEqualsTheSeededModule() throws {
        let x = Tensor.randn([1, 3, 64, 96], seed: 5)
        let gy = Tensor.randn([1, 512, 4, 6], seed: 6)
        try NPY.write(x, to: file("x.npy"))
        try NPY.write(gy, to: file("gy.npy"))
        var contract = ForwardContract(component: "backbone:resnet18", input: file("x.npy"), output: file("y.npy"))
        contract.settings = ["lastStride=1"]
        contract.seed = 11
        contract.gradOutput = file("gy.npy")
        contract.gradInput = file("gx.npy")
        contract.gradWeights = file("gw.safetensors")
        try contract.run()

        // Without --weights the contract initialises from its seed: the same seed gives the same module.
        GlobalRandom.seed(11)
        let net = try Registry.shared.make(.backbone, "resnet18", ["lastStride": .int(1)])
        net.eval()
        let leaf = x.copy().requiringGrad()
        let y = net(leaf)
        y.backward(gy)
        assertClose(try NPY.read(file("y.npy")), y, tolerance: 1e-6, "features")
        assertClose(try NPY.read(file("gx.npy")), leaf.grad!, tolerance: 1e-6, "input gradient")
        let gw = try SafeTensors.read(file("gw.safetensors"))
        XCTAssertEqual(Set(gw.tensors.keys), Set(net.namedParameters().map(\.name)))
        assertClose(
            try XCTUnwrap(gw["layer4.1.conv2.weight"]), net.namedParameters().first { $0.name == "layer4.1.conv2.weight" }!.tensor.grad!,
            tolerance: 1e-6, "a weight gradient")
    }

    func testContractErrorsNameTheProblem() throws {
        try NPY.write(Tensor.zeros([1, 4, 8, 8]), to: file("x.npy"))
        func message(_ component: String, settings: [String] = []) -> String {
            var contract = ForwardContract(component: component, input: file("x.npy"), output: file("y.npy"))
            contract.settings = settings
            do { try contract.run(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("backbone:resnet99").contains("registered backbones: resnet18, resnet34, resnet50"), message("backbone:resnet99"))
        XCTAssertTrue(message("backbone:resnet18").contains("(N, 3, H, W)"), message("backbone:resnet18"))
        XCTAssertTrue(message("resnet18").contains("KIND:NAME"), message("resnet18"))
        XCTAssertTrue(message("backbone:resnet18", settings: ["lastStride=3"]).contains("parameter 'lastStride' must be in [1, 2], got 3"))
        XCTAssertTrue(message("backbone:resnet18", settings: ["depth=3"]).contains("has no parameter 'depth'"))
        XCTAssertTrue(message("backbone:resnet18", settings: ["lastStride=one"]).contains("must be int"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("y.npy").path), "no output after an error")
    }
}
