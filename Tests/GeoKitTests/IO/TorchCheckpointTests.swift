import Foundation
import GeoKit
import XCTest

@testable import GeoKitCore

/// The `.pth` reader against files written by torch.save (Tests/reference/fixtures_torch_checkpoints.py):
/// every storage type, strided and offset views, both formats, wrapped and nested dicts, hostile pickles.
final class TorchCheckpointTests: XCTestCase {
    private let directory = Fixture.directory.appendingPathComponent("torch")
    private func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    private func expected() throws -> [String: Tensor] {
        try Fixture("torch/torch_checkpoints").contents.tensors
    }

    /// The entries of the state dict saved as state_dict_*.pth (not the nested file's, not USAM's case).
    private func expectedStateDict() throws -> [String: Tensor] {
        try expected().filter { !$0.key.hasPrefix("nested/") && !$0.key.hasPrefix("usam/") }
    }

    /// Equal values and shapes, and float64 where torch had float64.
    private func assertSameTensors(
        _ loaded: [String: Tensor], _ expected: [String: Tensor], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(Set(loaded.keys), Set(expected.keys), file: file, line: line)
        for (key, want) in expected {
            guard let got = loaded[key] else { continue }
            XCTAssertEqual(got.shape, want.shape, key, file: file, line: line)
            XCTAssertEqual(got.dtype, want.dtype, key, file: file, line: line)
            XCTAssertEqual(got.scalars(as: Double.self), want.scalars(as: Double.self), key, file: file, line: line)
        }
    }

    func testBothFormatsLoadEveryStorageTypeAndView() throws {
        let want = try expectedStateDict()
        XCTAssertEqual(want.count, 21)
        for name in ["state_dict_zip.pth", "state_dict_legacy.pth"] {
            let loaded = try TorchCheckpoint.read(file(name))
            assertSameTensors(loaded, want)
            // Spot values that a wrong stride, offset or type would change.
            XCTAssertEqual(loaded["1.num_batches_tracked"]?.item, 12, name)
            XCTAssertEqual(loaded["extra.slice"]?.scalars(as: Double.self), [1.25, 1.5, 1.75, 2, 2.25, 2.5], name)
            XCTAssertEqual(loaded["extra.int8"]?.scalars(as: Double.self), [-128, 127], name)
            XCTAssertEqual(loaded["extra.bool"]?.scalars(as: Double.self), [1, 0, 1], name)
            XCTAssertEqual(loaded["extra.double"]?.dtype, .float64, name)
            XCTAssertEqual(loaded["extra.scalar"]?.shape, [], name)
        }
    }

    func testATrainingCheckpointYieldsItsStateDict() throws {
        let loaded = try TorchCheckpoint.read(file("wrapped_zip.pth"))
        assertSameTensors(loaded, try expectedStateDict())
    }

    func testNestedDictsFlattenToDottedKeys() throws {
        let loaded = try TorchCheckpoint.read(file("nested_legacy.pth"))
        let want = Dictionary(
            uniqueKeysWithValues: try expected().filter { $0.key.hasPrefix("nested/") }
                .map { (String($0.key.dropFirst("nested/".count)), $0.value) })
        assertSameTensors(loaded, want)
    }

    func testWeightsFileTellsTheFormatsApartByContent() throws {
        let safetensors = Fixture.directory.appendingPathComponent("torch/torch_checkpoints.safetensors")
        XCTAssertEqual(try WeightsFile.read(safetensors).count, 25)
        XCTAssertEqual(try WeightsFile.read(file("state_dict_legacy.pth")).count, 21)
    }

    /// A pickle that names os.system or eval (posix.system, __builtin__.eval at protocol 2) is refused by name, and nothing runs.
    func testHostilePicklesAreRefusedWithoutRunningAnything() throws {
        let marker = URL(fileURLWithPath: "/tmp/geokit-pickle-executed")
        try? FileManager.default.removeItem(at: marker)
        for (name, global) in [("evil_system.pth", "posix.system"), ("evil_eval_zip.pth", "__builtin__.eval")] {
            XCTAssertThrowsError(try TorchCheckpoint.read(file(name)), name) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("names \(global)"), message)
                XCTAssertTrue(message.contains("executes nothing"), message)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
    }

    func testAPlainPickleIsNotACheckpoint() {
        XCTAssertThrowsError(try TorchCheckpoint.read(file("plain_pickle.pth"))) { error in
            XCTAssertTrue("\(error)".contains("magic number"), "\(error)")
        }
    }

