import ArgumentParser
import Foundation
import GeoKit

/// `geokit search IMAGE --index FILE --model DIR`: the top-k of a query in a prebuilt gallery index.
extension SearchCommand {
    func searchIndex(_ path: String) throws {
        guard let model else {
            throw GeoKitError("--index needs --model", where: "geokit search", remedy: "pass --model DIR, the exported model the index was built with")
        }
        let origin = try queryGPS.map(parsePosition)
        let index = try GalleryIndex.load(from: URL(fileURLWithPath: path))
        startKernel()
        let exported = try ExportedModel.load(URL(fileURLWithPath: model))
        guard index.model.isEmpty || index.model == exported.config.identity else {
            throw GeoKitError(
                "the index was built with another model (\(index.model)), not \(exported.config.identity)", where: path,
                remedy: "pass the --model the index was built with, or build the index again with this one")
        }
        guard index.dimension == exported.config.descriptorSize else {
            throw GeoKitError(
                "the index holds \(index.dimension)-d descriptors, the model makes \(exported.config.descriptorSize)-d", where: path,
                remedy: "pass the --model the index was built with")
        }
        guard view != index.view else {
            throw GeoKitError(
                "the index's references are \(index.view) images, and so is the query (--view \(view.rawValue))", where: path,
                remedy: "search with a query of the other view")
        }
        let query = try exported.embed(files: [URL(fileURLWithPath: image)], view: view)
        let hits = try index.search(query.scalars(as: Float.self), k: k)[0]
        struct Hit: Encodable {
            let rank: Int, id: String, score: Float, distance: Double
            let latitude: Double?, longitude: Double?, metres: Double?
        }
        let rows = hits.enumerated().map { rank, hit in
            let position = index.positions[hit.index]
            return Hit(
                rank: rank + 1, id: index.ids[hit.index], score: hit.score, distance: max(0, 2 - 2 * Double(hit.score)).squareRoot(),
                latitude: position?.latitude, longitude: position?.longitude, metres: origin.flatMap { o in position.map { o.metres(to: $0) } })
        }
        if json {
            struct Output: Encodable { let query: String, index: String, kind: String, references: Int, hits: [Hit] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(query: image, index: path, kind: index.options.kind.rawValue, references: index.count, hits: rows)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        print("top \(rows.count) of \(index.count) references in \(path) for \(image):")
        for row in rows {
            let position = row.latitude.map { String(format: "%.6f, %.6f", $0, row.longitude!) } ?? "no GPS"
            let metres = row.metres.map { String(format: "  %.0f m away", $0) } ?? ""
            print(String(format: "%2d. %@  (%@)  distance %.4f%@", row.rank, row.id, position, row.distance, metres))
        }
    }
}

/// "LAT,LON" in degrees, or one error naming --query-gps.
private func parsePosition(_ text: String) throws -> GeoPosition {
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let latitude = parts[0], let longitude = parts[1], GeoPosition(latitude: latitude, longitude: longitude).isValid else {
        throw GeoKitError(
            "--query-gps must be LAT,LON in degrees (latitude -90...90, longitude -180...180), got '\(text)'", where: "geokit search",
            remedy: "write e.g. --query-gps 40.7128,-74.0060")
    }
    return GeoPosition(latitude: latitude, longitude: longitude)
}
