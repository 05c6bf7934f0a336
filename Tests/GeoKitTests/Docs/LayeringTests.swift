import Foundation
import XCTest

/// The kernel's layers as the manifest declares them (`swift package
/// dump-package` on the root package, the kernel), checked against the code and the docs:
/// every kernel file imports only the layers its target may use, and the
/// table in docs/architecture.md says what the manifest says.
final class LayeringTests: XCTestCase {
    private static let kernel = PluginTestSupport.repositoryRoot

    /// target name -> (folder, the kernel layers it depends on).
    private func declaredLayers() throws -> [String: (path: String, uses: Set<String>)] {
        // A scratch directory of its own: the root's .build is the one the running test build holds locked.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-layering-dump-package")
        let outcome = try PluginTestSupport.tool(
            "swift", ["package", "--package-path", Self.kernel.path, "--scratch-path", scratch.path, "dump-package"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        var layers: [String: (String, Set<String>)] = [:]
        for target in manifest["targets"] as? [[String: Any]] ?? [] {
            guard let name = target["name"] as? String, name.hasPrefix("GeoKit"), let path = target["path"] as? String else { continue }
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { ($0["byName"] as? [Any])?.first as? String }
            layers[name] = (path, Set(dependencies.filter { $0.hasPrefix("GeoKit") }))
        }
        return layers
    }

    func testEveryKernelFileImportsOnlyTheLayersItsTargetMayUse() throws {
        let layers = try declaredLayers()
        XCTAssertEqual(
            Set(layers.keys),
            [
                "GeoKit", "GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents", "GeoKitRecipes",
                "GeoKitTraining", "GeoKitPlugins", "GeoKitEmbedding"
            ])
        var checked = 0
        for (target, layer) in layers {
            let folder = Self.kernel.appendingPathComponent(layer.path)
            let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            XCTAssertFalse(files.isEmpty, "\(target) has no sources in \(folder.path)")
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                // Imports start their line (an indented one is inside a string, e.g. the recipe prelude's source).
                for line in text.split(separator: "\n") where !line.hasPrefix(" ") && !line.hasPrefix("/") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let i = words.firstIndex(of: "import"), i + 1 < words.count, words[i + 1].hasPrefix("GeoKit") else { continue }
                    XCTAssertTrue(
                        layer.uses.contains(words[i + 1]),
                        "\(layer.path)/\(file) imports \(words[i + 1]), which \(target) may not use (it may use \(layer.uses.sorted()))")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 150, "the kernel's files were not found")
    }

    /// The "may use" column of docs/architecture.md's layer table is the manifest's dependency list.
    func testTheArchitectureTableMatchesTheManifest() throws {
        let layers = try declaredLayers()
        let doc = try String(contentsOf: PluginTestSupport.repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        for line in doc.split(separator: "\n") where line.hasPrefix("| GeoKit") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let uses = cells[3] == "—" ? [] : cells[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0]] = cells[3] == "all" ? Set(layers.keys).subtracting([cells[0]]) : Set(uses.map { "GeoKit" + $0 })
        }
        XCTAssertEqual(Set(documented.keys), Set(layers.keys), "docs/architecture.md's table lists other targets than the manifest")
        for (target, layer) in layers {
            XCTAssertEqual(documented[target], layer.uses, "docs/architecture.md says \(target) may use other layers than Package.swift declares")
        }
    }
}
