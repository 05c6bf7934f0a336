import Foundation
import GeoKitCore
import GeoKitData

/// Writes the synthetic world to disk in a published dataset layout.
///
/// CVUSA (`--layout cvusa`): `bingmap/19/<id>.jpg` (aerial), `streetview/panos/<id>.jpg`
/// (ground), `splits/train-19zl.csv` and `splits/val-19zl.csv` with rows
/// `bingmap/19/<id>.jpg,streetview/panos/<id>.jpg,streetview/annotations/<id>.png`
/// (the third column keeps the published format; no annotation files are written), and the published
/// location list `split_locations/all.csv`.
///
/// University-1652 (`--layout university`): `train/{satellite,drone,street}/<id>/`
/// and `test/{query,gallery}_{satellite,drone,street}/<id>/` with `<id>.jpg`
/// (satellite), `image-NN.jpeg` (drone), `street-NN.jpg` (street).
///
/// CVACT (`--layout cvact`): `ACT_data.mat` (panoIds, utm, trainSet.trainInd, valSet.valInd,
/// valSetAll.valInd), `ANU_data_small/{streetview,satview_polish}/` with the training and validation images and
/// `ANU_data_test/` with the test images (the held-out locations are both CVACT_val and CVACT_test).
///
/// VIGOR (`--layout vigor`): training locations in NewYork and Seattle, held-out ones in Chicago and
/// SanFrancisco (so the cross-area split holds out the held-out area); `<City>/satellite/satellite_<lat>_<lon>.png`,
/// `<City>/panorama/<prefix>,<lat>,<lon>,.jpg`, `splits/<City>/satellite_list.txt`, `pano_label_balanced.txt`
/// (every panorama of the city) and `same_area_balanced_{train,test}.txt` (alternate panoramas of the city). A
/// panorama stands at its own tile's centre (offset 0, 0); its semi-positives are the three nearest other tiles
/// of its city, with their pixel offsets (they rarely cover the panorama's point, unlike VIGOR's overlapping tiles).
///
/// Every layout also gets `gps.csv`: a header line, then one row per location
/// `split,id,aerial,ground,latitude,longitude,east_m,north_m,heading_deg`
/// (paths relative to the dataset root; heading = bearing at the ground
/// image's centre column).
public struct SynthWriter {
    public let options: SynthOptions
    public let root: URL

    public init(options: SynthOptions, root: URL) {
        self.options = options
        self.root = root
    }

    /// Renders and writes every location in parallel (each from its own
    /// random stream, so the files do not depend on scheduling), calling
    /// `progress(done, total)` after each location. Returns the plan.
    @discardableResult
    public func write(progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> [SynthLocation] {
        try options.validate()
        let world = SynthWorld(seed: options.seed)
        let plan = world.planLocations(options)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let state = WriteState()
        let workers = max(1, Parallel.threadCount)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let k = state.nextIndex(limit: plan.count) {
                do {
                    let capture = world.capture(plan[k], options: options)
                    try writeLocation(plan[k], capture: capture)
                    progress(state.finish(k, heading: capture.heading), plan.count)
                } catch {
                    state.fail(error)
                }
            }
        }
        if let error = state.error { throw error }
        try writeTables(plan, headings: state.headings)
        return plan
    }

    /// Identifier of a location in file names: zero-padded 1-based index.
    public func identifier(_ location: SynthLocation) -> String {
        switch options.layout {
        case .cvusa: String(format: "%07d", location.index + 1)
        case .university: String(format: "%04d", location.index + 1)
        // CVACT's panoIds and VIGOR's panorama prefixes are 22 characters.
        case .cvact: String(format: "GK%020d", location.index + 1)
        case .vigor: String(format: "gk%020d", location.index + 1)
        }
    }

    /// The VIGOR city of a location: training locations in the cross-area training cities, held-out ones in the others.
    public func city(_ location: SynthLocation) -> String {
        (location.split == .train ? ["NewYork", "Seattle"] : ["Chicago", "SanFrancisco"])[location.index % 2]
    }

