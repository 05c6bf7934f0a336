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
}

extension BatchSampler {
    public func useNeighbours(_ table: NeighbourTable) {}
}
