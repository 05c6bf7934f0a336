import Foundation

/// The pairs a recipe trains and evaluates on, decoded once into memory at
/// the sizes the recipe asks for, and turned into normalised batches with
/// augmentation drawn from (seed, epoch, location) only, so a batch is the
/// same in a resumed run as in an uninterrupted one.
public final class TrainingData: @unchecked Sendable {
    public let root: URL
    public let train: [CrossViewPair]
    public let test: [CrossViewPair]
    /// Per training location, the other training locations nearest first (from gps.csv), if the dataset has one.
    public let neighbours: [[Int]]?
    /// University-1652's two-direction evaluation, replacing the pairwise one, for that dataset.
    public let university: University1652Evaluation?
    let trainImages: [(aerial: Image, ground: Image)]
    let testImages: [(aerial: Image, ground: Image)]
    let augmentation: PairAugmentation
    public let input: ViewInput

    /// Reads (generating the synthetic world first if needed) the dataset of `settings`.
    public init(settings s: RecipeSettings, log: (String) -> Void) throws {
        let kind = s.string("dataset.kind")
        switch kind {
        case "synthetic": root = try SyntheticWorldCache.prepare(settings: s, log: log)
        case "cvusa":
            root = URL(fileURLWithPath: s.string("dataset.root"))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw GeoKitError("the dataset directory does not exist", where: root.path,
                                  remedy: "point dataset.root at a CVUSA-layout directory (--set dataset.root=DIR), or generate one with geokit synth")
            }
        case "university1652":
            root = URL(fileURLWithPath: s.string("dataset.root"))
        default:
            throw GeoKitError("unknown dataset kind '\(kind)'", where: "dataset.kind", remedy: "use synthetic, cvusa or university1652")
        }
        if kind == "university1652" || s["dataset.layout"] == .string("university") {
            let dataset = try University1652Dataset(root: root)
            (train, test) = (try dataset.dronePairs(drone: "train/drone", satellite: "train/satellite"),
                             try dataset.dronePairs(drone: "test/query_drone", satellite: "test/gallery_satellite", firstOnly: true))
            university = try University1652Evaluation(dataset: dataset)
        } else {
            let dataset = try CVUSADataset(root: root)
            (train, test) = (dataset.train, dataset.test)
            university = nil
        }
        guard !train.isEmpty, !test.isEmpty else {
            throw GeoKitError("the dataset has \(train.count) training and \(test.count) test pairs", where: root.path,
                              remedy: "both splits need at least one pair")
        }
        let gps = root.appendingPathComponent("gps.csv")
        if FileManager.default.fileExists(atPath: gps.path) {
            let table = try GPSTable(contentsOf: gps)
            let trainIDs = Set(train.map(\.id))
            let split = table.entries.first { trainIDs.contains($0.id) }?.split ?? "train"
            let rows = table.entries.filter { $0.split == split }
            let tableNeighbours = table.neighbours(split: split)
            let position = Dictionary(uniqueKeysWithValues: train.enumerated().map { ($1.id, $0) })
            if rows.count == train.count, rows.allSatisfy({ position[$0.id] != nil }) {
                var mapped = [[Int]](repeating: [], count: train.count)
                for (r, row) in rows.enumerated() { mapped[position[row.id]!] = tableNeighbours[r].map { position[rows[$0].id]! } }
                neighbours = mapped
            } else {
                neighbours = nil
            }
        } else {
            neighbours = nil
        }

        input = ViewInput(settings: s)
        var augmentation = PairAugmentation.none
        if s.bool("dataset.augment") {
            augmentation.flipProbability = 0.5
            augmentation.rotate = true
        }
        augmentation.colourJitter = s.double("dataset.colourJitter")
        augmentation.erasingProbability = s.double("dataset.erasing")
        self.augmentation = augmentation
        log("decoding \(train.count) training and \(test.count) test pairs from \(root.path)")
        let input = self.input
        func decode(_ pairs: [CrossViewPair]) throws -> [(aerial: Image, ground: Image)] {
            var results = [Result<(aerial: Image, ground: Image), Error>?](repeating: nil, count: pairs.count)
            results.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                DispatchQueue.concurrentPerform(iterations: pairs.count) { k in
                    base[k] = Result {
                        (input.prepareAerial(try Image(contentsOf: pairs[k].aerial)), input.prepareGround(try Image(contentsOf: pairs[k].ground)))
                    }
                }
            }
            return try results.map { try $0!.get() }
        }
        trainImages = try decode(train)
        testImages = try decode(test)
    }

    /// A training batch of `locations` for `epoch`, augmented, as network inputs.
    public func trainingBatch(_ locations: [Int], epoch: Int, seed: UInt64) -> (ground: Tensor, aerial: Tensor) {
        batch(locations.count) { k in
            let index = locations[k]
            var g = RandomGenerator(seed: SynthNoise.hash(seed, UInt64(epoch), UInt64(index), 0xA06))
            let (a, p) = augmentation.apply(aerial: trainImages[index].aerial, ground: trainImages[index].ground, generator: &g)
            return (input.finishAerial(a), p)
        }
    }

    /// Test pairs `range` (or training pairs, unaugmented) as network inputs.
    public func evaluationBatch(_ range: Range<Int>, split: Split = .test) -> (ground: Tensor, aerial: Tensor) {
        let images = split == .test ? testImages : trainImages
        return batch(range.count) { k in
            let pair = images[range.lowerBound + k]
            return (input.finishAerial(pair.aerial), pair.ground)
        }
    }

    public enum Split { case train, test }

    private func batch(_ count: Int, _ make: (Int) -> (aerial: Image, ground: Image)) -> (ground: Tensor, aerial: Tensor) {
        var samples = [(aerial: Image, ground: Image)?](repeating: nil, count: count)
        samples.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: count) { k in base[k] = make(k) }
        }
        return (ViewInput.stack(samples.map { $0!.ground }), ViewInput.stack(samples.map { $0!.aerial }))
    }
}
