import ArgumentParser
import Foundation
import GeoKit

@main
struct GeoKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geokit",
        abstract: "Cross-view geo-localisation: assemble, train and evaluate retrieval models.",
        version: "geokit \(Backends.version)\nC ABI: \(PluginABI.version)\n\(Backends.description)",
        subcommands: [
            RunCommand.self, EvalCommand.self, EmbedCommand.self, SearchCommand.self, BenchCommand.self, ForwardCommand.self,
            PluginsCommand.self, PluginCommand.self, ConfigCommand.self, ConvertCommand.self, PolarCommand.self, SynthCommand.self,
            SynthPreviewCommand.self, PixelBaselineCommand.self, LoaderBenchCommand.self, ExplainCommand.self, GPSCommand.self,
            ExportCommand.self, IndexCommand.self
        ])

    /// Every failure exits 1, a command-line mistake included (ArgumentParser
    /// would exit 64 for those), so scripts see one convention; `--help`
    /// and `--version` still exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }
}

/// Loads the plugins before a command uses the registry (which holds the
/// kernel's components from its first use). A plugin that fails to load, and a GEOKIT_PLUGIN_PATH
/// entry that is no directory, is reported, one line each, and the others
/// stay usable.
func startKernel() {
    for error in PluginLoader.loadAll() + PluginLoader.pathWarnings {
        FileHandle.standardError.write(Data("geokit: warning: \(error)\n".utf8))
    }
}
