import ArgumentParser
import Foundation
import GeoKit

/// `geokit search IMAGE --gallery DIR`: the nearest aerial references of a ground image, with their GPS.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find the top-k aerial references of a ground image in a CVUSA-layout gallery, printing their ids, GPS and distances.",
        discussion:
            "The gallery is the test split of a CVUSA-layout directory (its aerial images); GPS comes from its gps.csv when present. Distance is the Euclidean distance of the L2-normalised descriptors, sqrt(2 - 2 cos)."
    )

    @Argument(help: "The query image (a ground panorama, or an aerial tile with --view aerial).")
    var image: String

    @Option(help: "CVUSA-layout gallery directory (embedded on every call; see --index).")
    var gallery: String?

    @Option(help: "A gallery index from geokit index build, searched instead of embedding a --gallery (with --model).")
    var index: String?

    @Option(help: "With --index: the exported model directory the index was built with (geokit export --out).")
    var model: String?

    @Option(name: .customLong("query-gps"), help: "With --index: the query's LAT,LON (degrees), to report each hit's distance in metres.")
    var queryGPS: String?

    @Flag(help: "With --index: print the hits as JSON.")
    var json = false

    @OptionGroup var trained: TrainedModelOptions

    @Option(help: "The query's view.")
    var view: CrossView = .ground

    @Option(
        name: .short, parsing: .unconditional, help: "How many references to print (at least 1; more than the gallery holds prints the whole gallery, ranked).")
    var k: Int = 5

    @Option(
        help:
            "Also draw the query beside its top-k references (rank, distance; the true one framed when the query is a gallery location's, with the error in metres where GPS is known) as a PNG."
    )
    var picture: String?

    func run() throws {
        try OptionCheck.number(k, "-k", .atLeast(1), command: "search", example: "5")
        try OptionCheck.inputFile(image, "the query image")
        if let picture { try OptionCheck.outputFile(picture, "--picture") }
        if let index { return try searchIndex(index) }
        guard let gallery else { throw GeoKitError("no gallery given", where: "geokit search", remedy: "pass --gallery DIR, or --index FILE --model DIR") }
        let (recipe, model) = try trained.load()
        let root = URL(fileURLWithPath: gallery)
        let dataset = try CVUSADataset(root: root)
        let references = dataset.test
        guard !references.isEmpty else { throw GeoKitError("the gallery's test split is empty", where: gallery) }
        let input = model.viewInput(try recipe.requireDataset())
        let galleryView: CrossView = view == .ground ? .aerial : .ground
        let galleryDescriptors = try model.embed(
            files: references.map { galleryView == .aerial ? $0.aerial : $0.ground }, view: galleryView, input: input,
            progress: ProgressBar(label: "index", unit: "images"))
        let query = try model.embed(files: [URL(fileURLWithPath: image)], view: view, input: input)
        let gps = GPSTable.geographicPositions(in: root)
        let clamped = k > references.count ? " (-k \(k) is more than the gallery holds)" : ""
        print("top \(min(k, references.count)) of \(references.count) references for \(image)\(clamped):")
        let hits = Similarity.topK(queries: query, gallery: galleryDescriptors, k: min(k, references.count))[0]
        for (rank, hit) in hits.enumerated() {
            let reference = references[hit.index]
            let distance = (max(0, 2 - 2 * Double(hit.similarity))).squareRoot()
            let position = gps[reference.id].map { String(format: "%.6f, %.6f", $0.0, $0.1) } ?? "no GPS"
            print(
                String(
                    format: "%2d. %@  (%@)  distance %.4f  %@", rank + 1, reference.id, position, distance,
                    (galleryView == .aerial ? reference.aerial : reference.ground).path))
        }
        if let picture { try draw(hits, references: references, galleryView: galleryView, gps: gps, to: picture) }
    }

    /// The query is a gallery location's when its file is that location's image of the query view.
    private func draw(
        _ hits: [(index: Int, similarity: Float)], references: [CrossViewPair], galleryView: CrossView, gps: [String: (Double, Double)],
        to picture: String
    ) throws {
        let queryURL = URL(fileURLWithPath: image).standardizedFileURL
        let own = references.firstIndex { (galleryView == .aerial ? $0.ground : $0.aerial).standardizedFileURL == queryURL }
        let origin = own.flatMap { gps[references[$0].id] }
        let tiles = try hits.enumerated().map { rank, hit in
            let reference = references[hit.index]
            return RetrievalPicture.Hit(
                image: try Image(contentsOf: galleryView == .aerial ? reference.aerial : reference.ground), rank: rank + 1,
                distance: (max(0, 2 - 2 * Double(hit.similarity))).squareRoot(), isTrue: hit.index == own,
                metres: origin.flatMap { from in gps[reference.id].map { GPSTable.haversineMetres(from.0, from.1, $0.0, $0.1) } })
        }
        let row = RetrievalPicture.Row(
            query: try Image(contentsOf: queryURL), caption: "query " + (own.map { references[$0].id } ?? queryURL.lastPathComponent), hits: tiles)
        try AtomicFile.write(PNG.encode(RetrievalPicture(rows: [row]).png()), to: URL(fileURLWithPath: picture))
        print("wrote the picture to \(picture)")
    }
}
