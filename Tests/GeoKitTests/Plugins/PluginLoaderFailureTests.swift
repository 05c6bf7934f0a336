import Foundation
import GeoKit
import XCTest

/// Every way a plugin can fail to load, each in a child process (the built
/// `geokit plugins`, with GEOKIT_PLUGIN_PATH pointing at a directory holding
/// the bad file): the process must exit by itself, not by a signal, print
/// exactly one message naming the file, and still list the other components.
final class PluginLoaderFailureTests: XCTestCase {
    /// Runs `geokit plugins` over `directory` and checks the outcome;
    /// returns the message naming `file` and the listing.
    @discardableResult
    private func assertOneFailure(
        in directory: URL, naming file: URL, contains expected: String,
        _ line: UInt = #line
    ) throws -> (message: String, listing: String) {
        let home = try PluginTestSupport.temporaryDirectory("home")
        let outcome = try PluginTestSupport.run(
            PluginTestSupport.geokit, ["plugins"],
            environment: ["GEOKIT_PLUGIN_PATH": directory.path, "HOME": home.path])
        XCTAssertTrue(outcome.exitedNormally, "geokit plugins was killed by signal \(outcome.status):\n\(outcome.stderr)", line: line)
        XCTAssertEqual(outcome.status, 1, "a plugin that fails to load makes geokit plugins exit 1", line: line)
        let messages = outcome.stderr.split(separator: "\n").filter { $0.contains(file.lastPathComponent) }
        XCTAssertEqual(messages.count, 1, "expected one message naming \(file.lastPathComponent):\n\(outcome.stderr)", line: line)
        let message = String(messages.first ?? "")
        XCTAssertTrue(message.contains(file.path), "the message must name the file: \(message)", line: line)
        XCTAssertTrue(message.contains(expected), "expected '\(expected)' in: \(message)", line: line)
        XCTAssertTrue(outcome.stdout.contains("backbone:resnet18"), "the other components must stay listed:\n\(outcome.stdout)", line: line)
        return (message, outcome.stdout)
    }

    private func plugin(_ body: String, named name: String, in directory: URL) throws -> URL {
        let built = try PluginTestSupport.compileC("#include <geokit.h>\n#include <stddef.h>\n" + body, named: name, in: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("\(name).c"))
        return built
    }

    func testAFileThatIsNotASharedObject() throws {
        let directory = try PluginTestSupport.temporaryDirectory("not-elf")
        let file = directory.appendingPathComponent("libnotes.so")
        try "these are notes, not a library\n".write(to: file, atomically: true, encoding: .utf8)
        try assertOneFailure(in: directory, naming: file, contains: "not a shared library (no ELF header)")
    }

    /// A 64-byte ELF header (little-endian, a shared object) of the given class and machine.
    private func elfHeader(is64Bit: Bool, machine: UInt16) -> Data {
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        (bytes[4], bytes[5], bytes[6]) = (is64Bit ? 2 : 1, 1, 1)
        (bytes[16], bytes[18], bytes[19]) = (3, UInt8(machine & 0xff), UInt8(machine >> 8))
        return Data(bytes)
    }

    func testASharedObjectForAnotherArchitectureNamesBoth() throws {
        #if arch(x86_64)
            let (foreign, foreignName, host) = (UInt16(183), "aarch64", "x86_64")
        #else
            let (foreign, foreignName, host) = (UInt16(62), "x86_64", "aarch64")
        #endif
        for (is64Bit, machine, name) in [(true, foreign, foreignName), (false, UInt16(40), "ARM (32-bit)")] {
            let directory = try PluginTestSupport.temporaryDirectory("foreign-elf")
            let file = directory.appendingPathComponent("libforeign.so")
            try elfHeader(is64Bit: is64Bit, machine: machine).write(to: file)
            try assertOneFailure(in: directory, naming: file, contains: "the plugin is built for \(name), this machine is \(host)")
        }
    }

