import Foundation
import GeoKit
import XCTest

/// Crafted files handed to the CLI end in exit status 1 and one message naming
/// the file and the field, never in a signal.
final class CraftedFileCLITests: XCTestCase {
    func testGeokitForwardRefusesCraftedArraysAndWeightsWithOneMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-crafted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("x.npy"), output = dir.appendingPathComponent("y.npy")
        try NPY.write(Tensor.zeros([1, 3, 32, 32]), to: good)

        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -3, 32, 32), }\n"
        let negative = dir.appendingPathComponent("negative.npy")
        try (Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0]) + Data(header.utf8) + Data(count: 16)).write(to: negative)

        let json = #"{"conv1.weight":{"dtype":"F32","shape":[64,3,7,1.9],"data_offsets":[0,16]}}"#
        var weights = Data()
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { weights.append(contentsOf: $0) }
        weights += Data(json.utf8) + Data(count: 16)
        let crafted = dir.appendingPathComponent("w.safetensors")
        try weights.write(to: crafted)

        let cases: [([String], String)] = [
            (["--input", negative.path], "Error: not a valid .npy array: shape [1, -3, 32, 32]: dimension -3 is negative (\(negative.path))"),
            (
                ["--weights", crafted.path, "--input", good.path],
                "Error: not a valid safetensors file: entry 'conv1.weight' has shape element 1.9, not an integer (\(crafted.path))"
            )
        ]
        for (arguments, message) in cases {
            let result = try GeoKitProcess.run(["forward", "--component", "backbone:resnet18", "--output", output.path] + arguments, cache: dir)
            XCTAssertEqual(result.status, 1, result.output)
            let lines = result.output.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "one message: \(result.output)")
            XCTAssertTrue(result.output.hasPrefix(message), result.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}