    /// The VIGOR file names of a location's satellite tile and panorama.
    private func vigorNames(_ location: SynthLocation) -> (satellite: String, panorama: String) {
        let (lat, lon) = (String(format: "%.8f", location.latitude), String(format: "%.8f", location.longitude))
        return ("satellite_\(lat)_\(lon).png", "\(identifier(location)),\(lat),\(lon),.jpg")
    }

    /// The aerial and ground paths of a location, relative to the root.
    public func paths(_ location: SynthLocation) -> (aerial: String, ground: String) {
        let id = identifier(location)
        switch options.layout {
        case .cvusa:
            return ("bingmap/19/\(id).jpg", "streetview/panos/\(id).jpg")
        case .university:
            let satellite = location.split == .train ? "train/satellite" : "test/gallery_satellite"
            let street = location.split == .train ? "train/street" : "test/query_street"
            return ("\(satellite)/\(id)/\(id).jpg", "\(street)/\(id)/street-01.jpg")
        case .cvact:
            let folder = location.split == .train ? "ANU_data_small" : "ANU_data_test"
            return ("\(folder)/satview_polish/\(id)_satView_polish.jpg", "\(folder)/streetview/\(id)_grdView.jpg")
        case .vigor:
            let (satellite, panorama) = vigorNames(location), city = city(location)
            return ("\(city)/satellite/\(satellite)", "\(city)/panorama/\(panorama)")
        }
    }

    private func writeLocation(_ location: SynthLocation, capture: SynthCapture) throws {
        let id = identifier(location)
        let q = options.jpegQuality
        func put(_ image: Image, _ relative: [String]) throws {
            let data = try relative[0].hasSuffix(".png") ? PNG.encode(image) : JPEG.encode(image, quality: q)
            for path in relative { try AtomicFile.write(data, to: root.appendingPathComponent(path)) }
        }
        switch options.layout {
        case .cvusa, .vigor:
            let (aerial, ground) = paths(location)
            try put(capture.aerial, [aerial])
            try put(capture.ground, [ground])
        case .cvact:
            // Held-out locations are CVACT_val (ANU_data_small) and CVACT_test (ANU_data_test) at once.
            let folders = location.split == .train ? ["ANU_data_small"] : ["ANU_data_small", "ANU_data_test"]
            try put(capture.aerial, folders.map { "\($0)/satview_polish/\(id)_satView_polish.jpg" })
            try put(capture.ground, folders.map { "\($0)/streetview/\(id)_grdView.jpg" })
        case .university:
            let train = location.split == .train
            try put(
                capture.aerial,
                train
                    ? ["train/satellite/\(id)/\(id).jpg"]
                    : ["test/gallery_satellite/\(id)/\(id).jpg", "test/query_satellite/\(id)/\(id).jpg"])
            for (k, drone) in capture.drones.enumerated() {
                let name = String(format: "image-%02d.jpeg", k + 1)
                try put(drone, train ? ["train/drone/\(id)/\(name)"] : ["test/query_drone/\(id)/\(name)", "test/gallery_drone/\(id)/\(name)"])
            }
            let streets = capture.streets.isEmpty ? [capture.ground] : capture.streets
            for (k, street) in streets.enumerated() {
                let name = String(format: "street-%02d.jpg", k + 1)
                try put(street, train ? ["train/street/\(id)/\(name)"] : ["test/query_street/\(id)/\(name)", "test/gallery_street/\(id)/\(name)"])
            }
        }
    }

    private func writeTables(_ plan: [SynthLocation], headings: [Int: Double]) throws {
        var gps = "split,id,aerial,ground,latitude,longitude,east_m,north_m,heading_deg\n"
        for location in plan {
            let (aerial, ground) = paths(location)
            let heading = headings[location.index] ?? 0
            let numbers = String(
                format: "%.8f,%.8f,%.2f,%.2f,%.2f", location.latitude, location.longitude,
                location.east, location.north, heading)
            // VIGOR's panorama names hold commas: written as %2C so that the table stays plain CSV.
            let (a, g) = (aerial.replacingOccurrences(of: ",", with: "%2C"), ground.replacingOccurrences(of: ",", with: "%2C"))
            gps += "\(location.split.rawValue),\(identifier(location)),\(a),\(g),\(numbers)\n"
        }
        switch options.layout {
        case .cvusa: try writeCVUSASplits(plan)
        case .cvact: try writeCVACTTable(plan)
        case .vigor: try writeVIGORSplits(plan)
        case .university: break
        }
        // Last: a world is complete when its gps.csv exists (SyntheticWorldCache).
        try AtomicFile.write(Data(gps.utf8), to: root.appendingPathComponent("gps.csv"))
    }

