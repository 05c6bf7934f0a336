import ArgumentParser
import Foundation
import GeoKit

@main
struct GeoKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geokit",
        abstract: "Cross-view geo-localisation: assemble, train and evaluate retrieval models.",
        subcommands: [
            RunCommand.self, EvalCommand.self, EmbedCommand.self, SearchCommand.self, BenchCommand.self, ForwardCommand.self,
            PluginsCommand.self, PluginCommand.self, ConfigCommand.self, ConvertCommand.self, PolarCommand.self, SynthCommand.self,
            SynthPreviewCommand.self, PixelBaselineCommand.self, LoaderBenchCommand.self,
        ])
}

/// Registers the kernel's components and loads the plugins before a command
/// uses the registry. A plugin that fails to load, and a GEOKIT_PLUGIN_PATH
/// entry that is no directory, is reported, one line each, and the others
/// stay usable.
func startKernel() {
    BuiltinComponents.register()
    for error in PluginLoader.loadAll() + PluginLoader.pathWarnings {
        FileHandle.standardError.write(Data("geokit: warning: \(error)\n".utf8))
    }
}
