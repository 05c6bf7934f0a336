import ArgumentParser
import Foundation
import GeoKit

/// `geokit index build|bench`: gallery indexes that `geokit search --index` reuses.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Build a gallery index once (geokit search --index reuses it), or benchmark the index kinds.",
        subcommands: [IndexBuildCommand.self, IndexBenchCommand.self])
}

extension GalleryIndex.Kind: ExpressibleByArgument {}
extension GalleryLayout: ExpressibleByArgument {}

/// `--kind` and `--params`, shared by build and bench.
struct IndexKindOptions: ParsableArguments {
    @Option(help: "exact (GeoKit: blocked GEMM, partial top-k), flat (FAISS IndexFlatIP), ivfpq (FAISS IndexIVFPQ) or hnsw (FAISS IndexHNSWFlat).")
    var kind: GalleryIndex.Kind = .exact

    @Option(help: "The kind's parameters, NAME=VALUE,...: nlist, m, nprobe (ivfpq; defaults 1024, 64, 16), hnsw_m, ef_search (hnsw; 32, 64).")
    var params = ""

    func options() throws -> GalleryIndex.Options { try GalleryIndex.Options(kind: kind, parameters: params) }
}

struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed a gallery's reference images once into an index file (ids, GPS where known, descriptors).",
        discussion: """
            Layouts: cvusa (the test split's aerial tiles), university1652 (test/gallery_satellite), images (every JPEG \
            or PNG of a folder, ids their file names); detected from the folder unless --layout says. GPS comes from the \
            root's gps.csv when present. The file is written atomically and checked when loaded.
            Example: geokit index build --model exports/quickstart --gallery ~/.cache/geokit/worlds/<world> --out gallery.gkindex
            """)

    @Option(help: "The exported model directory (geokit export --out).")
    var model: String

    @Option(help: "The gallery: a CVUSA or University-1652 root, or a folder of images.")
    var gallery: String

    @Option(help: "cvusa, university1652 or images (default: detected).")
    var layout: GalleryLayout?

    @Option(help: "The view the gallery's images are embedded as (queries are of the other).")
    var view: CrossView = .aerial

    @OptionGroup var index: IndexKindOptions

    @Option(help: "The index file to write.")
    var out: String

    func run() throws {
        try OptionCheck.outputFile(out, "--out")
        let options = try index.options()
        let root = URL(fileURLWithPath: gallery)
        let source = try (layout ?? GalleryLayout.detect(root)).read(root)
        startKernel()
        let exported = try ExportedModel.load(URL(fileURLWithPath: model))
        let descriptors = try exported.embed(files: source.files, view: view, progress: ProgressBar(label: "index", unit: "images"))
        let built = try GalleryIndex(dimension: exported.config.descriptorSize, options: options, view: view, model: exported.config.identity)
        try built.add(descriptors.scalars(as: Float.self), ids: source.ids, positions: source.positions)
        try built.save(to: URL(fileURLWithPath: out))
        let located = source.positions.compactMap { $0 }.count
        print(
            "indexed \(built.count) \(view) references of \(gallery) (\(source.layout.rawValue), \(located) with GPS) as \(options.kind.rawValue) into \(out)")
    }
}

struct IndexBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Queries/s of exact search (GeoKit) and FAISS IndexFlatIP, IVF-PQ and HNSW on synthetic clustered descriptors, with recall against exact.",
        discussion: """
            Recall@k is the fraction of queries whose exact nearest neighbour is among the first k (FAISS's 1-recall@k). \
            Default: 1,000,000 x 512 descriptors (4 GB for the exact and flat copies), 1000 queries, fixed seed.
            """)

    @Option(parsing: .unconditional, help: "Gallery size.")
    var count = 1_000_000
    @Option(parsing: .unconditional, help: "Descriptor size.")
    var dimension = 512
    @Option(parsing: .unconditional, help: "Queries.")
    var queries = 1000
    @Option(parsing: .unconditional, help: "Clusters the descriptors are drawn around.")
    var clusters = 1000
    @Option(parsing: .unconditional, help: "Random seed.")
    var seed = 0
    @Option(help: "IVF-PQ parameters (nlist, m, nprobe).")
    var ivfpq = ""
    @Option(help: "HNSW parameters (hnsw_m, ef_search).")
    var hnsw = ""

    func run() throws {
        try OptionCheck.number(count, "--count", .between(1, 100_000_000), command: "index bench", example: "1000000")
        try OptionCheck.number(dimension, "--dimension", .between(1, 65_536), command: "index bench", example: "512")
        try OptionCheck.number(queries, "--queries", .between(1, 1_000_000), command: "index bench", example: "1000")
        try OptionCheck.number(clusters, "--clusters", .between(1, Double(count)), command: "index bench", example: "1000")
        try OptionCheck.number(seed, "--seed", .atLeast(0), command: "index bench", example: "0")
        // Line-buffered, so that a long run shows each kind as it finishes, also into a file.
        setvbuf(stdout, nil, _IOLBF, 0)
        var bench = IndexBenchmark()
        (bench.count, bench.dimension, bench.queries, bench.clusters, bench.seed) = (count, dimension, queries, clusters, UInt64(seed))
        bench.ivfpq = try GalleryIndex.Options(kind: .ivfpq, parameters: ivfpq)
        bench.hnsw = try GalleryIndex.Options(kind: .hnsw, parameters: hnsw)
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        print(
            "index bench: \(count) x \(dimension) descriptors, \(queries) queries, k 10, \(clusters) clusters, seed \(seed); \(cpu), \(Parallel.threadCount) threads"
        )
        let rows = try bench.run { print($0) }
        let exact = rows[0].queriesPerSecond, flat = rows[1].queriesPerSecond
        print(String(format: "exact / FAISS flat queries/s: %.2f", exact / flat))
    }
}
