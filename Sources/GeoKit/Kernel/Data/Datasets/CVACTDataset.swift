import Foundation
import GeoKitCore

/// CVACT as published (Liu and Li, CVPR 2019): `ACT_data.mat` holds `panoIds` (one id per location), `utm`
/// (N x 2, metres) and the structs `trainSet.trainInd`, `valSet.valInd`, `valSetAll.valInd` (1-based indices into
/// `panoIds`). Training and validation images are under `ANU_data_small/`, the test set's under `ANU_data_test/`:
/// `streetview/<id>_grdView.jpg` (ground panorama) and `satview_polish/<id>_satView_polish.jpg` (aerial).
/// Ids whose two images are not both present are skipped (the published download lacks a few), and counted.
public struct CVACTDataset: Sendable {
    /// The evaluation split: CVACT_val (8,884 pairs from `valSet`) or CVACT_test (about 92,802 from `valSetAll`).
    public enum EvaluationSplit: String, Sendable, CaseIterable { case val, test }

    public let root: URL
    public let train: [CrossViewPair]
    public let test: [CrossViewPair]
    /// UTM easting/northing (metres) of every pair of `train` and `test`, by pair id.
    public let utm: [String: (east: Double, north: Double)]
    /// Ids listed in the split files whose images are missing (skipped).
    public let skipped: Int

    public static let matFile = "ACT_data.mat"

    public init(root: URL, evaluation: EvaluationSplit = .val) throws {
        self.root = root
        let url = root.appendingPathComponent(Self.matFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GeoKitError(
                "not a CVACT root (no \(Self.matFile))", where: root.path,
                remedy: "point at the folder holding ACT_data.mat, ANU_data_small/ and ANU_data_test/ (or generate one with geokit synth --layout cvact)")
        }
        let mat = try MATFile.read(url, variables: ["panoIds", "utm", "trainSet", evaluation == .val ? "valSet" : "valSetAll"])
        guard let ids = mat["panoIds"]?.strings else {
            throw GeoKitError("panoIds is \(mat["panoIds"]!.kind), not a list of ids", where: url.path, remedy: "the file is damaged or not CVACT's")
        }
        guard case .numeric(let utmDims, let utmValues)? = mat["utm"], utmDims.count == 2, utmDims[0] == ids.count, utmDims[1] >= 2 else {
            throw GeoKitError(
                "utm is \(mat["utm"]!.kind), expected \(ids.count) x 2 (one easting/northing per panoId)", where: url.path,
                remedy: "the file is damaged or not CVACT's")
        }
        var utm: [String: (east: Double, north: Double)] = [:]
        var skipped = 0
        func indices(_ structName: String, _ fieldName: String) throws -> [Int] {
            guard let field = mat[structName]?.field(fieldName), let numbers = field.numbers else {
                throw GeoKitError(
                    "\(structName).\(fieldName) is missing or not numeric (\(mat[structName]!.kind))", where: url.path,
                    remedy: "the file is damaged or not CVACT's")
            }
            return try numbers.map { value in
                guard value == value.rounded(), value >= 1, value <= Double(ids.count) else {
                    throw GeoKitError(
                        "\(structName).\(fieldName) holds \(value), not a 1-based index into the \(ids.count) panoIds", where: url.path,
                        remedy: "the file is damaged or not CVACT's")
                }
                return Int(value) - 1
            }
        }
        func pairs(_ indices: [Int], folder: String) -> [CrossViewPair] {
            indices.compactMap { i in
                let id = ids[i]
                let ground = root.appendingPathComponent("\(folder)/streetview/\(id)_grdView.jpg")
                let aerial = root.appendingPathComponent("\(folder)/satview_polish/\(id)_satView_polish.jpg")
                guard FileManager.default.fileExists(atPath: ground.path), FileManager.default.fileExists(atPath: aerial.path) else {
                    skipped += 1
                    return nil
                }
                utm[id] = (utmValues[i], utmValues[i + ids.count])
                return CrossViewPair(id: id, aerial: aerial, ground: ground)
            }
        }
        train = pairs(try indices("trainSet", "trainInd"), folder: "ANU_data_small")
        test =
            evaluation == .val
            ? pairs(try indices("valSet", "valInd"), folder: "ANU_data_small")
            : pairs(try indices("valSetAll", "valInd"), folder: "ANU_data_test")
        self.utm = utm
        self.skipped = skipped
    }

    /// The GPS sampler's table: UTM positions, so neighbours are by Euclidean distance in metres.
    public var locations: GPSTable {
        GPSTable(
            entries: [("train", train), ("test", test)].flatMap { split, pairs in
                pairs.map { GPSTable.Entry(split: split, id: $0.id, position: .planar(east: utm[$0.id]!.east, north: utm[$0.id]!.north)) }
            })
    }
}
