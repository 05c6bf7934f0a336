import ArgumentParser
import GeoKit

@main
struct GeoKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geokit",
        abstract: "Cross-view geo-localisation: assemble, train and evaluate retrieval models.",
        subcommands: [PolarCommand.self, SynthCommand.self, PixelBaselineCommand.self, SynthPreviewCommand.self, LoaderBenchCommand.self])
}
