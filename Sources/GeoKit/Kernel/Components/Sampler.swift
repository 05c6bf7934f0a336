/// Chooses which locations share a batch in each epoch. A sampler sees the
/// number of training locations, the batch size and a generator seeded by
/// (seed, epoch), and returns the epoch's batches of location ids, so the
/// order depends on nothing else and a resumed run sees the same batches.
public protocol Sampler: AnyObject {
    func batches(locations: Int, batchSize: Int, generator: inout RandomGenerator) -> [[Int]]
}

/// A sampler that composes batches from a neighbour table: per location,
/// the other locations nearest first (by GPS distance, or by descriptor
/// similarity). The trainer sets the table before each epoch.
public protocol NeighbourSampler: Sampler {
    var neighbours: [[Int]] { get set }
}
