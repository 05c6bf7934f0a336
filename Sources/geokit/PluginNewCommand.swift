import ArgumentParser
import Foundation
import GeoKit

struct PluginNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create a working attention plugin to start from, in Swift or C.",
        discussion: "The new directory's README says how to build it and use it (GEOKIT_PLUGIN_PATH, geokit plugins, geokit forward).")

    enum Language: String, ExpressibleByArgument, CaseIterable { case swift, c }

    @Argument(help: "The plugin's name: letters, digits and '_', not starting with a digit. Its component is attention:NAME.")
    var name: String
    @Option(help: "swift or c.") var lang: Language
    @Option(help: "Where to create it (default ./NAME); must not exist or be empty.") var out: String?

    func run() throws {
        guard let first = name.first, first == "_" || first.isLetter,
            name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else {
            throw GeoKitError("'\(name)' cannot name a plugin", remedy: "use letters, digits and '_', not starting with a digit")
        }
        let directory = URL(fileURLWithPath: out ?? name)
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw GeoKitError("\(directory.path) exists and is not empty", remedy: "choose another --out")
        }
        let files =
            switch lang {
            case .swift:
                try SwiftPluginTemplate(
                    name: name, kernelPackage: PluginSDK.kernelPackageDirectory.path, kernelIdentity: PluginSDK.kernelPackageIdentity
                ).files()
            case .c: CPluginTemplate(name: name, includeDirectory: try PluginSDK.includeDirectory().path).files
            }
        for (path, text) in files {
            let file = directory.appendingPathComponent(path)
            try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        print("created \(directory.path) (\(files.map(\.path).joined(separator: ", "))); see its README.md")
    }
}
