import GeoKitCore
import GeoKitData

/// `sampler:random`: every epoch a fresh shuffle of all locations, cut into
/// batches of `batchSize`, so each location is in one batch and never twice
/// in a batch; the incomplete last batch is dropped (in-batch losses want
/// full batches). With fewer locations than `batchSize` there is no batch.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// RandomSampler().batches(locationCount: 10, batchSize: 4, generator: &generator)   // two batches of 4
/// ```
public final class RandomSampler: BatchSampler {
    public init() {}

    public func batches(locationCount: Int, batchSize: Int, generator: inout RandomGenerator) -> [[Int]] {
        require(
            batchSize > 0 && locationCount >= 0,
            "GeoKit: sampler random needs batchSize > 0 and locationCount >= 0, got batchSize \(batchSize), locationCount \(locationCount)")
        var ids = Array(0..<locationCount)
        // Fisher-Yates from the generator itself, so an epoch's order depends only on the seed.
        for i in stride(from: ids.count - 1, to: 0, by: -1) {
            let j = Swift.min(i, Int(generator.uniform() * Double(i + 1)))
            ids.swapAt(i, j)
        }
        return (0..<(locationCount / batchSize)).map { Array(ids[($0 * batchSize)..<(($0 + 1) * batchSize)]) }
    }
}
