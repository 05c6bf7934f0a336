import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// The pairs a recipe trains and evaluates on, read through the data
/// pipeline (`CrossViewLoader`): images stay on disk and are decoded,
/// prepared at the recipe's sizes and augmented in the background as the
/// batches are needed, with augmentation drawn from (train.seed, epoch,
/// location) only, so a batch is the same in a resumed run as in an
/// uninterrupted one.
public final class TrainingData: @unchecked Sendable {
    public let root: URL
    /// The training items: pairs, or for University-1652 one per location (its satellite image and first drone
    /// image; an augmented epoch draws the drone image, and the street image, from `epochViews`).
    public let train: [CrossViewPair]
    public let test: [CrossViewPair]
    /// Per training location, the other training locations nearest first (from gps.csv), if the dataset has one.
    public let neighbours: [[Int]]?
    /// Per training pair, its position (the losses' `LossBatch.gps`), if the dataset has location data.
    public let positions: [GPSTable.Position]?
    /// Per training pair, its location's class (`LossBatch.locationIDs`): pairs of one aerial image are one location
    /// (VIGOR's panoramas of one positive tile; one item per location on University-1652, CVUSA and CVACT),
    /// numbered in order of first appearance.
    public let locationOfPair: [Int]
    /// University-1652's per-location images that training epochs draw from (drone, and street with three views).
    public let epochViews: EpochViews?
    /// The views a training batch holds: 2, or 3 with University-1652's street view (`CrossViewBatch.street`).
    public var views: Int { epochViews?.street == nil ? 2 : 3 }
    /// The number of training locations (the classes of a head).
    public var locationCount: Int { (locationOfPair.max() ?? -1) + 1 }
    /// University-1652's two-direction evaluation, replacing the pairwise one, for that dataset.
    public let university: University1652Evaluation?
    /// VIGOR's evaluation (every test panorama against every satellite of the test cities), for that dataset.
    public let vigor: VIGOREvaluation?
    public let input: ViewInput
    /// The pipelines of the two splits; the training one augments.
    public let trainLoader: CrossViewLoader
    public let testLoader: CrossViewLoader

    /// Batches decoded ahead of the trainer: the pipeline's queue bound. Two
    /// keep the trainer fed when decoding is faster than a step, and more
    /// would only hold memory (the producer shares the cores with the step).
    public static let prefetch = 2

    /// Reads (generating the synthetic world first if needed) the recipe's
    /// dataset, prepared as `input` says (by default, the recipe's sizes
    /// with ImageNet statistics; a model's `viewInput(_:)` gives its
    /// backbones' statistics); augmentation is drawn from `train.seed`.
    public convenience init(recipe: Recipe, input: ViewInput? = nil, log: (String) -> Void) throws {
        try self.init(dataset: try recipe.requireDataset(), seed: recipe.train?.seed ?? 0, input: input, log: log)
    }

    public init(dataset d: Dataset, seed: Int, input: ViewInput? = nil, log: (String) -> Void) throws {
        // Before a synthetic world is generated for nothing.
        guard d.views == 2 || d.isUniversityLayout else {
            throw GeoKitError(
                "dataset.views is \(d.views), and only University-1652 has a third (street) view",
                where: "dataset (\(d.publishedLayout.rawValue) layout)",
                remedy: "train two views (--set dataset.views=2), or use a University-1652-layout dataset")
        }
        if d.kind == .synthetic {
            root = try SyntheticWorldCache.prepare(dataset: d, log: log)
        } else {
            root = URL(fileURLWithPath: d.root)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw GeoKitError(
                    "the dataset directory does not exist", where: root.path,
                    remedy:
                        "point dataset.root at a \(d.kind.rawValue)-layout directory (--set dataset.root=DIR), or generate one with geokit synth --layout \(d.publishedLayout.rawValue)"
                )
            }
        }
        // Each reader's own location data (CVUSA's published list, CVACT's UTM table, VIGOR's file names), in
        // training-pair order; else the gps.csv that geokit synth writes.
        var locations: GPSTable?
        var university: University1652Evaluation?, vigor: VIGOREvaluation?, epochViews: EpochViews?
        switch d.publishedLayout {
        case .university:
            let dataset = try University1652Dataset(root: root)
            // One item per location, so that a batch of distinct items never holds two drone images of a building.
            let sites = try dataset.locations(drone: "train/drone", satellite: "train/satellite", street: d.views == 3 ? "train/street" : nil)
            epochViews = EpochViews(ground: sites.map(\.drones), street: d.views == 3 ? sites.map(\.streets) : nil)
            (train, test) = (sites.map(\.pair), try dataset.locations(drone: "test/query_drone", satellite: "test/gallery_satellite").map(\.pair))
            university = try University1652Evaluation(dataset: dataset)
        case .cvusa:
            let dataset = try CVUSADataset(root: root)
            (train, test) = (dataset.train, dataset.test)
            locations = try dataset.locations()
        case .cvact:
            let dataset = try CVACTDataset(root: root, evaluation: d.evaluation)
            (train, test) = (dataset.train, dataset.test)
            locations = dataset.locations
            if dataset.skipped > 0 { log("CVACT: skipped \(dataset.skipped) listed ids whose images are missing") }
        case .vigor:
            let dataset = try VIGORDataset(root: root, area: d.area)
            (train, test) = (dataset.train.pairs, dataset.test.pairs)
            locations = dataset.train.locations(split: "train")
            vigor = VIGOREvaluation(split: dataset.test)
        }
        (self.university, self.vigor, self.epochViews) = (university, vigor, epochViews)
        guard !train.isEmpty, !test.isEmpty else {
            throw GeoKitError(
                "the dataset has \(train.count) training and \(test.count) test pairs", where: root.path,
                remedy: "both splits need at least one pair")
        }
        if let locations {
            neighbours = locations.neighbours(split: "train")
            positions = locations.entries.filter { $0.split == "train" }.map(\.position)
        } else {
            let gps = root.appendingPathComponent("gps.csv")
            let table = FileManager.default.fileExists(atPath: gps.path) ? try GPSTable(contentsOf: gps) : nil
            let pairs = train
            neighbours = table.flatMap { TrainingData.neighbours(of: pairs, from: $0) }
            positions = table.flatMap { TrainingData.positions(of: pairs, from: $0) }
        }