    private func writeCVUSASplits(_ plan: [SynthLocation]) throws {
        for (split, file) in [(SynthLocation.Split.train, "train-19zl.csv"), (.test, "val-19zl.csv")] {
            var csv = ""
            for location in plan where location.split == split {
                let (aerial, ground) = paths(location)
                csv += "\(aerial),\(ground),streetview/annotations/\(identifier(location)).png\n"
            }
            try AtomicFile.write(Data(csv.utf8), to: root.appendingPathComponent("splits/\(file)"))
        }
        // The published location list: row n (aerial lat, lon, ground lat, lon, 0) is location n's.
        let rows = plan.map { String(format: "%.8f,%.8f,%.8f,%.8f,0", $0.latitude, $0.longitude, $0.latitude, $0.longitude) }
        try AtomicFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: root.appendingPathComponent("split_locations/all.csv"))
    }

    private func writeCVACTTable(_ plan: [SynthLocation]) throws {
        let n = plan.count
        func indices(_ split: SynthLocation.Split) -> MATValue {
            let chosen = plan.filter { $0.split == split }.map { Double($0.index + 1) }
            return .numeric(dims: [chosen.count, 1], values: chosen)
        }
        func set(_ field: String, _ split: SynthLocation.Split) -> MATValue { .structure(dims: [1, 1], fields: [field: [indices(split)]]) }
        try MATFile.write(
            [
                ("panoIds", .text(plan.map(identifier))),
                ("utm", .numeric(dims: [n, 2], values: plan.map { 600_000 + $0.east } + plan.map { 6_090_000 + $0.north })),
                ("trainSet", set("trainInd", .train)), ("valSet", set("valInd", .test)), ("valSetAll", set("valInd", .test))
            ], to: root.appendingPathComponent("ACT_data.mat"))
    }

    private func writeVIGORSplits(_ plan: [SynthLocation]) throws {
        let metresPerPixel = 102.4 / Double(options.aerialSize)
        for city in ["Chicago", "NewYork", "SanFrancisco", "Seattle"] {
            let here = plan.filter { self.city($0) == city }
            let list = here.map { vigorNames($0).satellite }.joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(list.utf8), to: root.appendingPathComponent("splits/\(city)/satellite_list.txt"))
            let labels = here.map { location -> String in
                let others = here.filter { $0.index != location.index }
                    .sorted { hypot($0.east - location.east, $0.north - location.north) < hypot($1.east - location.east, $1.north - location.north) }
                var fields = [vigorNames(location).panorama, vigorNames(location).satellite, "0", "0"]
                for tile in others.prefix(3) {
                    let dy = -(location.north - tile.north) / metresPerPixel, dx = (location.east - tile.east) / metresPerPixel
                    fields += [vigorNames(tile).satellite, String(format: "%.4f", dy), String(format: "%.4f", dx)]
                }
                return fields.joined(separator: " ")
            }
            func write(_ name: String, _ lines: [String]) throws {
                try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: root.appendingPathComponent("splits/\(city)/\(name)"))
            }
            try write("pano_label_balanced.txt", labels)
            try write("same_area_balanced_train.txt", labels.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            try write("same_area_balanced_test.txt", labels.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        }
    }
}

/// Shared bookkeeping of the parallel writers: the next location to take,
/// how many are done, the headings drawn, and the first error.
private final class WriteState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private(set) var headings: [Int: Double] = [:]
    private(set) var error: Error?

    func nextIndex(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard error == nil, next < limit else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ index: Int, heading: Double) -> Int {
        lock.lock(); defer { lock.unlock() }
        headings[index] = heading
        done += 1
        return done
    }

    func fail(_ e: Error) {
        lock.lock(); defer { lock.unlock() }
        if error == nil { error = e }
    }
}
