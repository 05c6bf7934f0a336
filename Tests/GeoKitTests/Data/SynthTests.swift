import Foundation
import GeoKit
import XCTest

final class SynthTests: XCTestCase {
    private func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-synth-\(name)-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    private func tinyOptions(_ layout: SynthOptions.Layout) -> SynthOptions {
        var options = SynthOptions()
        options.layout = layout
        // VIGOR needs 8 training and 8 held-out locations (4 per city, for 3 semi-positives each).
        options.locations = layout == .vigor ? 40 : 6
        options.seed = 11
        options.aerialSize = 64
        options.panoramaHeight = 32
        options.panoramaWidth = 128
        options.droneViews = 2
        options.droneSize = 48
        return options
    }

    /// Every file under `root` by relative path.
    private func files(_ root: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.path.dropFirst(root.path.count))] = try Data(contentsOf: url)
        }
        return out
    }

    func testSameSeedGivesByteIdenticalFilesInEveryLayout() throws {
        for layout in SynthOptions.Layout.allCases {
            let a = temporaryDirectory("\(layout)-a"), b = temporaryDirectory("\(layout)-b")
            defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
            try SynthWriter(options: tinyOptions(layout), root: a).write()
            try SynthWriter(options: tinyOptions(layout), root: b).write()
            let filesA = try files(a), filesB = try files(b)
            XCTAssertGreaterThan(filesA.count, 6, "\(layout)")
            XCTAssertEqual(Set(filesA.keys), Set(filesB.keys), "\(layout)")
            for (path, data) in filesA { XCTAssertEqual(data, filesB[path], "\(layout) \(path) differs") }
            var other = tinyOptions(layout)
            other.seed = 12
            let c = temporaryDirectory("\(layout)-c")
            defer { try? FileManager.default.removeItem(at: c) }
            try SynthWriter(options: other, root: c).write()
            XCTAssertNotEqual(try files(c)["/gps.csv"], filesA["/gps.csv"], "another seed, another world")
        }
    }

    func testLoadersReadBothLayouts() throws {
        let cvusaRoot = temporaryDirectory("cvusa-read")
        defer { try? FileManager.default.removeItem(at: cvusaRoot) }
        let plan = try SynthWriter(options: tinyOptions(.cvusa), root: cvusaRoot).write()
        let cvusa = try CVUSADataset(root: cvusaRoot)
        XCTAssertEqual(cvusa.train.count, plan.filter { $0.split == .train }.count)
        XCTAssertEqual(cvusa.train.count + cvusa.test.count, 6)
        let aerial = try Image(contentsOf: cvusa.test[0].aerial), ground = try Image(contentsOf: cvusa.test[0].ground)
        XCTAssertEqual([aerial.height, aerial.width, ground.height, ground.width], [64, 64, 32, 128])
        let gps = try GPSTable(contentsOf: cvusaRoot.appendingPathComponent("gps.csv"))
        XCTAssertEqual(gps.entries.count, 6)
        XCTAssertEqual(gps.neighbours(split: "train", range: 3).map(\.count), Array(repeating: 3, count: cvusa.train.count))

        try FileManager.default.removeItem(
            at: cvusaRoot.appendingPathComponent(cvusa.train[0].ground.path.replacingOccurrences(of: cvusaRoot.path + "/", with: "")))
        XCTAssertThrowsError(try CVUSADataset(root: cvusaRoot)) { XCTAssertTrue("\($0)".contains("streetview/panos"), "\($0)") }
        let tolerant = try CVUSADataset(root: cvusaRoot, skipMissing: true)
        XCTAssertEqual(tolerant.skipped, 1)
        let corrupt = tolerant.test[0].aerial
        try Data("not an image".utf8).write(to: corrupt)
        XCTAssertThrowsError(try PairValidation.check(tolerant.train + tolerant.test, skipInvalid: false)) {
            XCTAssertTrue("\($0)".contains(corrupt.path), "\($0)")
        }
        let report = try PairValidation.check(tolerant.train + tolerant.test, skipInvalid: true)
        XCTAssertEqual(report.valid.count, 4)
        XCTAssertEqual(report.problems.count, 1)

        let uniRoot = temporaryDirectory("university-read")
        defer { try? FileManager.default.removeItem(at: uniRoot) }
        try SynthWriter(options: tinyOptions(.university), root: uniRoot).write()
        let university = try University1652Dataset(root: uniRoot)
        XCTAssertEqual(try university.images("train/satellite").count, 3)
        XCTAssertEqual(try university.images("test/query_drone").map(\.files.count), [2, 2, 2])
        XCTAssertEqual(try university.images("test/gallery_satellite").map(\.id), try university.images("test/query_satellite").map(\.id))
        XCTAssertEqual(try Image(contentsOf: try university.images("train/drone")[0].files[0]).width, 48)
        XCTAssertThrowsError(try university.images("test/query_google"))
    }

    /// A unique landmark at a known bearing shows up at the same column of
    /// the panorama and of the polar-transformed aerial tile.
    func testLandmarkAppearsAtTheSameColumnInPanoramaAndPolarTile() {
        let width = 256
        for bearing in [60.0, 200.0, 310.0] {
            let scene = SynthScene(centerEast: 500, centerNorth: -300, radius: 60)
            let b = bearing * Double.pi / 180
            scene.paint(
                SynthPrimitive(
                    .disc(east: 500 + 24 * sin(b), north: -300 + 24 * cos(b), radius: 2.5), surface: .person,
                    height: 14, top: SIMD3(0.95, 0.05, 0.05)))
            let conditions = CaptureConditions()
            let panorama = scene.renderPanorama(height: 64, width: width, conditions: conditions)
            let aerial = scene.renderAerial(pixels: 256, conditions: conditions)
            let polar = PolarTransform(aerialSize: 256, height: 64, width: width).apply(aerial)
            let expected = ((bearing - 180) / 360 * Double(width)).truncatingRemainder(dividingBy: Double(width))
            let expectedColumn = expected < 0 ? expected + Double(width) : expected
            for (name, image) in [("panorama", panorama), ("polar", polar)] {
                let column = reddestColumn(image)
                XCTAssertEqual(Double(column), expectedColumn, accuracy: 2, "\(name) at bearing \(bearing)")
            }
            XCTAssertEqual(PolarTransform.bearing(column: expectedColumn, width: width), bearing, accuracy: 1e-9)
        }
    }

    private func reddestColumn(_ image: Image) -> Int {
        var best = (0, -1)
        for x in 0..<image.width {
            var score = 0
            for y in 0..<image.height {
                let r = Int(image[y, x, 0]), g = Int(image[y, x, 1]), b = Int(image[y, x, 2])
                score += max(0, r - (g + b) / 2 - 80)
            }
            if score > best.1 { best = (x, score) }
        }
        return best.0
    }

    /// Raw pixels cannot solve the task: nearest neighbour between
    /// polar-transformed tiles and panoramas stays far below 20% R@1.
    func testRawPixelsDoNotSolveTheWorld() {
        var options = SynthOptions()
        options.locations = 120
        options.testFraction = 0.5
        options.seed = 5
        options.aerialSize = 128
        options.panoramaHeight = 64
        options.panoramaWidth = 256
        let world = SynthWorld(seed: options.seed)
        let tests = world.planLocations(options).filter { $0.split == .test }
        XCTAssertEqual(tests.count, 60)
        let captures = tests.map { world.capture($0, options: options) }
        let recall = RawPixelBaseline.recall(aerials: captures.map(\.aerial), grounds: captures.map(\.ground))
        XCTAssertLessThanOrEqual(recall[1]!, 20, "raw-pixel R@1 \(recall[1]!)%")
    }

    func testPlanSpacingSplitsAndAreas() {
        var options = SynthOptions()
        options.locations = 200
        let world = SynthWorld(seed: 3)
        let plan = world.planLocations(options)
        XCTAssertEqual(plan.count, 200)
        XCTAssertEqual(plan.filter { $0.split == .test }.count, 40)
        let train = plan.filter { $0.split == .train }, test = plan.filter { $0.split == .test }
        XCTAssertLessThan(train.map(\.east).max()!, test.map(\.east).min()! - 10_000, "disjoint areas")
        for a in plan {
            for b in plan where a.index < b.index {
                XCTAssertGreaterThanOrEqual(((a.east - b.east) * (a.east - b.east) + (a.north - b.north) * (a.north - b.north)).squareRoot(), 69.9)
            }
        }
        options.sameArea = true
        let shared = world.planLocations(options)
        XCTAssertEqual(shared.filter { $0.split == .test }.count, 40)
        XCTAssertLessThan(shared.map(\.east).max()!, 50_000)
    }

    /// An unknown heading rolls the north-centred panorama; the recorded
    /// heading says by how much. A limited field of view crops it.
    func testUnknownHeadingAndFieldOfView() {
        var options = SynthOptions()
        options.locations = 4
        options.aerialSize = 64
        options.panoramaHeight = 32
        options.panoramaWidth = 128
        let world = SynthWorld(seed: 8)
        let location = world.planLocations(options)[0]
        let known = world.capture(location, options: options)
        XCTAssertEqual(known.heading, 0)
        options.unknownHeading = true
        let unknown = world.capture(location, options: options)
        let centre = Int(((unknown.heading - 180) / 360 * 128).rounded() + 128) % 128
        XCTAssertEqual(unknown.ground, known.ground.rolled(columns: centre - 64))
        XCTAssertEqual(unknown.aerial, known.aerial)
        options.fieldOfView = 90
        let narrow = world.capture(location, options: options)
        XCTAssertEqual(narrow.ground, known.ground.panoramaCrop(degrees: 90, centreColumn: centre))
    }
}
