import Foundation
import XCTest

/// `swift format lint --strict` with the repository's `.swift-format` over
/// every Swift file, so CI (which runs this suite) fails on a formatting
/// drift. Fix one with `swift format format -i -r Sources Plugins Tests Examples Package.swift Workspace/Package.swift`.
final class FormatTests: XCTestCase {
    func testEverySwiftFileIsFormatted() throws {
        let root = PluginTestSupport.repositoryRoot
        let outcome = try PluginTestSupport.tool(
            "swift", ["format", "lint", "--strict", "--recursive", "Sources", "Plugins", "Tests", "Examples", "Package.swift", "Workspace/Package.swift"],
            in: root)
        XCTAssertEqual(outcome.status, 0, "swift format lint found:\n\(outcome.stderr)\(outcome.stdout)")
        XCTAssertEqual(outcome.stderr, "", "swift format lint printed findings")
    }
}