        var classOfTile: [URL: Int] = [:]
        locationOfPair = train.map { pair in
            if let known = classOfTile[pair.aerial] { return known }
            classOfTile[pair.aerial] = classOfTile.count
            return classOfTile.count - 1
        }
        self.input = input ?? ViewInput(dataset: d)
        var augmentation = PairAugmentation.none
        if d.augment {
            augmentation.flipProbability = 0.5
            augmentation.rotate = true
        }
        augmentation.colourJitter = d.colourJitter
        augmentation.erasingProbability = d.erasing
        var configuration = CrossViewLoader.Configuration()
        configuration.input = self.input
        configuration.prefetch = TrainingData.prefetch
        configuration.shuffle = false
        let loaderSeed = UInt64(max(0, seed))
        testLoader = CrossViewLoader(pairs: test, configuration: configuration, seed: loaderSeed)
        configuration.augmentation = augmentation
        if d.isUniversityLayout { configuration.viewAugmentation = TrainingData.droneAugmentation(d) }
        trainLoader = CrossViewLoader(pairs: train, configuration: configuration, seed: loaderSeed, epochViews: epochViews)
        log("streaming \(train.count) training and \(test.count) test pairs from \(root.path)")
    }

    /// University-1652's per-view augmentation from the dataset's settings (`augment` off: colour jitter and erasing only).
    private static func droneAugmentation(_ d: Dataset) -> DroneAugmentation {
        var views = d.augment ? DroneAugmentation() : .none
        if d.augment { (views.pad, views.droneRotation, views.satelliteRotation) = (d.pad, d.droneRotation, d.satelliteRotation) }
        (views.colourJitter, views.erasingProbability) = (d.colourJitter, d.erasing)
        return views
    }

    /// The training pairs' neighbours from a `gps.csv` whose rows of one split are exactly the training pairs
    /// (by id), or nil when they are not.
    private static func neighbours(of train: [CrossViewPair], from table: GPSTable) -> [[Int]]? {
        let trainIDs = Set(train.map(\.id))
        guard trainIDs.count == train.count else { return nil }
        let split = table.entries.first { trainIDs.contains($0.id) }?.split ?? "train"
        let rows = table.entries.filter { $0.split == split }
        let position = Dictionary(uniqueKeysWithValues: train.enumerated().map { ($1.id, $0) })
        guard rows.count == train.count, Set(rows.map(\.id)) == trainIDs else { return nil }
        var mapped = [[Int]](repeating: [], count: train.count)
        for (r, near) in table.neighbours(split: split).enumerated() { mapped[position[rows[r].id]!] = near.map { position[rows[$0].id]! } }
        return mapped
    }

    /// The training pairs' positions from a `gps.csv` that lists each of them (by id), or nil when it does not.
    private static func positions(of train: [CrossViewPair], from table: GPSTable) -> [GPSTable.Position]? {
        var position: [String: GPSTable.Position] = [:]
        for entry in table.entries where position[entry.id] == nil { position[entry.id] = entry.position }
        let found = train.compactMap { position[$0.id] }
        return found.count == train.count ? found : nil
    }

    /// The training batches a sampler composed for `epoch` (location indices), augmented, decoded in the background.
    public func trainingStream(_ batches: [[Int]], epoch: Int) -> BatchStream<CrossViewBatch> {
        trainLoader.stream(batches, epoch: epoch)
    }

    /// A split in order, unaugmented, `chunk` pairs at a time.
    public func evaluationStream(_ split: Split, chunk: Int) -> BatchStream<CrossViewBatch> {
        (split == .test ? testLoader : trainLoader).sequential(chunk: chunk)
    }

    public enum Split { case train, test }
}
