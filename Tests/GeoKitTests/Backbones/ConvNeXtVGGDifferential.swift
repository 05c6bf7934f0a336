import Foundation
import GeoKit
import XCTest

/// The differential cases of VGG16 and ConvNeXt against torchvision/timm in
/// float64 (Tests/reference/fixtures_differential_backbones_conv.py), with
/// ResNetDifferentialTests' method and tolerances: the features, the input
/// gradient and every weight gradient, as whole-tensor sums and sampled
/// elements. A case without attention runs through ForwardContract (what
/// `geokit forward --dtype float64` runs); a case with an attention module
/// inserted runs in process, the contract having no way to insert one.
struct ConvBackboneDifferential {

    struct Case: Decodable {
        let input: [Int], output: [Int], seed: Int
        let stage: String?, attention: String?
    }

    let fixture: Fixture
    let directory: URL
    private var weightFiles: [String: URL] = [:]

    init() throws {
        fixture = try Fixture("differential_backbones_conv")
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("geokit-differential-conv-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    /// The fixture's case names whose network name starts with `family` ("vgg", "convnext").
    func cases(of family: String) -> Set<String> {
        Set(fixture.contents.metadata.keys.filter { $0.hasPrefix(family) })
    }

    /// A float64 state dict of the formula's weights for `network`, written once.
    private mutating func weights(_ network: String) throws -> URL {
        if let url = weightFiles[network] { return url }
        let net = try zooBackbone(network)
        net.convert(to: .float64)
        fillDeterministic(net)
        let url = directory.appendingPathComponent("\(network).safetensors")
        try SafeTensors.write(net.stateDict(), to: url)
        weightFiles[network] = url
        return url
    }

    /// Runs case `network`_`size` and compares everything; prints its figures.
    mutating func check(_ network: String, _ size: String) throws {
        let name = "\(network)_\(size)"
        let spec = try JSONDecoder().decode(Case.self, from: Data(try XCTUnwrap(fixture.metadata(name), name).utf8))
        let start = Date()
        let (y, gx, gw) = spec.stage == nil ? try throughContract(network, name, spec) : try inProcess(network, spec)
        let seconds = Date().timeIntervalSince(start)

        XCTAssertEqual(y.dtype, .float64, "\(name): the output is float64")
        XCTAssertEqual(gx.dtype, .float64, "\(name): the input gradient is float64")
        XCTAssertEqual(y.shape, spec.output, name)
        XCTAssertEqual(gx.shape, spec.input, name)
        let output = try fixture.compareSummarised(y, "\(name)/y").figures
        let input = try fixture.compareSummarised(gx, "\(name)/gx").figures
        let weights = try fixture.compareWeightGradients(gw, case: name, namedAs: "the reference's")
        print(
            String(
                format: "differential %@ (%.1f s): y %@; gx %@; %d weight gradients %@, sums %.1e",
                name, seconds, "\(output)", "\(input)", weights.count, "\(weights.figures)", weights.sums))
    }

    private mutating func throughContract(_ network: String, _ name: String, _ spec: Case) throws
        -> (Tensor, Tensor, [String: Tensor])
    {
        let dir = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = { (f: String) in dir.appendingPathComponent(f) }
        try NPY.write(wave(spec.input, 1000 + spec.seed), to: file("x.npy"))
        try NPY.write(wave(spec.output, 2000 + spec.seed), to: file("gy.npy"))
        var contract = ForwardContract(component: "backbone:\(network)", input: file("x.npy"), output: file("y.npy"))
        contract.dtype = .float64
        contract.weights = try weights(network)
        contract.gradOutput = file("gy.npy")
        contract.gradInput = file("gx.npy")
        contract.gradWeights = file("gw.safetensors")
        try contract.run()
        return (try NPY.read(file("y.npy")), try NPY.read(file("gx.npy")), try SafeTensors.read(file("gw.safetensors")).tensors)
    }

    /// The backbone with the case's attention module after its stage, the formula's
    /// weights over both (the same sorted keys as the reference's), in eval mode.
    private func inProcess(_ network: String, _ spec: Case) throws -> (Tensor, Tensor, [String: Tensor]) {
        let net = try zooBackbone(network)
        try net.insert(Registry.shared.make(.attention, try XCTUnwrap(spec.attention)), at: try XCTUnwrap(spec.stage))
        net.convert(to: .float64)
        fillDeterministic(net)
        net.eval()
        let x = wave(spec.input, 1000 + spec.seed).requiringGrad()
        let y = net(x)
        y.backward(wave(spec.output, 2000 + spec.seed))
        var gw: [String: Tensor] = [:]
        for (name, tensor) in net.namedParameters() { gw[name] = tensor.grad ?? tensor.fullLike(0) }
        return (y.detached(), x.grad ?? x.fullLike(0), gw)
    }

}

/// An attention module that records the shape of every map it sees and passes
/// the map on unchanged: inserted at a stage, it shows the stage's real output.
final class ShapeProbe: Module, AttentionModule {
    private(set) var shapes: [[Int]] = []
    override func callAsFunction(_ x: Tensor) -> Tensor {
        shapes.append(x.shape)
        return x
    }
}
