import Foundation
import GeoKit
import XCTest

/// Published checkpoints as they come (torchvision without num_batches_tracked,
/// timm with its classifier head, DataParallel with `module.`), each written
/// to a safetensors file, loaded into backbone:resnet18 and run on the
/// ResNet-18 fixture's input: the output must be PyTorch's.
final class StateDictLoadingTests: XCTestCase {

    /// The state dict the fixture's PyTorch model had (deterministic weights), with
    /// `num_batches_tracked` at 0 as in a model that was never trained. Computed once;
    /// each call returns a dictionary of its own over the shared (never written) tensors.
    private func referenceStateDict() throws -> [String: Tensor] {
        if let cached = StateDictLoadingTests.reference { return cached }
        let net = try Registry.shared.make(.backbone, "resnet18", settings: [])
        fillDeterministic(net)
        let tensors = Dictionary(uniqueKeysWithValues: net.stateDict().map { ($0.name, $0.tensor.copy()) })
        StateDictLoadingTests.reference = tensors
        return tensors
    }
    nonisolated(unsafe) private static var reference: [String: Tensor]?

    /// Writes `tensors` (counters as I64, as PyTorch saves them, unless `countersAsFloat`) and reads them back.
    private func throughFile(_ tensors: [String: Tensor], countersAsFloat: Bool = false) throws -> [String: Tensor] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-statedict-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(
            tensors.map { key, tensor in
                NamedTensor(key, tensor, isInteger: key.hasSuffix("num_batches_tracked") && !countersAsFloat)
            }, to: url)
        return try SafeTensors.read(url).tensors
    }

    /// The model's tensor under a state-dict key.
    private func tensor(_ model: Module, _ key: String) -> Tensor {
        model.stateDict().first { $0.name == key }!.tensor
    }

    /// Max |y - PyTorch's| / max |PyTorch's| of backbone:resnet18 on the differential fixture's
    /// b1_64x96 input (its output is stored as sums and sampled elements; see ResNetTests).
    private func errorAgainstPyTorch(_ net: Module) throws -> Double {
        let reference = try Fixture("differential_resnet").tensor("resnet18_b1_64x96/y").scalars(as: Double.self)
        let y = noGrad { net(wave([1, 3, 64, 96], 1001).to(.float32)) }.scalars(as: Double.self)
        let picked = sampleIndices(y.count, reference.count - 3).map { y[$0] }
        return zip(picked, reference[3...]).map { abs($0 - $1) }.max()! / reference[2]
    }

    /// Loads into a fresh backbone:resnet18 and checks its output against PyTorch's.
    private func assertLoadsToPyTorchOutput(
        _ tensors: [String: Tensor], strict: Bool = true, stripPrefix: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let net = try Registry.shared.make(.backbone, "resnet18", settings: [])
        net.eval()
        XCTAssertGreaterThan(try errorAgainstPyTorch(net), 0.1, "a fresh model is not already PyTorch's", file: file, line: line)
        try net.loadStateDict(try throughFile(tensors), strict: strict, stripPrefix: stripPrefix)
        XCTAssertLessThanOrEqual(try errorAgainstPyTorch(net), 1e-4, "features", file: file, line: line)
    }

    func testTorchvisionStateDictWithoutNumBatchesTrackedLoadsStrictly() throws {
        var tensors = try referenceStateDict()
        let counters = tensors.keys.filter { $0.hasSuffix(".num_batches_tracked") }
        XCTAssertEqual(counters.count, 20, "ResNet-18 has 20 BatchNorms")
        for key in counters { tensors[key] = nil }
        try assertLoadsToPyTorchOutput(tensors, strict: true)

        let net = try zooBackbone("resnet18")
        tensor(net, "bn1.num_batches_tracked").fill(7)
        try net.loadStateDict(tensors)
        XCTAssertEqual(tensor(net, "bn1.num_batches_tracked").item, 7, "a missing counter keeps the module's value, as in PyTorch")
    }

    func testTimmStateDictWithItsClassifierHeadLoadsWhenNotStrict() throws {
        var tensors = try referenceStateDict()
        tensors["fc.weight"] = Tensor.randn([1000, 512], seed: 1)
        tensors["fc.bias"] = Tensor.zeros([1000])
        XCTAssertThrowsError(try zooBackbone("resnet18").loadStateDict(tensors)) { error in
            XCTAssertEqual(
                error as? GeoKitError,
                GeoKitError(
                    "the state dict does not fit the model: 2 unexpected: fc.bias, fc.weight", where: "ResNet.loadStateDict",
                    remedy: "load weights saved from the same architecture, or pass strict: false (--strict false) to skip missing and unexpected keys"))
        }
        try assertLoadsToPyTorchOutput(tensors, strict: false)
    }

    func testDataParallelPrefixIsStrippedAndSuggested() throws {
        let tensors = try referenceStateDict()
        let prefixed = Dictionary(uniqueKeysWithValues: tensors.map { ("module." + $0.key, $0.value) })
        XCTAssertThrowsError(try zooBackbone("resnet18").loadStateDict(prefixed)) { error in
            let e = error as? GeoKitError
            XCTAssertEqual(
                e?.what.hasPrefix(
                    "the state dict does not fit the model: 100 missing, e.g. conv1.weight, bn1.weight, bn1.bias, "
                        + "bn1.running_mean, bn1.running_var, ...; 120 unexpected, e.g. module.bn1.bias, "), true, "\(error)")
            XCTAssertEqual(
                e?.remedy, #"every key of the file starts with 'module.', which the model's keys lack: pass stripPrefix: "module." (--strip-prefix module.)"#)
        }
        XCTAssertThrowsError(try zooBackbone("resnet18").loadStateDict(prefixed, strict: false), "not strict, yet nothing would load") { error in
            XCTAssertTrue("\(error)".contains("none of its 120 keys names a tensor of the model"), "\(error)")
        }
        try assertLoadsToPyTorchOutput(prefixed, stripPrefix: "module.")
    }

    func testAddPrefixLoadsABareBackboneIntoAWrapper() throws {
        let bare = Linear(3, 2)
        let wrapper = Module()
        wrapper.register("backbone", Linear(3, 2))
        let tensors = Dictionary(uniqueKeysWithValues: bare.stateDict().map { ($0.name, $0.tensor) })
        XCTAssertThrowsError(try wrapper.loadStateDict(tensors)) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.remedy,
                #"every key of the model starts with 'backbone.', which the file's keys lack: pass addPrefix: "backbone.""#)
        }
        try wrapper.loadStateDict(tensors, addPrefix: "backbone.")
        var both = Dictionary(uniqueKeysWithValues: tensors.map { ("module." + $0.key, $0.value) })
        both["weight"] = tensors["weight"]
        XCTAssertThrowsError(try bare.loadStateDict(both, stripPrefix: "module.")) { error in
            XCTAssertEqual(
                error as? GeoKitError,
                GeoKitError(
                    "the state dict's keys module.weight and weight both become weight when renamed",
                    where: "Linear.loadStateDict",
                    remedy: "the file holds the same tensor with and without the prefix; drop one copy"))
        }
        XCTAssertEqual(wrapper.namedParameters().map { $0.tensor.scalars(as: Float.self) }, bare.parameters().map { $0.scalars(as: Float.self) })
    }

    func testAMismatchIsSummarisedInOneMessage() throws {
        var tensors = try referenceStateDict()
        let layer4 = tensors.keys.filter { $0.hasPrefix("layer4.") }
        for key in layer4 { tensors[key] = nil }
        tensors["fc.weight"] = Tensor.zeros([1000, 512])
        tensors["fc.bias"] = Tensor.zeros([1000])
        tensors["conv1.weight"] = Tensor.zeros([64, 3, 3, 3])
        tensors["bn1.bias"] = Tensor.zeros([32])
        let model = try zooBackbone("resnet18")
        let before = tensor(model, "conv1.weight").scalars(as: Float.self)
        XCTAssertThrowsError(try model.loadStateDict(tensors)) { error in
            // layer4 has 2 blocks x (2 convs + 2 BNs x 4 float entries) + a downsample conv and BN: 25 float
            // entries and 5 counters; the counters are not missing.
            XCTAssertEqual(layer4.count, 30)
            XCTAssertEqual(
                error as? GeoKitError,
                GeoKitError(
                    "the state dict does not fit the model: 25 missing, e.g. layer4.0.conv1.weight, layer4.0.bn1.weight, layer4.0.bn1.bias, "
                        + "layer4.0.bn1.running_mean, layer4.0.bn1.running_var, ...; 2 unexpected: fc.bias, fc.weight; "
                        + "2 shape mismatches: conv1.weight (file [64, 3, 3, 3], model [64, 3, 7, 7]), bn1.bias (file [32], model [64])",
                    where: "ResNet.loadStateDict",
                    remedy: "load weights saved from the same architecture and width (the file's tensors have other shapes)"))
        }
        XCTAssertEqual(tensor(model, "conv1.weight").scalars(as: Float.self), before, "nothing is copied when loading fails")
    }

    func testANonIntegralCounterIsRefusedAtLoadNamingTheKey() throws {
        let file = try throughFile(try referenceStateDict(), countersAsFloat: true)
        for value in [Double.nan, .infinity, 2.5] {
            var tensors = file
            // Counters stored as F32, as a crafted or damaged file can hold them.
            tensors["layer2.1.bn2.num_batches_tracked"] = Tensor(scalar: value)
            let model = try zooBackbone("resnet18")
            let before = tensor(model, "conv1.weight").scalars(as: Float.self)
            XCTAssertThrowsError(try model.loadStateDict(tensors)) { error in
                XCTAssertEqual(
                    error as? GeoKitError,
                    GeoKitError(
                        "the state dict's integer buffer layer2.1.bn2.num_batches_tracked holds \(Double(Float(value))), not a whole number",
                        where: "ResNet.loadStateDict",
                        remedy: "the checkpoint is damaged; re-export it, or drop layer2.1.bn2.num_batches_tracked and load with the module's own value"))
            }
            XCTAssertEqual(tensor(model, "conv1.weight").scalars(as: Float.self), before, "nothing is copied")
        }
    }
}