    func testPluginPathEntriesThatAreNoDirectoryAreWarnedAboutByName() throws {
        let directory = try PluginTestSupport.temporaryDirectory("path-entries")
        let missing = directory.appendingPathComponent("no-such-directory"), file = directory.appendingPathComponent("libsome.so")
        try elfHeader(is64Bit: true, machine: 62).write(to: file)
        let home = try PluginTestSupport.temporaryDirectory("home")
        let outcome = try PluginTestSupport.run(
            PluginTestSupport.geokit, ["plugins"],
            environment: ["GEOKIT_PLUGIN_PATH": "\(missing.path):\(file.path)", "HOME": home.path])
        XCTAssertTrue(outcome.exitedNormally, outcome.stderr)
        XCTAssertEqual(outcome.status, 0, "a path entry that loads nothing is a warning, not a failed plugin:\n\(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, outcome.stderr)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("geokit: warning: GEOKIT_PLUGIN_PATH names a directory that does not exist")
                    && $0.contains(missing.path)
            }, outcome.stderr)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("geokit: warning: GEOKIT_PLUGIN_PATH names a file, not a directory")
                    && $0.contains(file.path)
            }, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("backbone:resnet18"), outcome.stdout)
    }

    func testASharedObjectWithoutEntrySymbols() throws {
        let directory = try PluginTestSupport.temporaryDirectory("no-entry")
        let file = try plugin("int helper(void) { return 1; }\n", named: "helper", in: directory)
        try assertOneFailure(
            in: directory, naming: file,
            contains: "not a GeoKit plugin: it does not export geokit_plugin_abi_version and geokit_plugin_init")
    }

    func testASharedObjectWithOnlyOneEntrySymbolNamesTheMissingOne() throws {
        let directory = try PluginTestSupport.temporaryDirectory("half-entry")
        let file = try plugin("GEOKIT_DEFINE_ABI_VERSION()\n", named: "half", in: directory)
        try assertOneFailure(in: directory, naming: file, contains: "it does not export geokit_plugin_init")
    }

    func testAnABIVersionMismatch() throws {
        let directory = try PluginTestSupport.temporaryDirectory("abi")
        let file = try plugin(
            """
            GEOKIT_EXPORT int32_t geokit_plugin_abi_version(void) { return GEOKIT_ABI_VERSION + 41; }
            GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host) { (void)host; return 0; }
            """, named: "future", in: directory)
        try assertOneFailure(
            in: directory, naming: file,
            contains: "plugin ABI version \(PluginABI.version + 41) does not match this GeoKit's \(PluginABI.version)")
    }

    func testACLossPluginBuiltAgainstABI1IsRefusedSayingWhatChanged() throws {
        let directory = try PluginTestSupport.temporaryDirectory("abi1")
        // What a plugin compiled against the version-1 header reports (its loss vtable lacked the location ids).
        let file = try plugin(
            """
            GEOKIT_EXPORT int32_t geokit_plugin_abi_version(void) { return 1; }
            GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host) { (void)host; return 0; }
            """, named: "old_loss", in: directory)
        try assertOneFailure(
            in: directory, naming: file,
            contains: "plugin ABI version 1 does not match this GeoKit's 2 (since then: a C loss's forward and backward take the "
                + "batch's location ids (const int64_t *location_ids, after reference); Swift losses see a LossBatch)")
    }

    func testAnInitThatReportsAnError() throws {
        let directory = try PluginTestSupport.temporaryDirectory("init")
        let file = try plugin(
            """
            GEOKIT_DEFINE_ABI_VERSION()
            GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host) {
                host->report_error("the model file weights.bin is missing");
                return 1;
            }
            """, named: "broken", in: directory)
        try assertOneFailure(in: directory, naming: file, contains: "plugin initialisation failed: the model file weights.bin is missing")
    }

    func testAnInitThatFailsWithoutAMessage() throws {
        let directory = try PluginTestSupport.temporaryDirectory("init-status")
        let file = try plugin(
            """
            GEOKIT_DEFINE_ABI_VERSION()
            GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host) { (void)host; return 7; }
            """, named: "silent", in: directory)
        try assertOneFailure(in: directory, naming: file, contains: "geokit_plugin_init returned 7")
    }

    /// The same name from two files: the second fails, naming both files,
    /// and the first keeps its component.
    func testAComponentRegisteredTwice() throws {
        let directory = try PluginTestSupport.temporaryDirectory("duplicate")
        let source = """
            static const geokit_host *host;
            GEOKIT_EXPORT geokit_component *twin_create(int channels) { (void)channels; return NULL; }
            GEOKIT_DEFINE_ABI_VERSION()
            GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *h) {
                host = h;
                return host->register_component("attention", "twin", "twin_create", "int channels = 8", "one of two");
            }
            """
        let first = try plugin(source, named: "a_twin", in: directory)
        let second = try plugin(source, named: "b_twin", in: directory)
        let (message, _) = try assertOneFailure(in: directory, naming: second, contains: "component attention:twin is registered twice")
        XCTAssertTrue(message.contains("by \(first.path) and by \(second.path)"), message)
        let outcome = try PluginTestSupport.run(
            PluginTestSupport.geokit, ["plugins", "--kind", "attention"],
            environment: ["GEOKIT_PLUGIN_PATH": directory.path])
        XCTAssertTrue(outcome.stdout.contains("attention:twin  (\(first.path))"), outcome.stdout)
    }

    /// Mistakes in a C registration are found while loading, with the
    /// plugin's other components withdrawn.
    func testABadRegistrationFailsTheWholePlugin() throws {
        let directory = try PluginTestSupport.temporaryDirectory("bad-registration")
        let cases: [(name: String, registration: String, expected: String)] = [
            (
                "nosymbol", #""attention", "ghost", "ghost_create", "int channels = 8", "doc""#,
                "attention:ghost names the constructor ghost_create, which the plugin does not export"
            ),
            ("badsignature", #""attention", "typo", "make", "int channels", "doc""#, "gives 'int channels' no default"),
            ("badkind", #""backbone", "mine", "make", "", "doc""#, "a C component's kind is attention, aggregator or loss")
        ]
        for c in cases {
            let file = try plugin(
                """
                GEOKIT_EXPORT geokit_component *make(int channels) { (void)channels; return NULL; }
                GEOKIT_DEFINE_ABI_VERSION()
                GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *host) {
                    if (host->register_component("attention", "fine_\(c.name)", "make", "int channels = 8", "fine")) return 1;
                    host->register_component(\(c.registration));
                    return 0;
                }
                """, named: c.name, in: directory)
            let (message, listing) = try assertOneFailure(in: directory, naming: file, contains: c.expected)
            XCTAssertTrue(message.contains("plugin initialisation failed"), message)
            XCTAssertFalse(listing.contains("fine_\(c.name)"), "a failed plugin's components must be withdrawn:\n\(listing)")
            try FileManager.default.removeItem(at: file)
        }
    }

    /// The in-tree method plugins are found next to libGeoKit.so, even in a
    /// process with many mapped libraries (like this test runner).
    func testTheBuildDirectoryPluginsAreDiscovered() {
        let discovered = PluginLoader.discover()
        for method in ["Backbones", "AENet", "RKNet", "Sample4Geo", "SAFA", "LPN"] {
            let library = PluginTestSupport.productsDirectory.appendingPathComponent("lib\(method)Plugin.so").path
            XCTAssertTrue(discovered.contains(library), "\(library) not in \(discovered)")
        }
    }

    func testTheSameFailuresInProcessAreThrownNotFatal() throws {
        let directory = try PluginTestSupport.temporaryDirectory("in-process")
        let file = directory.appendingPathComponent("libjunk.so")
        try Data([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0]).write(to: file)
        XCTAssertThrowsError(try PluginLoader.load(file.path)) { error in
            XCTAssertEqual((error as? GeoKitError)?.whereContext, file.path)
        }
        XCTAssertThrowsError(try PluginLoader.load(directory.appendingPathComponent("libabsent.so").path)) { error in
            XCTAssertTrue("\(error)".contains("plugin file does not exist"), "\(error)")
        }
    }
}
