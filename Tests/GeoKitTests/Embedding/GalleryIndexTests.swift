import Foundation
import GeoKit
import XCTest

/// `GalleryIndex`: exact search against a brute-force ranking, FAISS's kinds
/// against exact, the file format's round trip and its checks.
final class GalleryIndexTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    private func rows(_ count: Int, _ dimension: Int, seed: UInt64) -> [Float] {
        IndexBenchmark.descriptors(count: count, dimension: dimension, clusters: max(1, count / 20), spread: 0.8, seed: seed)
    }

    /// The k best rows of each query by a full sort of all inner products (Double), ties by row.
    private func bruteForce(_ gallery: [Float], _ queries: [Float], dimension: Int, k: Int) -> [[Int]] {
        let n = gallery.count / dimension
        return stride(from: 0, to: queries.count, by: dimension).map { q in
            let scores = (0..<n).map { r in (0..<dimension).reduce(0.0) { $0 + Double(gallery[r * dimension + $1]) * Double(queries[q + $1]) } }
            return Array((0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k))
        }
    }

    func testExactSearchIsTheBruteForceRankingAcrossGalleryBlocks() throws {
        // 20,000 rows span three GEMM blocks of 8192; 300 queries two query blocks of 256.
        let dimension = 24
        let gallery = rows(20_000, dimension, seed: 1), queries = rows(300, dimension, seed: 2)
        let index = try GalleryIndex(dimension: dimension, options: .init(kind: .exact), view: .aerial, model: "")
        try index.add(gallery, ids: (0..<20_000).map { "r\($0)" })
        let hits = try index.search(queries, k: 10)
        let expected = bruteForce(gallery, queries, dimension: dimension, k: 10)
        var agree = 0
        for (h, e) in zip(hits, expected) where h.map(\.index) == e { agree += 1 }
        // Float32 GEMM vs Double sums may swap two near-equal neighbours; nothing else.
        XCTAssertGreaterThanOrEqual(agree, 297, "exact search differs from brute force on \(300 - agree) of 300 queries")
        XCTAssertEqual(hits.map { $0.first?.index }, expected.map(\.first), "the nearest neighbour is exact")
        for row in hits { XCTAssertEqual(row.map(\.score), row.map(\.score).sorted(by: >), "hits are best first") }
    }

    func testTiesKeepTheLowerRowAndKBeyondTheGalleryReturnsItAll() throws {
        let index = try GalleryIndex(dimension: 2, options: .init(kind: .exact), view: .aerial, model: "")
        try index.add([1, 0, 0, 1, 1, 0, 0.6, 0.8, 1, 0], ids: ["a", "b", "c", "d", "e"])
        let hits = try index.search([1, 0], k: 9)[0]
        XCTAssertEqual(hits.map(\.index), [0, 2, 4, 3, 1])
        XCTAssertEqual(hits.map(\.score), [1, 1, 1, 0.6, 0])
        XCTAssertEqual(try index.search([1, 0], k: 2)[0].map(\.index), [0, 2])
    }

    func testFaissFlatFindsExactlyWhatExactSearchFindsAndHNSWFindsIndexedRows() throws {
        let dimension = 32
        let gallery = rows(3000, dimension, seed: 3), queries = rows(50, dimension, seed: 4)
        let ids = (0..<3000).map(String.init)
        let exact = try GalleryIndex(dimension: dimension, options: .init(kind: .exact), view: .aerial, model: "")
        let flat = try GalleryIndex(dimension: dimension, options: .init(kind: .flat), view: .aerial, model: "")
        try exact.add(gallery, ids: ids)
        try flat.add(gallery, ids: ids)
        let a = try exact.search(queries, k: 5), b = try flat.search(queries, k: 5)
        XCTAssertEqual(a.map { $0.map(\.index) }, b.map { $0.map(\.index) })
        for (x, y) in zip(a.joined(), b.joined()) { XCTAssertEqual(x.score, y.score, accuracy: 1e-5) }
        let hnsw = try GalleryIndex(dimension: dimension, options: try .init(kind: .hnsw, parameters: "hnsw_m=16,ef_search=128"), view: .aerial, model: "")
        try hnsw.add(gallery, ids: ids)
        // Each of the first 100 gallery rows, queried, is its own nearest neighbour (score 1).
        let own = try hnsw.search(Array(gallery[0..<(100 * dimension)]), k: 1)
        XCTAssertEqual(own.map { $0.first?.index }, (0..<100).map { Optional($0) })
    }

    func testIVFPQNeedsEnoughDescriptorsToTrainAndItsParametersAreChecked() throws {
        let index = try GalleryIndex(dimension: 16, options: try .init(kind: .ivfpq, parameters: "nlist=8,m=4"), view: .aerial, model: "")
        XCTAssertThrowsError(try index.add(rows(100, 16, seed: 5), ids: (0..<100).map(String.init))) {
            XCTAssertTrue("\($0)".contains("ivfpq trains on the first descriptors added: 100 given, at least 256 needed"), "\($0)")
        }
        XCTAssertThrowsError(try GalleryIndex(dimension: 20, options: .init(kind: .ivfpq), view: .aerial, model: "")) {
            XCTAssertTrue("\($0)".contains("ivfpq's m=64 does not divide the descriptor size 20"), "\($0)")
        }
        XCTAssertThrowsError(try GalleryIndex.Options(kind: .hnsw, parameters: "efsearch=3")) {
            XCTAssertTrue("\($0)".contains("index parameter 'efsearch=3' is not NAME=INTEGER"), "\($0)")
        }
        XCTAssertThrowsError(try GalleryIndex.Options(kind: .ivfpq, parameters: "nprobe=0")) {
            XCTAssertTrue("\($0)".contains("index parameter nprobe=0 is outside 1...65536"), "\($0)")
        }
    }

    func testEveryKindSurvivesSaveAndLoadWithItsIdsPositionsAndHits() throws {
        let dimension = 16
        let gallery = rows(600, dimension, seed: 6), queries = rows(20, dimension, seed: 7)
        let ids = (0..<600).map { "loc-\($0)" }
        let positions: [GeoPosition?] = (0..<600).map { $0 % 3 == 0 ? nil : GeoPosition(latitude: 37 + Double($0) * 1e-4, longitude: -95) }
        for kind in GalleryIndex.Kind.allCases {
            let options = try GalleryIndex.Options(kind: kind, parameters: kind == .ivfpq ? "nlist=8,m=4,nprobe=8" : "")
            let index = try GalleryIndex(dimension: dimension, options: options, view: .aerial, model: "model-x")
            try index.add(gallery, ids: ids, positions: positions)
            let url = directory.appendingPathComponent("\(kind).gkindex")
            try index.save(to: url)
            let loaded = try GalleryIndex.load(from: url)
            XCTAssertEqual(loaded.ids, ids, "\(kind)")
            XCTAssertEqual(loaded.positions, positions, "\(kind)")
            XCTAssertEqual(loaded.model, "model-x", "\(kind)")
            XCTAssertEqual(loaded.view, .aerial, "\(kind)")
            XCTAssertEqual(loaded.options, options, "\(kind)")
            XCTAssertEqual(loaded.dimension, dimension, "\(kind)")
            XCTAssertEqual(try loaded.search(queries, k: 4), try index.search(queries, k: 4), "\(kind): the loaded index answers as the saved one")
        }
    }

    /// Each corruption of a saved file is one GeoKitError naming it, never a trap.
    func testCorruptAndCraftedFilesAreOneMessageEach() throws {
        let index = try GalleryIndex(dimension: 4, options: .init(kind: .exact), view: .aerial, model: "m")
        try index.add([1, 0, 0, 0, 0, 1, 0, 0], ids: ["a", "b"], positions: [GeoPosition(latitude: 1.5, longitude: 2.5), nil])
        let url = directory.appendingPathComponent("g.gkindex")
        try index.save(to: url)
        let good = try Data(contentsOf: url)
        let headerLength = Int(good[12]) | Int(good[13]) << 8
        let header = String(decoding: good[20..<(20 + headerLength)], as: UTF8.self)
        func file(header text: String, payload: Data? = nil) -> Data {
            var data = Data(good[0..<12])
            withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(Data(text.utf8))
            data.append(payload ?? good[(20 + headerLength)...])
            return data
        }
        var nan = Data(good[(20 + headerLength)...])
        nan.replaceSubrange(0..<4, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
        var version = good
        version[8] = 2
        var long = good
        long[19] = 0x7f
        let cases: [(Data, String)] = [
            (Data(), "shorter than its 20-byte start"),
            (Data([0x48]) + good.dropFirst(), "it does not start with GKINDEX"),
            (long, "exceeds the file size"),
            (version, "has format version 2; this GeoKit reads 1"),
            (good.prefix(good.count - 3), "the payload holds 29 bytes, the header says 32"),
            (file(header: "[1, 2]"), "the header is not a JSON object"),
            (file(header: header.replacingOccurrences(of: "\"count\":2", with: "\"count\":3")), "ids is not a list of 3 strings"),
            (file(header: header.replacingOccurrences(of: "\"dimension\":4", with: "\"dimension\":0")), "dimension 0 is outside 1...65536"),
            (file(header: header.replacingOccurrences(of: "\"kind\":\"exact\"", with: "\"kind\":\"lsh\"")), "kind is not one of exact, flat, ivfpq, hnsw"),
            (file(header: header.replacingOccurrences(of: "[1.5,2.5]", with: "[91.5,2.5]")), "gps[0] is not a valid position"),
            (
                file(header: header.replacingOccurrences(of: "\"kind\":\"exact\"", with: "\"kind\":\"hnsw\"")),
                "not a valid gallery index: FAISS could not read the stored index"
            ),
            (file(header: header, payload: nan), "a descriptor holds a NaN or infinite value")
        ]
        XCTAssertTrue(header.contains("\"count\":2") && header.contains("[1.5,2.5]"), header)
        for (data, message) in cases {
            XCTAssertThrowsError(try GalleryIndex.decode(data, source: "g.gkindex")) {
                XCTAssertTrue("\($0)".contains(message), "expected '\(message)': \($0)")
            }
        }
    }

    func testGreatCircleDistanceOfKnownPlaces() {
        // Paris (Notre-Dame) to London (St Paul's): 343.36 km on the mean-radius sphere (haversine, computed independently).
        let paris = GeoPosition(latitude: 48.853, longitude: 2.3499), london = GeoPosition(latitude: 51.5138, longitude: -0.0984)
        XCTAssertEqual(paris.metres(to: london), 343_358, accuracy: 1)
        XCTAssertEqual(GeoPosition(latitude: 0, longitude: 0).metres(to: GeoPosition(latitude: 0, longitude: 1)), 111_195, accuracy: 1)
    }

    /// The benchmark's FAISS flat row must agree with exact search (both exact): recall 1.
    func testIndexBenchReportsFaissFlatAgreeingWithExact() throws {
        let result = try GeoKitProcess.run(
            [
                "index", "bench", "--count", "4000", "--dimension", "32", "--queries", "64", "--clusters", "40", "--ivfpq",
                "nlist=16,m=8,nprobe=16", "--hnsw", "hnsw_m=16,ef_search=64"
            ], cache: directory)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("index bench: 4000 x 32 descriptors, 64 queries, k 10, 40 clusters, seed 0;"), result.output)
        let flat = try XCTUnwrap(result.output.split(separator: "\n").first { $0.hasPrefix("flat (-): built in") }, result.output)
        XCTAssertTrue(flat.hasSuffix("recall@1 1.000, recall@10 1.000"), String(flat))
        for kind in ["exact (-)", "ivfpq (nlist=16,m=8,nprobe=16)", "hnsw (hnsw_m=16,ef_search=64)", "exact / FAISS flat queries/s:"] {
            XCTAssertTrue(result.output.contains(kind), "no \(kind) line: \(result.output)")
        }
    }
}
