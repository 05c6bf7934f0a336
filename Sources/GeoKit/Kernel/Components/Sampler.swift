import GeoKitCore
import GeoKitData

/// Composes an epoch's training batches from location ids. What a batch
/// holds decides which negatives the in-batch losses see: `random` takes
/// any locations; neighbourhood samplers (Sample4Geo's GPS and similarity
/// sampling) put near or look-alike locations together, guided by a
/// `NeighbourTable` the trainer hands them through `useNeighbours`.
///
/// ```swift
/// let sampler = try Registry.shared.make(.sampler, "random")
/// var generator = RandomGenerator(seed: 7)
/// for batch in sampler.batches(locationCount: 1000, batchSize: 32, generator: &generator) { ... }
/// ```
public protocol BatchSampler: AnyObject {
    /// The epoch's batches, in training order: each holds `batchSize`
    /// distinct ids from 0..<locationCount (one pair per location).
    func batches(locationCount: Int, batchSize: Int, generator: inout RandomGenerator) -> [[Int]]

    /// Replaces the neighbour table that later epochs compose batches from
    /// (a GPS table at the start, a similarity table after each evaluation).
    /// Samplers that do not use neighbourhoods ignore it.
    func useNeighbours(_ table: NeighbourTable)

    /// What the trainer must hand this sampler through `useNeighbours` (default: nothing).
    var needs: SamplerNeeds { get }
}

extension BatchSampler {
    public func useNeighbours(_ table: NeighbourTable) {}
    public var needs: SamplerNeeds { SamplerNeeds() }
}

/// The neighbour tables a sampler asks the trainer for, so that the trainer serves every sampler through the
/// protocol: the dataset's GPS table before the first epoch, and a table re-mined from descriptor similarity.
public struct SamplerNeeds: Sendable, Equatable {
    /// The dataset's geographic neighbour table before the first epoch (training fails, saying so, without one).
    public var gpsTable = false
    /// Every `every` epochs (after that epoch's evaluation) the training split is embedded with the evaluation
    /// transforms and each location's `range` most similar references other than its own become its neighbours.
    public var similarityMining: SimilarityMining?

    public struct SimilarityMining: Sendable, Equatable {
        public var every: Int
        public var range: Int
        public init(every: Int, range: Int) { (self.every, self.range) = (every, range) }
    }

    public init(gpsTable: Bool = false, similarityMining: SimilarityMining? = nil) {
        self.gpsTable = gpsTable
        self.similarityMining = similarityMining
    }
}
