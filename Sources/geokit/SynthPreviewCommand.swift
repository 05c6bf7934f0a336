import ArgumentParser
import Foundation
import GeoKit

/// `geokit synth-preview OUT.png`: a contact sheet of synthetic locations for the docs.
struct SynthPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-preview",
        abstract: "Render a contact sheet of synthetic locations: aerial tile | polar transform over panorama | drone view.",
        discussion: "The polar transform of the aerial tile is drawn directly above the ground panorama, so their column alignment can be checked by eye.")

    @Argument(help: "Output image (.png, else JPEG).")
    var output: String

    @Option(parsing: .unconditional, help: "Number of locations (rows).")
    var count: Int = 4

    @Option(help: "Random seed of the world.")
    var seed: UInt64 = 0

    @Option(help: "easy, medium or hard.")
    var difficulty: String = "medium"

    func run() throws {
        guard let difficulty = SynthOptions.Difficulty(rawValue: difficulty) else {
            throw GeoKitError("unknown difficulty '\(self.difficulty)'", where: "--difficulty", remedy: "use easy, medium or hard")
        }
        try OptionCheck.number(count, "--count", .between(1, 32), command: "synth-preview", example: "4")
        try OptionCheck.outputFile(output, "the output image")
        var options = SynthOptions()
        options.layout = .university
        options.locations = max(2, count)
        options.seed = seed
        options.difficulty = difficulty
        options.droneViews = 1
        options.streetViews = 0
        let world = SynthWorld(seed: seed)
        let locations = Array(world.planLocations(options).prefix(count))
        let polar = PolarTransform(aerialSize: options.aerialSize, height: options.panoramaHeight, width: options.panoramaWidth)
        let (tile, gap) = (options.aerialSize, 8)
        let rowHeight = max(tile, 2 * options.panoramaHeight)
        var sheet = Image(
            height: count * rowHeight + (count - 1) * gap, width: 2 * tile + options.panoramaWidth + 2 * gap,
            channels: 3, value: 255)
        for (k, location) in locations.enumerated() {
            let capture = world.capture(location, options: options)
            let top = k * (rowHeight + gap)
            sheet.paste(capture.aerial, row: top, column: 0)
            sheet.paste(polar.apply(capture.aerial), row: top, column: tile + gap)
            sheet.paste(capture.ground, row: top + options.panoramaHeight, column: tile + gap)
            if let drone = capture.drones.first { sheet.paste(drone, row: top, column: tile + options.panoramaWidth + 2 * gap) }
        }
        try sheet.write(to: URL(fileURLWithPath: output))
    }
}
