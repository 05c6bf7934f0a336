import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes

extension CrossViewModel {
    /// The held-out queries the report shows: `count` test indices drawn
    /// from `seed` alone, so every report of a run (and a rerun) shows the same ones.
    public static func pictureQueries(testCount: Int, seed: UInt64, count: Int = 4) -> [Int] {
        var generator = RandomGenerator(seed: SeedMixing.hash(seed, 0x9C7))
        return Array(Array(0..<testCount).shuffled(using: &generator).prefix(count)).sorted()
    }

    /// The retrieval picture of the held-out queries `pictureQueries` picks:
    /// each ground query's top `k` of the whole aerial gallery of the test split.
    public func heldOutRetrieval(_ data: TrainingData, seed: UInt64, count: Int = 4, k: Int = 5) throws -> RetrievalPicture {
        let (queries, gallery) = try embed(data, split: .test)
        let chosen = Self.pictureQueries(testCount: data.test.count, seed: seed, count: count)
        let gps = GPSTable.geographicPositions(in: data.root)
        let top = Similarity.topK(queries: queries.gathered(rows: chosen), gallery: gallery, k: data.test.count)
        var rows: [RetrievalPicture.Row] = []
        for (q, ranking) in zip(chosen, top) {
            let pair = data.test[q]
            let hits = try ranking.prefix(k).enumerated().map { rank, hit in
                let reference = data.test[hit.index]
                return RetrievalPicture.Hit(
                    image: try Image(contentsOf: reference.aerial), rank: rank + 1,
                    distance: Swift.max(0, 2 - 2 * Double(hit.similarity)).squareRoot(), isTrue: hit.index == q,
                    metres: gps[pair.id].flatMap { from in gps[reference.id].map { GPSTable.haversineMetres(from.0, from.1, $0.0, $0.1) } })
            }
            let trueRank = ranking.firstIndex { $0.index == q }.map { $0 + 1 }
            rows.append(
                RetrievalPicture.Row(
                    query: try Image(contentsOf: pair.ground), caption: "query \(pair.id)", hits: hits,
                    trueRank: trueRank.flatMap { $0 > k ? $0 : nil }))
        }
        return RetrievalPicture(rows: rows)
    }

    /// The attention pictures (ground and aerial view) of the first held-out query `pictureQueries` picks.
    public func heldOutAttention(_ data: TrainingData, seed: UInt64) throws -> [AttentionPicture] {
        let pair = data.test[Self.pictureQueries(testCount: data.test.count, seed: seed)[0]]
        return [
            try AttentionPicture(model: self, image: try Image(contentsOf: pair.ground), view: .ground, input: data.input),
            try AttentionPicture(model: self, image: try Image(contentsOf: pair.aerial), view: .aerial, input: data.input)
        ]
    }
}

extension Tensor {
    /// Rows `rows` of a matrix (no gradient), in that order.
    func gathered(rows: [Int]) -> Tensor {
        Tensor.concat(rows.map { sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    }
}
