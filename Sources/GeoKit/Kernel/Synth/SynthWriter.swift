import Foundation
import GeoKitCore
import GeoKitData

/// Writes the synthetic world to disk in a published dataset layout.
///
/// CVUSA (`--layout cvusa`): `bingmap/19/<id>.jpg` (aerial), `streetview/panos/<id>.jpg`
/// (ground), `splits/train-19zl.csv` and `splits/val-19zl.csv` with rows
/// `bingmap/19/<id>.jpg,streetview/panos/<id>.jpg,streetview/annotations/<id>.png`
/// (the third column keeps the published format; no annotation files are written).
///
/// University-1652 (`--layout university`): `train/{satellite,drone,street}/<id>/`
/// and `test/{query,gallery}_{satellite,drone,street}/<id>/` with `<id>.jpg`
/// (satellite), `image-NN.jpeg` (drone), `street-NN.jpg` (street).
///
/// Both layouts also get `gps.csv`: a header line, then one row per location
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
        String(format: options.layout == .cvusa ? "%07d" : "%04d", location.index + 1)
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
        }
    }

    private func writeLocation(_ location: SynthLocation, capture: SynthCapture) throws {
        let id = identifier(location)
        let q = options.jpegQuality
        func put(_ image: Image, _ relative: [String]) throws {
            let data = try JPEG.encode(image, quality: q)
            for path in relative { try AtomicFile.write(data, to: root.appendingPathComponent(path)) }
        }
        switch options.layout {
        case .cvusa:
            let (aerial, ground) = paths(location)
            try put(capture.aerial, [aerial])
            try put(capture.ground, [ground])
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
            gps += "\(location.split.rawValue),\(identifier(location)),\(aerial),\(ground),\(numbers)\n"
        }
        try AtomicFile.write(Data(gps.utf8), to: root.appendingPathComponent("gps.csv"))
        if options.layout == .cvusa {
            for (split, file) in [(SynthLocation.Split.train, "train-19zl.csv"), (.test, "val-19zl.csv")] {
                var csv = ""
                for location in plan where location.split == split {
                    let (aerial, ground) = paths(location)
                    csv += "\(aerial),\(ground),streetview/annotations/\(identifier(location)).png\n"
                }
                try AtomicFile.write(Data(csv.utf8), to: root.appendingPathComponent("splits/\(file)"))
            }
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
