import Foundation
import GeoKit
import XCTest

/// safetensors and .npy against files written by Python, round trips, and
/// clear errors for damaged files.
final class FileFormatTests: XCTestCase {
    private func fixture(_ name: String) -> URL { Fixture.directory.appendingPathComponent(name) }

    func testReadsWhatPythonSafetensorsWrote() throws {
        let file = try SafeTensors.read(fixture("io.safetensors"))
        XCTAssertEqual(file["scalar"]?.shape, [])
        XCTAssertEqual(file["scalar"]?.item, 3.25)
        XCTAssertEqual(file["double"]?.dtype, .float64)
        XCTAssertEqual(file["double"]?.scalars(as: Double.self), [1.5, -2.0])
        XCTAssertEqual(file["count"]?.item, 7)
        XCTAssertEqual(file["weights"]?.shape, [2, 3])
        XCTAssertEqual(file["weights"]?.scalars(as: Float.self), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(file.metadata, ["recipe": "demo", "components": "backbone:resnet18"])
    }

    func testSafetensorsRoundTripKeepsDtypesShapesAndMetadata() throws {
        let entries = [
            NamedTensor("a.scalar", Tensor(scalar: -1.25)),
            NamedTensor("b.double", Tensor([1.0, 2.0, 3.0] as [Double], shape: [3, 1])),
            NamedTensor("c.count", Tensor(scalar: 12), isInteger: true)
        ]
        let data = try SafeTensors.encode(entries, metadata: ["epoch": "3"])
        let back = try SafeTensors.decode(data)
        XCTAssertEqual(back["a.scalar"]?.shape, [])
        XCTAssertEqual(back["a.scalar"]?.item, -1.25)
        XCTAssertEqual(back["b.double"]?.dtype, .float64)
        XCTAssertEqual(back["b.double"]?.shape, [3, 1])
        XCTAssertEqual(back["c.count"]?.item, 12)
        XCTAssertEqual(back.metadata, ["epoch": "3"])
        let header = String(decoding: data.dropFirst(8).prefix(200), as: UTF8.self)
        XCTAssertTrue(header.contains("\"I64\""), header)
    }

    func testDamagedSafetensorsFailWithAReason() throws {
        let good = try SafeTensors.encode([NamedTensor("w", Tensor.ones([4]))])
        let cases: [(Data, String)] = [
            (Data([1, 2, 3]), "shorter than its 8-byte header"),
            (good.prefix(good.count - 4), "data_offsets [0, 16] beyond the 12 data bytes"),
            (Data([255, 0, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8), "exceeds the file size"),
            (Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("[]".utf8), "not a JSON object")
        ]
        for (data, reason) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(data, source: "bad.safetensors")) { error in
                XCTAssertTrue("\(error)".contains(reason) && "\(error)".contains("bad.safetensors"), "\(error)")
            }
        }
    }