    /// Every prefix of a real checkpoint fails with a message (or, for the zip, libzip's), never a trap.
    func testTruncatedCheckpointsFailWithAMessage() throws {
        for name in ["state_dict_legacy.pth", "state_dict_zip.pth"] {
            let bytes = try Data(contentsOf: file(name))
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID()).pth")
            defer { try? FileManager.default.removeItem(at: temporary) }
            for length in stride(from: 0, to: bytes.count, by: 97) {
                try bytes.prefix(length).write(to: temporary)
                XCTAssertThrowsError(try TorchCheckpoint.read(temporary), "\(name) cut at \(length)") { error in
                    XCTAssertTrue(error is GeoKitError, "\(error)")
                }
            }
        }
    }

    /// A pickle nesting tuples a million deep, or filling a list after placing it in another, is refused.
    func testUnboundedNestingIsRefused() {
        var deep: [UInt8] = [0x80, 0x02, 0x29]  // PROTO 2, EMPTY_TUPLE
        deep += [UInt8](repeating: 0x85, count: 1_000_000)  // TUPLE1, a million times
        deep += [0x2E]
        var unpickler = RestrictedUnpickler(deep, source: "deep")
        XCTAssertThrowsError(try unpickler.load()) { XCTAssertTrue("\($0)".contains("nested deeper than 32"), "\($0)") }

        // EMPTY_LIST, MEMOIZE, EMPTY_LIST, BINGET 0, APPEND (list 0 into list 1), BINGET 0, EMPTY_TUPLE, APPEND: refill of a sealed list.
        let refill: [UInt8] = [0x80, 0x02, 0x5D, 0x94, 0x5D, 0x68, 0x00, 0x61, 0x68, 0x00, 0x29, 0x61, 0x2E]
        var second = RestrictedUnpickler(refill, source: "refill")
        XCTAssertThrowsError(try second.load()) { XCTAssertTrue("\($0)".contains("filled after it was used"), "\($0)") }
    }
}

/// `geokit convert` writes the same tensors as safetensors, keeping float64 and int64.
final class ConvertCommandTests: XCTestCase {
    func testConvertRoundTripsAPthFileToTheSameTensors() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: output) }
        let input = Fixture.directory.appendingPathComponent("torch/state_dict_legacy.pth")
        let result = try GeoKitProcess.run(["convert", input.path, output.path], cache: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 0, result.output)
        let converted = try SafeTensors.read(output).tensors
        let original = try TorchCheckpoint.read(input)
        XCTAssertEqual(Set(converted.keys), Set(original.keys))
        for (key, tensor) in original {
            XCTAssertEqual(converted[key]?.shape, tensor.shape, key)
            XCTAssertEqual(converted[key]?.scalars(as: Double.self), tensor.scalars(as: Double.self), key)
        }
        // The stored types, as PyTorch would read them back.
        let header = try Data(contentsOf: output)
        let text = String(decoding: header.prefix(4096), as: UTF8.self)
        XCTAssertTrue(text.contains(#""1.num_batches_tracked":{"data_offsets""#) && text.contains(#""dtype":"I64""#), text)
        XCTAssertTrue(text.contains(#""dtype":"F64""#), text)
    }

    func testConvertRefusesAHostilePickleWithExitOne() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID()).safetensors")
        let input = Fixture.directory.appendingPathComponent("torch/evil_system.pth")
        let result = try GeoKitProcess.run(["convert", input.path, output.path], cache: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("names posix.system"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}

/// `geokit forward --weights X.pth --strip-prefix module.`: USAM's weights as DataParallel saved them
/// (legacy format) give PyTorch's output; without the option, one message suggests it.
final class TorchWeightsThroughForwardTests: XCTestCase {
    func testAPrefixedPthLoadsThroughTheForwardContract() throws {
        let fixture = try Fixture("torch/torch_checkpoints")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pth-forward-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let x = directory.appendingPathComponent("x.npy"), y = directory.appendingPathComponent("y.npy")
        try NPY.write(try fixture.tensor("usam/x"), to: x)
        let weights = Fixture.directory.appendingPathComponent("torch/usam_module_prefix.pth").path
        let base = ["forward", "--component", "attention:usam", "--weights", weights, "--input", x.path, "--output", y.path]

        let refused = try GeoKitProcess.run(base, cache: directory)
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(
            refused.output.contains("every key of the file starts with 'module.'") && refused.output.contains("--strip-prefix module."),
            refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: y.path))

        let loaded = try GeoKitProcess.run(base + ["--strip-prefix", "module."], cache: directory)
        XCTAssertEqual(loaded.status, 0, loaded.output)
        assertClose(try NPY.read(y), try fixture.tensor("usam/y"), tolerance: 1e-6, "USAM with the .pth weights")
    }

    /// The same file through `Module.loadWeights(from:)` in Swift: refused without the prefix option, PyTorch's output with it.
    func testLoadWeightsReadsAPrefixedPthInSwift() throws {
        InTreePlugins.load()
        let fixture = try Fixture("torch/torch_checkpoints")
        let url = Fixture.directory.appendingPathComponent("torch/usam_module_prefix.pth")
        let usam = try Registry.shared.make(.attention, "usam")
        XCTAssertThrowsError(try usam.loadWeights(from: url)) { error in
            XCTAssertTrue("\(error)".contains("--strip-prefix module."), "\(error)")
        }
        try usam.loadWeights(from: url, stripPrefix: "module.")
        usam.eval()
        let x = try fixture.tensor("usam/x")
        assertClose(noGrad { usam(x) }, try fixture.tensor("usam/y"), tolerance: 1e-6, "USAM with the .pth weights")
    }
}
