import ArgumentParser
import Foundation
import GeoKit

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List every registered component: kind, name, plugin file, parameters with types, defaults, ranges or choices, and docs.",
        discussion: """
            Plugins are loaded from the build directory, GEOKIT_PLUGIN_PATH (colon-separated) and ~/.geokit/plugins. \
            A plugin that fails to load is reported, one line naming its file, and the exit status is 1.
            """)

    @Option(help: "Only this kind (backbone, attention, aggregator, loss, sampler, view).") var kind: String?

    func run() throws {
        let only = try kind.map { text -> ComponentKind in
            guard let k = ComponentKind(rawValue: text) else {
                throw GeoKitError("unknown kind '\(text)'", remedy: "kinds: " + ComponentKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return k
        }
        let failures = PluginLoader.loadAll()
        for entry in Registry.shared.entries(of: only) {
            print("\(entry.qualifiedName)  (\(entry.source))")
            if !entry.summary.isEmpty { print("    \(entry.summary)") }
            for p in entry.parameters {
                let range = p.constraint.map { " (\($0))" } ?? ""
                print("    \(p.name): \(p.type.rawValue) = \(p.defaultValue)\(range)\(p.doc.isEmpty ? "" : "    \(p.doc)")")
            }
        }
        for failure in failures {
            FileHandle.standardError.write(Data("geokit: error: \(failure)\n".utf8))
        }
        for warning in PluginLoader.pathWarnings {
            FileHandle.standardError.write(Data("geokit: warning: \(warning)\n".utf8))
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}
