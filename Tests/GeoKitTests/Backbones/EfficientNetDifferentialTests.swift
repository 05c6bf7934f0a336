import Foundation
import GeoKit
import XCTest

/// tf_efficientnetv2_s, efficientnetv2_s and tf_efficientnet_lite0 in float64 through `geokit forward
/// --dtype float64` (ForwardContract in process) against timm in float64, eval mode, with the formula's
/// weights and BN statistics (Tests/reference/fixtures_differential_backbones_effnet.py): the features,
/// the input gradient and every weight gradient, as ResNetDifferentialTests does for ResNet, with its
/// tolerances (docs/testing.md). The odd sizes pad symmetrically at most stride-2 layers, 128 x 512 and
/// 64 x 96 asymmetrically at every one, so both halves of "same" padding are compared.
final class EfficientNetDifferentialTests: XCTestCase {
    private static var weightFiles: [String: URL] = [:]
    private static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("geokit-effnet-differential-\(ProcessInfo.processInfo.processIdentifier)")
    private var fixture: Fixture!

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        weightFiles = [:]
    }

    override func setUpWithError() throws {
        fixture = try Fixture("differential_backbones_effnet")
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
    }

    func testTFEfficientNetV2SOddSize() throws { try check("tf_efficientnetv2_s", "odd_33x47") }

    func testTFEfficientNetV2SPanorama() throws { try check("tf_efficientnetv2_s", "pano_b1_128x512") }

    func testEfficientNetV2SOddSizeBatch2() throws { try check("efficientnetv2_s", "odd_35x45") }

    func testLite0OddSize() throws { try check("tf_efficientnet_lite0", "odd_37x41") }

    func testLite0EvenSize() throws { try check("tf_efficientnet_lite0", "even_64x96") }

    /// The fixture's cases are exactly the ones above, so none is left unchecked.
    func testEveryFixtureCaseIsChecked() throws {
        let cases = fixture.contents.metadata.keys.filter { !$0.contains("/") }
        XCTAssertEqual(
            Set(cases),
            [
                "tf_efficientnetv2_s_odd_33x47", "tf_efficientnetv2_s_pano_b1_128x512",
                "efficientnetv2_s_odd_35x45", "tf_efficientnet_lite0_odd_37x41",
                "tf_efficientnet_lite0_even_64x96"
            ])
    }

    private struct Case: Decodable {
        let input: [Int], output: [Int], seed: Int
    }

    /// A float64 state dict of the formula's weights, written once per network.
    private func weights(_ network: String) throws -> URL {
        if let url = Self.weightFiles[network] { return url }
        let net = try zooBackbone(network)
        net.convert(to: .float64)
        fillDeterministic(net)
        let url = Self.directory.appendingPathComponent("\(network).safetensors")
        try SafeTensors.write(net.stateDict(), to: url)
        Self.weightFiles[network] = url
        return url
    }

    private func check(_ network: String, _ size: String) throws {
        let name = "\(network)_\(size)"
        let spec = try JSONDecoder().decode(Case.self, from: Data(try XCTUnwrap(fixture.metadata(name), name).utf8))
        let dir = Self.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = { (f: String) in dir.appendingPathComponent(f) }
        try NPY.write(wave(spec.input, 1000 + spec.seed), to: file("x.npy"))
        try NPY.write(wave(spec.output, 2000 + spec.seed), to: file("gy.npy"))

        let start = Date()
        var contract = ForwardContract(component: "backbone:\(network)", input: file("x.npy"), output: file("y.npy"))
        contract.dtype = .float64
        contract.weights = try weights(network)
        contract.gradOutput = file("gy.npy")
        contract.gradInput = file("gx.npy")
        contract.gradWeights = file("gw.safetensors")
        try contract.run()
        let seconds = Date().timeIntervalSince(start)

        let y = try NPY.read(file("y.npy")), gx = try NPY.read(file("gx.npy"))
        XCTAssertEqual(y.shape, spec.output, name)
        XCTAssertEqual(gx.shape, spec.input, name)
        let output = try fixture.compareSummarised(y, "\(name)/y").figures
        let input = try fixture.compareSummarised(gx, "\(name)/gx").figures

        let gw = try SafeTensors.read(file("gw.safetensors"))
        let weights = try fixture.compareWeightGradients(gw.tensors, case: name, namedAs: "the reference's")
        print(
            String(
                format: "differential %@ (%.1f s): y %@; gx %@; %d weight gradients %@, sums %.1e",
                name, seconds, "\(output)", "\(input)", weights.count, "\(weights.figures)", weights.sums))
    }
}
