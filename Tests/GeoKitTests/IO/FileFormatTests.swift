import Foundation
import XCTest
import GeoKit

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
            SafeTensors.Entry("a.scalar", Tensor(scalar: -1.25)),
            SafeTensors.Entry("b.double", Tensor([1.0, 2.0, 3.0] as [Double], shape: [3, 1])),
            SafeTensors.Entry("c.count", Tensor(scalar: 12), storedAs: .i64),
        ]
        let data = SafeTensors.encode(entries, metadata: ["epoch": "3"])
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

    func testDamagedSafetensorsFailWithAReason() {
        let good = SafeTensors.encode([SafeTensors.Entry("w", Tensor.ones([4]))])
        let cases: [(Data, String)] = [
            (Data([1, 2, 3]), "shorter than its 8-byte header"),
            (good.prefix(good.count - 4), "does not fit"),
            (Data([255, 0, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8), "exceeds the file size"),
            (Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("[]".utf8), "not a JSON object"),
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
}
