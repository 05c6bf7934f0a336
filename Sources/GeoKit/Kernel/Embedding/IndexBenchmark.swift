import Foundation
import GeoKitCore

/// The gallery-index benchmark (`geokit index bench`): synthetic clustered,
/// L2-normalised descriptors from a fixed seed; GeoKit's exact search
/// against FAISS's exact IndexFlatIP in the same run, and IVF-PQ and HNSW
/// measured against exact: queries/s and recall. Recall@k is FAISS's
/// "1-recall@k": the fraction of queries whose exact nearest neighbour is
/// among the method's first k.
public struct IndexBenchmark {
    public var count = 1_000_000
    public var dimension = 512
    public var queries = 1000
    public var clusters = 1000
    /// The spread of a descriptor around its cluster centre, relative to the centre's unit length.
    public var spread = 0.6
    public var seed: UInt64 = 0
    public var k = 10
    public var ivfpq = GalleryIndex.Options(kind: .ivfpq)
    public var hnsw = GalleryIndex.Options(kind: .hnsw)

    public init() {}

    public struct Row: Sendable {
        public let kind: String
        public let parameters: String
        public let buildSeconds: Double
        public let queriesPerSecond: Double
        public let recallAt1: Double
        public let recallAtK: Double
    }

    /// Clustered descriptors: row r is centre (r mod clusters) plus Gaussian noise, normalised.
    /// Each block of rows has its own generator, so the values do not depend on the thread count.
    public static func descriptors(count: Int, dimension: Int, clusters: Int, spread: Double, seed: UInt64) -> [Float] {
        var centreGenerator = RandomGenerator(seed: seed)
        let centres = (0..<clusters * dimension).map { _ in Float(centreGenerator.normal() / Double(dimension).squareRoot()) }
        var rows = [Float](repeating: 0, count: count * dimension)
        let noise = Float(spread / Double(dimension).squareRoot())
        let block = 4096
        rows.withUnsafeMutableBufferPointer { out in
            Parallel.forEachChunk((count + block - 1) / block, grain: 1) { blocks in
                for b in blocks {
                    var generator = RandomGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(b + 1))
                    for r in (b * block)..<min(count, (b + 1) * block) {
                        let row = out.baseAddress! + r * dimension, centre = (r % clusters) * dimension
                        var norm: Float = 0
                        for j in 0..<dimension {
                            let v = centres[centre + j] + noise * Float(generator.normal())
                            row[j] = v
                            norm += v * v
                        }
                        let scale = 1 / norm.squareRoot()
                        for j in 0..<dimension { row[j] *= scale }
                    }
                }
            }
        }
        return rows
    }

    /// Runs every kind; `progress` receives a line as each one finishes.
    public func run(progress: (String) -> Void = { _ in }) throws -> [Row] {
        let start = IndexBenchmark.now()
        let gallery = IndexBenchmark.descriptors(count: count, dimension: dimension, clusters: clusters, spread: spread, seed: seed)
        let query = IndexBenchmark.descriptors(count: queries, dimension: dimension, clusters: clusters, spread: spread, seed: seed &+ 1)
        progress(String(format: "generated %d + %d descriptors of %d in %.1f s", count, queries, dimension, IndexBenchmark.now() - start))
        let ids = (0..<count).map(String.init)
        var rows: [Row] = []
        var truth: [Int] = []
        for options in [GalleryIndex.Options(kind: .exact), GalleryIndex.Options(kind: .flat), ivfpq, hnsw] {
            // One index at a time (released at the end of the do block): exact, flat and HNSW each hold a copy of the gallery.
            let row: Row
            do {
                let built = IndexBenchmark.now()
                let index = try GalleryIndex(dimension: dimension, options: options, view: .aerial, model: "benchmark")
                try index.add(gallery, ids: ids)
                let buildSeconds = IndexBenchmark.now() - built
                // The median of three timed searches: robust to a stray slow one on a shared machine.
                var hits: [[SearchHit]] = []
                var times: [Double] = []
                for _ in 0..<3 {
                    let searched = IndexBenchmark.now()
                    hits = try index.search(query, k: k)
                    times.append(IndexBenchmark.now() - searched)
                }
                let qps = Double(queries) / times.sorted()[1]
                if options.kind == .exact { truth = hits.map { $0.first?.index ?? -1 } }
                let at1 = zip(hits, truth).filter { $0.0.first?.index == $0.1 }.count
                let atK = zip(hits, truth).filter { pair in pair.0.contains { $0.index == pair.1 } }.count
                let parameters =
                    switch options.kind {
                    case .exact, .flat: "-"
                    case .ivfpq: "nlist=\(options.nlist),m=\(options.m),nprobe=\(options.nprobe)"
                    case .hnsw: "hnsw_m=\(options.hnswM),ef_search=\(options.efSearch)"
                    }
                row = Row(
                    kind: options.kind.rawValue, parameters: parameters, buildSeconds: buildSeconds, queriesPerSecond: qps,
                    recallAt1: Double(at1) / Double(queries), recallAtK: Double(atK) / Double(queries))
            }
            rows.append(row)
            progress(
                String(
                    format: "%@ (%@): built in %.1f s, %.0f queries/s, recall@1 %.3f, recall@%d %.3f", row.kind, row.parameters, row.buildSeconds,
                    row.queriesPerSecond, row.recallAt1, k, row.recallAtK))
        }
        return rows
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
