import Foundation
import GeoKit
import XCTest

/// `geokit plugin new --lang c`, `geokit config` and geokit.h itself: a
/// scaffold builds as its README says and runs through `geokit forward`.
final class ScaffoldTests: XCTestCase {
    /// Lists `attention:NAME` with `geokit plugins`, then runs it forward
    /// and backward with `geokit forward` on 8 channels: the scaffolds are
    /// the identity at initialisation, so y = x and dL/dx = dL/dy. A wrong
    /// channel count is refused with a message, not a crash.
    static func assertRunsAsAttention(
        _ name: String, pluginPath: URL, work: URL,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let environment = ["GEOKIT_PLUGIN_PATH": pluginPath.path, "HOME": work.path]
        let listing = try PluginTestSupport.run(PluginTestSupport.geokit, ["plugins", "--kind", "attention"], environment: environment)
        XCTAssertEqual(listing.status, 0, listing.stderr, file: file, line: line)
        XCTAssertTrue(listing.stdout.contains("attention:\(name)  ("), listing.stdout, file: file, line: line)
        let channels = listing.stdout.split(separator: "\n").first { $0.contains("channels: int = 64") }.map(String.init) ?? ""
        XCTAssertTrue(channels.hasSuffix("    input channels C"), listing.stdout, file: file, line: line)

        let x = Tensor.randn([2, 8, 3, 3], seed: 1), g = Tensor.randn([2, 8, 3, 3], seed: 2)
        try NPY.write(x, to: work.appendingPathComponent("x.npy"))
        try NPY.write(g, to: work.appendingPathComponent("g.npy"))
        let forward = try PluginTestSupport.run(
            PluginTestSupport.geokit,
            [
                "forward", "--component", "attention:\(name)", "--set", "channels=8", "--input", "x.npy", "--output", "y.npy",
                "--grad-output", "g.npy", "--grad-input", "gx.npy", "--grad-weights", "gw.safetensors"
            ], environment: environment, in: work)
        XCTAssertEqual(forward.status, 0, forward.stderr, file: file, line: line)
        let y = try NPY.read(work.appendingPathComponent("y.npy")), gx = try NPY.read(work.appendingPathComponent("gx.npy"))
        XCTAssertEqual(y.scalars(as: Float.self), x.scalars(as: Float.self), file: file, line: line)
        XCTAssertEqual(gx.scalars(as: Float.self), g.scalars(as: Float.self), file: file, line: line)
        let weights = try SafeTensors.read(work.appendingPathComponent("gw.safetensors"))
        XCTAssertEqual(weights.tensors.keys.sorted(), ["gate"], file: file, line: line)

        let wrong = try PluginTestSupport.run(
            PluginTestSupport.geokit,
            [
                "forward", "--component", "attention:\(name)", "--set", "channels=4", "--input", "x.npy", "--output", "y.npy"
            ], environment: environment, in: work)
        XCTAssertTrue(wrong.exitedNormally, "killed by signal \(wrong.status): \(wrong.stderr)", file: file, line: line)
        XCTAssertEqual(wrong.status, 1, file: file, line: line)
        XCTAssertTrue(
            wrong.stderr.contains("attention:\(name) was built for 4 channels, the input has shape [2, 8, 3, 3]"), wrong.stderr,
            file: file, line: line)
    }

    func testTheCScaffoldBuildsWithMakeAndRuns() throws {
        let work = try PluginTestSupport.temporaryDirectory("c-scaffold")
        let directory = work.appendingPathComponent("cgate")
        let created = try PluginTestSupport.run(PluginTestSupport.geokit, ["plugin", "new", "cgate", "--lang", "c", "--out", directory.path])
        XCTAssertEqual(created.status, 0, created.stderr)
        let make = try PluginTestSupport.tool("make", ["-C", directory.path, "CFLAGS=-O2 -Wall -Wextra -Werror"])
        XCTAssertEqual(make.status, 0, make.stdout + make.stderr)
        try ScaffoldTests.assertRunsAsAttention("cgate", pluginPath: directory, work: work)
    }

    func testTheScaffoldRefusesABadNameAndAnOccupiedDirectory() throws {
        let work = try PluginTestSupport.temporaryDirectory("scaffold-refusals")
        let badName = try PluginTestSupport.run(PluginTestSupport.geokit, ["plugin", "new", "9lives", "--lang", "c"], in: work)
        XCTAssertEqual(badName.status, 1)
        XCTAssertTrue(badName.stderr.contains("'9lives' cannot name a plugin"), badName.stderr)
        try "x".write(to: work.appendingPathComponent("note.txt"), atomically: true, encoding: .utf8)
        let occupied = try PluginTestSupport.run(PluginTestSupport.geokit, ["plugin", "new", "ok", "--lang", "swift", "--out", work.path])
        XCTAssertEqual(occupied.status, 1)
        XCTAssertTrue(occupied.stderr.contains("exists and is not empty"), occupied.stderr)
    }

    func testConfigPrintsTheHeaderDirectoryAndTheFlagsACPluginNeeds() throws {
        let include = PluginTestSupport.includeDirectory.standardizedFileURL.path
        let directory = try PluginTestSupport.run(PluginTestSupport.geokit, ["config", "--include-dir"])
        XCTAssertEqual(directory.stdout, include + "\n")
        let flags = try PluginTestSupport.run(PluginTestSupport.geokit, ["config", "--cflags", "--libs"])
        XCTAssertEqual(flags.stdout, "-I\(include) -fPIC -shared\n")
        let none = try PluginTestSupport.run(PluginTestSupport.geokit, ["config"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("needs --include-dir, --cflags or --libs"), none.stderr)
    }

    func testTheHeadersABIVersionIsTheKernels() throws {
        let header = try String(contentsOf: PluginTestSupport.includeDirectory.appendingPathComponent("geokit.h"), encoding: .utf8)
        let line = try XCTUnwrap(header.split(separator: "\n").first { $0.hasPrefix("#define GEOKIT_ABI_VERSION ") })
        XCTAssertEqual(Int32(line.split(separator: " ").last!), PluginABI.version)
    }
}
