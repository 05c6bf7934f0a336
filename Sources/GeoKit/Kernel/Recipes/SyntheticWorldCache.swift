import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Generates the synthetic world a recipe names once, into
/// `$GEOKIT_CACHE/worlds/<options>` (default ~/.cache/geokit/worlds), and
/// reuses it afterwards. A world is complete when its `gps.csv` exists
/// (the writer writes the tables last).
package enum SyntheticWorldCache {
    /// The synthesiser's options for a recipe's dataset, checked against the
    /// synthesiser's limits (which `Recipe.validate` calls, before any work).
    static func options(dataset d: Dataset) throws -> SynthOptions {
        var options = SynthOptions()
        options.layout = d.layout
        if d.layout == .university {
            options.droneViews = d.droneViews
            options.droneSize = max(16, d.groundHeight)
        }
        options.locations = d.locations
        options.seed = UInt64(max(0, d.seed))
        options.difficulty = d.difficulty
        options.testFraction = d.testFraction
        options.sameArea = d.sameArea
        options.aerialSize = max(64, d.aerialSize)
        options.panoramaHeight = d.groundHeight
        options.panoramaWidth = d.groundWidth
        do { try options.validate() } catch let error as GeoKitError { throw recipeError(error) }
        return options
    }

    package static func prepare(dataset d: Dataset, log: (String) -> Void) throws -> URL {
        let options = try options(dataset: d)
        let layout = options.layout.rawValue, difficulty = options.difficulty
        let given = d.root
        let drones = options.layout == .university ? "-d\(options.droneViews)x\(options.droneSize!)" : ""
        let name =
            "\(layout)-\(options.locations)-\(difficulty.rawValue)-s\(options.seed)-t\(options.testFraction!)\(options.sameArea ? "-same" : "")-a\(options.aerialSize)-p\(options.panoramaHeight)x\(options.panoramaWidth)\(drones)"
        let root = given.isEmpty ? cacheDirectory.appendingPathComponent(name) : URL(fileURLWithPath: given)
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("gps.csv").path) { return root }
        log("generating the synthetic world (\(options.locations) locations, \(difficulty.rawValue)) into \(root.path)")
        let start = Date()
        let bar = ProgressBar(label: "synth")
        try SynthWriter(options: options, root: root).write { done, total in bar.update(done, total) }
        bar.clear()
        log(String(format: "synthetic world ready in %.1f s", Date().timeIntervalSince(start)))
        return root
    }

    /// The synthesiser names `geokit synth`'s options (--locations,
    /// --pano-size, ...); in a recipe the same limits are recipe values.
    private static func recipeError(_ error: GeoKitError) -> GeoKitError {
        let names: [String: (values: String, remedy: String)] = [
            "--locations": ("dataset.locations", "--set dataset.locations=100"),
            "--aerial-size": ("dataset.aerialSize", "--set dataset.aerialSize=256"),
            "--pano-size": ("dataset.groundHeight, dataset.groundWidth", "--set dataset.groundHeight=128 --set dataset.groundWidth=512"),
            "--drone-views": ("dataset.droneViews", "--set dataset.droneViews=6"),
            "--drone-size": ("dataset.groundHeight (the drone view's size)", "--set dataset.groundHeight=256"),
            "--test-fraction": ("dataset.testFraction", "--set dataset.testFraction=0.2")
        ]
        guard let name = names[error.whereContext] else { return error }
        return GeoKitError(
            error.what, where: "recipe value \(name.values), synthetic world",
            remedy: "change it in the recipe's Dataset.synthetic(...) or with e.g. \(name.remedy)")
    }

    static var cacheDirectory: URL { CacheDirectory.url("worlds") }
}
