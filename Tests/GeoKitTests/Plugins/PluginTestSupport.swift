import Foundation
import GeoKit
import XCTest

/// Building and running things from the plugin tests: the repository's
/// paths, `cc`, child processes (the built `geokit` executable, so a crash
/// shows as a signal instead of taking the test runner down).
enum PluginTestSupport {
    /// (The workspace package reaches Tests/ through a link: resolved, so the root is the repository's.)
    static let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build products directory holding this test bundle, the geokit CLI and libGeoKit.so.
    static let productsDirectory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }()

    static var geokit: URL { productsDirectory.appendingPathComponent("geokit") }

    static let includeDirectory = repositoryRoot.appendingPathComponent("Sources/GeoKit/include")

    struct Outcome {
        let reason: Process.TerminationReason
        let status: Int32
        let stdout: String
        let stderr: String

        /// Exited by itself (not killed by a signal) with `status`.
        var exitedNormally: Bool { reason == .exit }
    }

    /// Runs `executable` to completion; `environment` entries are added to (or
    /// replace) the test's own environment.
    @discardableResult
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
        in directory: URL? = nil
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the child runs, so a chatty child cannot block on a full pipe.
        let errData = Collected()
        let errRead = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData.bytes = err.fileHandleForReading.readDataToEndOfFile()
            errRead.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errRead.wait()
        return Outcome(
            reason: process.terminationReason, status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.bytes, as: UTF8.self))
    }

    /// What a background reader collected (handed over through a semaphore).
    private final class Collected: @unchecked Sendable { var bytes = Data() }

    /// Runs a tool found on PATH (cc, make, swift).
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Outcome {
        try run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, environment: environment, in: directory)
    }

    /// Compiles C `source` into the shared library `output` with `cc` and geokit.h only.
    static func compileC(_ source: URL, to output: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try tool(
            "cc",
            [
                "-O2", "-Wall", "-Wextra", "-Werror", "-I" + includeDirectory.path, "-fPIC", "-shared",
                "-o", output.path, source.path, "-lm"
            ])
        guard result.exitedNormally, result.status == 0 else {
            XCTFail("cc failed on \(source.lastPathComponent):\n\(result.stderr)", file: file, line: line)
            throw GeoKitError("cc failed", where: source.path)
        }
    }

    /// Compiles C source text (written to `name`.c in `directory`) into lib`name`.so there.
    @discardableResult
    static func compileC(
        _ text: String, named name: String, in directory: URL,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> URL {
        let source = directory.appendingPathComponent("\(name).c")
        try text.write(to: source, atomically: true, encoding: .utf8)
        let library = directory.appendingPathComponent("lib\(name).so")
        try compileC(source, to: library, file: file, line: line)
        return library
    }

    /// A fresh, empty directory under the system's temporary directory.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("geokit-\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The C example plugin (Examples/c-attention-plugin), built once per test
    /// run with `cc` and loaded into this process.
    static let cExamplePlugin: Result<URL, Error> = Result(catching: {
        let directory = try temporaryDirectory("c-example")
        let library = directory.appendingPathComponent("libse_attention.so")
        try compileC(repositoryRoot.appendingPathComponent("Examples/c-attention-plugin/se_attention.c"), to: library)
        try PluginLoader.load(library.path)
        return library
    })
}
