import Foundation
import GeoKit
import XCTest

/// University-1652 input a run cannot train on, through the built `geokit` as users run it: each case exits with
/// status 1 by itself, printing one error that names the location or folder (`assertRefused`).
final class University1652BadInputTests: XCTestCase {
    private static let box: RecipeSandbox = try! RecipeSandbox()
    private static let recipe: String = try! box.recipe(
        "u1652bad",
        RecipeSandbox.tinyRecipe(name: "u1652bad", dataset: "Dataset.university1652(root: \"none\", drone: .square(32), satellite: .square(32))"))

    /// A hand-made copy: locations 0001 and 0002 with drone images; `satellites` and `streets` name the locations
    /// that get a satellite image and street images (no street folder at all when empty).
    private func copy(_ name: String, satellites: [String], streets: [String]) throws -> URL {
        let root = Self.box.directory(name)
        let png = try PNG.encode(Image(height: 32, width: 32, channels: 3, value: 90))
        for id in ["0001", "0002"] {
            for folder in ["train/drone", "test/query_drone", "test/gallery_drone"] {
                try AtomicFile.write(png, to: root.appendingPathComponent("\(folder)/\(id)/a.png"))
            }
            for folder in ["test/gallery_satellite", "test/query_satellite"] {
                try AtomicFile.write(png, to: root.appendingPathComponent("\(folder)/\(id)/\(id).png"))
            }
        }
        for id in satellites { try AtomicFile.write(png, to: root.appendingPathComponent("train/satellite/\(id)/\(id).png")) }
        for id in streets { try AtomicFile.write(png, to: root.appendingPathComponent("train/street/\(id)/s.png")) }
        return root
    }

    private func run(_ settings: [String], _ name: String) throws -> GeoKitProcess.Result {
        try GeoKitProcess.run(
            ["run", Self.recipe, "--out", Self.box.directory("run-\(name)").path] + settings.flatMap { ["--set", $0] }, cache: RecipeSandbox.cache)
    }

    func testALocationWithDroneImagesButNoSatelliteIsOneError() throws {
        let root = try copy("no-satellite", satellites: ["0002"], streets: [])
        assertRefused(
            try run(["dataset.root=\(root.path)"], "no-satellite"),
            saying: ["location 0001 has drone images but no satellite image", root.appendingPathComponent("train/satellite").path])
    }

    func testThreeViewsWithoutAStreetFolderOrWithoutALocationsStreetImagesAreOneErrorEach() throws {
        let bare = try copy("no-street", satellites: ["0001", "0002"], streets: [])
        assertRefused(
            try run(["dataset.root=\(bare.path)", "dataset.views=3"], "no-street"),
            saying: ["three-view training needs the street view folder, and there is none", "--set dataset.views=2"])
        let partial = try copy("one-street", satellites: ["0001", "0002"], streets: ["0001"])
        assertRefused(
            try run(["dataset.root=\(partial.path)", "dataset.views=3"], "one-street"),
            saying: ["location 0002 has drone images but no street image, and three-view training needs one"])
    }

    func testThreeViewsOutsideUniversity1652AndOutOfRangeSettingsAreRefused() throws {
        assertRefused(
            try run(["dataset.kind=synthetic", "dataset.root=", "dataset.views=3"], "cvusa-three"),
            saying: ["dataset.views does not apply to recipe u1652bad (it exists with a University-1652 layout)"])
        assertRefused(try run(["dataset.views=4"], "four"), saying: ["dataset.views must be an int in [2, 3], got '4'"])
        assertRefused(try run(["evaluate.gallery=all"], "gallery"), saying: ["evaluate.gallery must be one of original, sample4geo, got 'all'"])
    }
}
