import ArgumentParser
import Foundation
import GeoKit

/// `geokit synth`: generates the synthetic cross-view world in a published dataset layout.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a synthetic cross-view dataset (aerial tiles, ground panoramas, drone views).",
        discussion: "Same seed and options give byte-identical files. See docs/data.md for the layouts and gps.csv.")

    @Option(help: "Dataset layout: cvusa, university, cvact or vigor.")
    var layout: String = "cvusa"

    @Option(parsing: .unconditional, help: "Number of locations (train + test).")
    var locations: Int = 100

    @Option(help: "Random seed of the world.")
    var seed: UInt64 = 0

    @Option(help: "Output directory.")
    var out: String

    @Option(name: .customLong("aerial-size"), parsing: .unconditional, help: "Aerial tile size in pixels (the tile always covers 102.4 m).")
    var aerialSize: Int = 256

    @Option(name: .customLong("pano-size"), parsing: .unconditional, help: "Panorama size HxW.")
    var panoSize: String = "128x512"

    @Option(help: "easy, medium or hard: location spacing, transient objects, appearance shift.")
    var difficulty: String = "medium"

    @Flag(name: .customLong("same-area"), help: "Draw test locations from the training area (default: a disjoint area).")
    var sameArea = false

    @Option(name: .customLong("drone-views"), parsing: .unconditional, help: "Drone views per location (university layout).")
    var droneViews: Int = 6

    @Option(name: .customLong("drone-size"), parsing: .unconditional, help: "Drone view size in pixels (default: the aerial size).")
    var droneSize: Int?

    @Flag(name: .customLong("unknown-heading"), help: "Roll each ground image to a random heading (recorded in gps.csv).")
    var unknownHeading = false

    @Option(parsing: .unconditional, help: "Horizontal field of view of the ground images in degrees (360 = full panorama).")
    var fov: Double = 360

    @Option(name: .customLong("test-fraction"), parsing: .unconditional, help: "Fraction of locations in the test split (default 0.2 cvusa, 0.5 university).")
    var testFraction: Double?

    func run() throws {
        var options = SynthOptions()
        guard let layout = SynthOptions.Layout(rawValue: layout) else {
            throw GeoKitError("unknown layout '\(self.layout)'", where: "--layout", remedy: "use cvusa, university, cvact or vigor")
        }
        guard let difficulty = SynthOptions.Difficulty(rawValue: difficulty) else {
            throw GeoKitError("unknown difficulty '\(self.difficulty)'", where: "--difficulty", remedy: "use easy, medium or hard")
        }
        // The synthesiser checks the rest of its options; a count of locations has no upper limit there.
        try OptionCheck.number(locations, "--locations", .between(2, 1_000_000), command: "synth", example: "100")
        options.layout = layout
        options.difficulty = difficulty
        options.locations = locations
        options.seed = seed
        options.aerialSize = aerialSize
        (options.panoramaHeight, options.panoramaWidth) = try parseSize(panoSize, option: "--pano-size")
        options.sameArea = sameArea
        options.droneViews = droneViews
        options.droneSize = droneSize
        options.unknownHeading = unknownHeading
        options.fieldOfView = fov
        options.testFraction = testFraction
        let bar = ProgressBar(label: "synth", unit: "locations")
        let start = Date()
        let plan = try SynthWriter(options: options, root: URL(fileURLWithPath: out)).write { done, total in bar.update(done, total) }
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        let tests = plan.filter { $0.split == .test }.count
        print(
            "wrote \(plan.count) locations (\(plan.count - tests) train, \(tests) test) to \(out) in "
                + String(format: "%.1f s (%.1f locations/s)", seconds, Double(plan.count) / seconds))
    }
}
