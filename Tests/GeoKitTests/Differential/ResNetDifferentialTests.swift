import Foundation
import GeoKit
import XCTest

/// Whole ResNet-18/50 networks in float64 through `geokit forward --dtype float64`
/// (ForwardContract in process; one case through the built CLI) against timm in
/// float64, eval mode, with the formula's weights and BN statistics
/// (Tests/reference/fixtures_differential_resnet.py): the features, the input
/// gradient and every weight gradient. Float64, because in float32 the gradients
/// of a ReLU network differ by percents between any two correct implementations
/// (docs/testing.md, "Why whole networks compare in float64").
final class ResNetDifferentialTests: XCTestCase {
    /// Per element. The floor: a float64 gradient element that is small because its
    /// terms cancel keeps the rounding error of its terms, ~1e-16 of the tensor's scale
    /// per term, over up to millions of accumulated terms.
    static let elements = Tolerance(relative: 1e-9, floor: 1e-11)
    /// On the whole-tensor sum, sum |t| and max |t|, relative to sum |t| (resp. max |t|).
    static let sums = 1e-9

    private static var weightFiles: [String: URL] = [:]
    private static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("geokit-differential-\(ProcessInfo.processInfo.processIdentifier)")
    private var fixture: Fixture!

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        weightFiles = [:]
    }

    override func setUpWithError() throws {
        fixture = try Fixture("differential_resnet")
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
    }

    func testResNet18SmallInputs() throws {
        for size in ["b1_64x96", "b8_48x64", "odd_65x97", "map1x1_29x31"] { try check("resnet18", size) }
    }

    func testResNet50SmallInputs() throws {
        for size in ["b1_64x96", "b8_48x64", "odd_65x97", "map1x1_29x31"] { try check("resnet50", size) }
    }

    func testResNet18Panoramas() throws {
        for size in ["pano_b1_128x512", "pano_b8_128x512"] { try check("resnet18", size) }
    }

    func testResNet50PanoramaBatch1() throws { try check("resnet50", "pano_b1_128x512") }

    func testResNet50PanoramaBatch8() throws { try check("resnet50", "pano_b8_128x512") }

    /// The same contract through the real executable: `geokit forward --dtype float64 ...`.
    func testResNet18ThroughTheCommandLine() throws { try check("resnet18", "odd_65x97", throughCLI: true) }

    /// The fixture's cases are exactly the ones above, so none is left unchecked.
    func testEveryFixtureCaseIsChecked() throws {
        let sizes = ["b1_64x96", "b8_48x64", "odd_65x97", "map1x1_29x31", "pano_b1_128x512", "pano_b8_128x512"]
        XCTAssertEqual(
            Set(fixture.contents.metadata.keys.filter { $0.hasPrefix("resnet") }),
            Set(["resnet18", "resnet50"].flatMap { net in sizes.map { "\(net)_\($0)" } }))
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

    private func check(_ network: String, _ size: String, throughCLI: Bool = false) throws {
        let name = "\(network)_\(size)"
        let spec = try JSONDecoder().decode(Case.self, from: Data(try XCTUnwrap(fixture.metadata(name), name).utf8))
        let dir = Self.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = { (f: String) in dir.appendingPathComponent(f) }
        try NPY.write(wave(spec.input, 1000 + spec.seed), to: file("x.npy"))
        try NPY.write(wave(spec.output, 2000 + spec.seed), to: file("gy.npy"))

        let start = Date()
        if throughCLI {
            let result = try GeoKitProcess.run(
                [
                    "forward", "--component", "backbone:\(network)", "--dtype", "float64", "--weights", try weights(network).path,
                    "--input", file("x.npy").path, "--output", file("y.npy").path, "--grad-output", file("gy.npy").path,
                    "--grad-input", file("gx.npy").path, "--grad-weights", file("gw.safetensors").path
                ], cache: dir)
            XCTAssertEqual(result.status, 0, result.output)
        } else {
            var contract = ForwardContract(component: "backbone:\(network)", input: file("x.npy"), output: file("y.npy"))
            contract.dtype = .float64
            contract.weights = try weights(network)
            contract.gradOutput = file("gy.npy")
            contract.gradInput = file("gx.npy")
            contract.gradWeights = file("gw.safetensors")
            try contract.run()
        }
        let seconds = Date().timeIntervalSince(start)

        let y = try NPY.read(file("y.npy")), gx = try NPY.read(file("gx.npy"))
        XCTAssertEqual(y.dtype, .float64, "\(name): the output is written in float64")
        XCTAssertEqual(gx.dtype, .float64, "\(name): the input gradient is written in float64")
        XCTAssertEqual(y.shape, spec.output, name)
        XCTAssertEqual(gx.shape, spec.input, name)
        let output = try fixture.compareSummarised(y, "\(name)/y").figures
        let input = try fixture.compareSummarised(gx, "\(name)/gx").figures

        let gw = try SafeTensors.read(file("gw.safetensors"))
        let weights = try fixture.compareWeightGradients(gw.tensors, case: name, namedAs: "timm's")
        print(
            String(
                format: "differential %@ (%.1f s%@): y %@; gx %@; %d weight gradients %@, sums %.1e",
                name, seconds, throughCLI ? ", CLI" : "", "\(output)", "\(input)", weights.count,
                "\(weights.figures)", weights.sums))
    }
}