    func testReadsWhatNumPyWrote() throws {
        let f = try NPY.read(fixture("numpy_float32.npy"))
        XCTAssertEqual(f.shape, [2, 3, 4])
        XCTAssertEqual(f.scalars(as: Float.self), (0..<24).map { Float($0) / 8 })
        let s = try NPY.read(fixture("numpy_float64_scalar.npy"))
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.dtype, .float64)
        XCTAssertEqual(s.item, 2.5)
        XCTAssertEqual(try NPY.read(fixture("numpy_int64.npy")).scalars(as: Double.self), [1, -2, 3, 40_000_000])
    }

    func testNPYRoundTripAndErrors() throws {
        let t = Tensor.randn([3, 1, 2], seed: 9)
        let back = try NPY.decode(NPY.encode(t))
        XCTAssertEqual(back.shape, [3, 1, 2])
        XCTAssertEqual(back.scalars(as: Float.self), t.scalars(as: Float.self))
        XCTAssertEqual(try NPY.decode(NPY.encode(Tensor(scalar: 4))).shape, [])
        XCTAssertThrowsError(try NPY.decode(Data("not numpy".utf8), source: "x.npy")) { XCTAssertTrue("\($0)".contains("magic"), "\($0)") }
        var truncated = NPY.encode(t)
        truncated.removeLast(5)
        XCTAssertThrowsError(try NPY.decode(truncated, source: "x.npy")) { XCTAssertTrue("\($0)".contains("data bytes"), "\($0)") }
        XCTAssertThrowsError(try NPY.read(URL(fileURLWithPath: "/nonexistent/x.npy"))) { XCTAssertTrue("\($0)".contains("/nonexistent/x.npy")) }
    }

    func testAtomicWriteLeavesNoPartialFileOnFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("w.safetensors")
        try AtomicFile.write(Data("first".utf8), to: target)
        // A directory in the way of the rename: the write fails and the old file stays untouched.
        let blocked = dir.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("child"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write(Data("second".utf8), to: blocked))
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "first")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["blocked", "w.safetensors"], "no temporary left behind")
    }
    /// A safetensors file with `header` as its JSON and `payload` zero bytes of data.
    private func safetensors(_ header: String, payload: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        return data + Data(header.utf8) + Data(count: payload)
    }

    func testCraftedSafetensorsHeadersAreRefusedNamingTheField() {
        let w = #""w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}"#
        XCTAssertNoThrow(try SafeTensors.decode(safetensors("{\(w)}", payload: 16)), "the template itself is valid")
        let cases: [(String, Int, String)] = [
            (#"{"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}}"#, 16, "entry 'w' has shape [2, -2]: dimension -2 is negative"),
            (#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#, 16, "more than 1099511627776 elements"),
            (#"{"w":{"dtype":"F32","shape":[9223372036854775807,2,0],"data_offsets":[0,0]}}"#, 0, "more than 1099511627776 elements"),
            (#"{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,16]}}"#, 16, "does not fit shape [1099511627776] x F32"),
            (#"{"w":{"dtype":"F32","shape":[2,1.9],"data_offsets":[0,16]}}"#, 16, "entry 'w' has shape element 1.9, not an integer"),
            (#"{"w":{"dtype":"F32","shape":[2,"junk"],"data_offsets":[0,16]}}"#, 16, #"shape element "junk", not an integer"#),
            (#"{"w":{"dtype":"F32","shape":[true,4],"data_offsets":[0,16]}}"#, 16, "shape element true, not an integer"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,9223372036854775808]}}"#, 16, "data_offsets element 9223372036854775808, not an integer"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#, 16, "data_offsets [16, 0] out of order"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}}"#, 16, "data_offsets [-16, 0] out of order"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16,32]}}"#, 16, "has 3 data_offsets, not 2"),
            (#"{"w":{"dtype":"F32","shape":[4]}}"#, 16, "entry 'w' lacks its data_offsets field"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"extra":1}}"#, 16, "unknown field 'extra'"),
            (#"{"w":{"dtype":"Q7","shape":[4],"data_offsets":[0,16]}}"#, 16, "unsupported dtype Q7"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, 16, #"duplicate key "w""#),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, 16, "entry 'b' overlaps"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, 16, "a gap in the data before entry 'a'"),
            ("{\(w)}", 24, "the entries cover 16 of the 24 data bytes"),
            ("{\(w),\"__metadata__\":{\"epoch\":3}}", 16, "__metadata__ field 'epoch' is 3, not a string"),
            ("{\(w)", 16, "the header is not valid JSON: the JSON ends inside an object"),
            (String(repeating: "[", count: 100), 0, "nesting deeper than 32 levels")
        ]
        for (header, payload, reason) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(safetensors(header, payload: payload), source: "crafted.safetensors")) { error in
                XCTAssertTrue(error is GeoKitError, "\(error)")
                XCTAssertTrue("\(error)".contains(reason) && "\(error)".contains("crafted.safetensors"), "'\(reason)' not in: \(error)")
            }
        }
        var huge = Data()
        withUnsafeBytes(of: UInt64.max.littleEndian) { huge.append(contentsOf: $0) }
        XCTAssertThrowsError(try SafeTensors.decode(huge + Data("{}".utf8), source: "crafted.safetensors")) {
            XCTAssertTrue("\($0)".contains("header length 18446744073709551615 exceeds the file size"), "\($0)")
        }
    }

    func testIntegerBuffersRefuseNonIntegralValuesWhenEncoding() {
        for value in [Double.nan, .infinity, 2.5, 9.3e18] {
            XCTAssertThrowsError(try SafeTensors.encode([NamedTensor("bn.num_batches_tracked", Tensor(scalar: value, dtype: .float64), isInteger: true)])) {
                XCTAssertTrue("\($0)".contains("cannot store bn.num_batches_tracked = \(value) as an I64"), "\($0)")
            }
        }
    }

    /// An .npy file with `header` as its dictionary and `body` data bytes.
    private func npy(_ header: String, body: Int, magic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]) -> Data {
        let text = header + "\n"
        return Data(magic) + Data([UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)]) + Data(text.utf8) + Data(count: body)
    }

    func testCraftedNPYHeadersAreRefusedNamingTheField() throws {
        let big =
            npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", body: 0)
            + Data([0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0])
        XCTAssertEqual(try NPY.decode(big).scalars(as: Float.self), [1, -2.5], "big-endian float32 is byte-swapped")
        let fortranVector = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }", body: 12)
        XCTAssertEqual(try NPY.decode(fortranVector).shape, [1, 3], "one non-trivial axis lays out alike in both orders")
        let cases: [(Data, String)] = [
            (Data([0x93] + Array("NUMPZ".utf8) + [1, 0, 0, 0]), "missing the \\x93NUMPY magic"),
            (Data([0x93] + Array("NUM".utf8)), "missing the \\x93NUMPY magic"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", body: 8, magic: [0x93] + Array("NUMPY".utf8) + [9, 0]), "format version 9.0"),
            (Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF]) + Data("{}".utf8), "header length 65535 runs past the end"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", body: 8), "shape [2, -3]: dimension -3 is negative"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }", body: 8), "shape element '1.5' is not an integer"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (junk,), }", body: 8), "shape element 'junk' is not an integer"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", body: 8), "shape element 99999999999999999999 is too large"),
            (
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", body: 8),
                "holds 8 data bytes, shape [1099511627776] needs 4398046511104"
            ),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", body: 8), "more than 1099511627776 elements"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", body: 12), "a one-element shape lacks its comma"),
            (npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", body: 16), "dtype <c8 is not supported"),
            (npy("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", body: 16), "dtype |f4 is not supported"),
            (npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", body: 24), "Fortran order is not supported"),
            (npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", body: 8), "fortran_order 'Maybe' is neither True nor False"),
            (npy("{'descr': '<f4', 'shape': (2,), }", body: 8), "the key 'fortran_order' is missing"),
            (npy("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", body: 16), "key 'descr' appears twice"),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", body: 8), "unknown key 'extra'")
        ]
        for (data, reason) in cases {
            XCTAssertThrowsError(try NPY.decode(data, source: "crafted.npy")) { error in
                XCTAssertTrue(error is GeoKitError, "\(error)")
                XCTAssertTrue("\(error)".contains(reason) && "\(error)".contains("crafted.npy"), "'\(reason)' not in: \(error)")
            }
        }
    }

    func testConcurrentAtomicWritesOfOneTargetEndWithOneCompleteFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("last.safetensors")
        // Each writer's file is 64 KiB of its own byte, so a mixed or short result is detectable.
        let writers = 8, size = 64 << 10
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: writers * 4) { k in
            do { try AtomicFile.write(Data(repeating: UInt8(k % writers + 1), count: size), to: target) } catch { failures.add() }
        }
        XCTAssertEqual(failures.value, 0)
        let result = try Data(contentsOf: target)
        XCTAssertEqual(result.count, size)
        XCTAssertEqual(Set(result).count, 1, "one writer's bytes, not a mixture")
        XCTAssertTrue((1...UInt8(writers)).contains(result.first!))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["last.safetensors"], "no temporary left behind")
    }

    func testAtomicWriteIntoAFileOrOntoADirectoryFailsCleanly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain")
        try AtomicFile.write(Data("x".utf8), to: file)
        let underFile = file.appendingPathComponent("sub/w.npy")
        XCTAssertThrowsError(try AtomicFile.write(Data("y".utf8), to: underFile)) { error in
            XCTAssertEqual(
                error as? GeoKitError,
                GeoKitError(
                    "cannot write file: its directory \(file.path)/sub cannot be created", where: underFile.path,
                    remedy: "check that every parent of the path is a writable directory, not a file"))
        }
        XCTAssertThrowsError(try AtomicFile.write(Data("y".utf8), to: dir)) { error in
            XCTAssertEqual(
                error as? GeoKitError,
                GeoKitError(
                    "cannot write file: the path is a directory", where: dir.path,
                    remedy: "choose a file name, or remove the directory"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["plain"])
    }
}

/// A thread-safe tally for concurrent test bodies.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
