import GeoKit

/// `sampler:gps` (Sample4Geo): batches of geographic neighbours, so the
/// in-batch negatives of a contrastive loss are the hard, nearby ones.
///
/// Epoch order (docs/methods.md, "Samplers"): shuffle all ids; take the next id
/// not yet used this epoch and not in the current batch; add from its
/// neighbour table the `select/2` nearest plus `select/2` drawn at random
/// from the rest of its first `range` neighbours, skipping ids already
/// used; close the batch at `batchSize`. An id popped while it is in the
/// current batch goes back to the end of the pool; after 1024 such misses
/// in a row the epoch ends. The incomplete last batch is dropped.
public final class GPSSampler: BatchSampler {
    public let range: Int
    public let select: Int
    private var table: NeighbourTable?

    public init(range: Int = 128, select: Int = 64) {
        self.range = range
        self.select = select
    }

    public func useNeighbours(_ table: NeighbourTable) { self.table = table }

    public var needs: SamplerNeeds { SamplerNeeds(gpsTable: true) }

    public func batches(locationCount: Int, batchSize: Int, generator g: inout RandomGenerator) -> [[Int]] {
        require(batchSize > 0, "GeoKit: sampler gps needs batchSize > 0, got \(batchSize)")
        require(
            table?.locationCount == locationCount,
            "GeoKit: sampler gps has a neighbour table for \(table?.locationCount ?? 0) locations, the dataset has \(locationCount); the dataset needs a gps.csv"
        )
        let table = table!
        var pool = Array(0..<locationCount)
        for i in stride(from: pool.count - 1, to: 0, by: -1) { pool.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        var head = 0, misses = 0
        var used = [Bool](repeating: false, count: locationCount)
        var batches: [[Int]] = []
        var batch: [Int] = []
        var inBatch = Set<Int>()

        func add(_ id: Int) {
            batch.append(id)
            inBatch.insert(id)
            used[id] = true
            if batch.count == batchSize {
                batches.append(batch)
                batch = []
                inBatch = []
            }
        }

        while head < pool.count, misses < 1024 {
            let id = pool[head]
            head += 1
            if used[id] { continue }
            if inBatch.contains(id) {
                pool.append(id)
                misses += 1
                continue
            }
            misses = 0
            add(id)
            guard !batch.isEmpty else { continue }
            let candidates = table.nearest(id, limit: range).filter { !used[$0] }
            var chosen = Array(candidates.prefix(select / 2))
            var rest = Array(candidates.dropFirst(select / 2))
            for _ in 0..<Swift.min(select / 2, rest.count) {
                chosen.append(rest.remove(at: Int(g.next() % UInt64(rest.count))))
            }
            for neighbour in chosen where !used[neighbour] {
                add(neighbour)
                if batch.isEmpty { break }
            }
        }
        return batches
    }
}
