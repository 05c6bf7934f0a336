import GeoKit

/// `sampler:dss`, Sample4Geo's dynamic similarity sampling: the batches of `sampler:gps`, composed from the
/// dataset's GPS table until the first re-mining, then from a table of look-alikes: every `every` epochs (after
/// that epoch's evaluation) the trainer embeds the training split and hands over, per location, the `range`
/// references most similar to its query other than its own (`NeighbourTable.similarity`). The new table
/// replaces the old one (no merging with GPS), as in the paper's code.
public final class DSSSampler: BatchSampler {
    private let composer: GPSSampler
    public let every: Int

    public init(range: Int = 128, select: Int = 64, every: Int = 4) {
        composer = GPSSampler(range: range, select: select)
        self.every = every
    }

    public var needs: SamplerNeeds {
        SamplerNeeds(gpsTable: true, similarityMining: .init(every: every, range: composer.range))
    }

    public func useNeighbours(_ table: NeighbourTable) { composer.useNeighbours(table) }

    public func batches(locationCount: Int, batchSize: Int, generator: inout RandomGenerator) -> [[Int]] {
        composer.batches(locationCount: locationCount, batchSize: batchSize, generator: &generator)
    }
}
