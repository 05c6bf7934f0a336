import ArgumentParser
import Foundation
import GeoKit

/// `geokit gps --layout L ROOT --out gps.csv`: the GPS sampler's table from a dataset's own location data.
struct GPSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gps",
        abstract: "Write the GPS sampler's table (split,id,position) from a dataset's own location data.",
        discussion:
            "cvusa: the published split_locations/all.csv (ground positions); cvact: ACT_data.mat's UTM table (metres); vigor: the positions in the panorama file names. Training reads the same data by itself; the table is for inspection and other tools. See docs/data.md."
    )

    @Argument(help: "The dataset root.")
    var root: String

    @Option(help: "The dataset layout: cvusa, cvact or vigor.")
    var layout: String

    @Option(help: "VIGOR's split: same or cross.")
    var area: String = "same"

    @Option(help: "The table to write (CSV).")
    var out: String

    func run() throws {
        let url = URL(fileURLWithPath: root)
        let table: GPSTable
        switch layout {
        case "cvusa":
            guard let list = try CVUSADataset(root: url).locations() else {
                throw GeoKitError(
                    "the CVUSA root has no published location list", where: url.appendingPathComponent(CVUSADataset.locationList).path,
                    remedy: "copy split_locations/all.csv from the CVUSA download into the root")
            }
            table = list
        case "cvact": table = try CVACTDataset(root: url).locations
        case "vigor":
            guard let area = VIGORDataset.Area(rawValue: area) else {
                throw GeoKitError("unknown VIGOR area '\(area)'", where: "--area", remedy: "use same or cross")
            }
            let dataset = try VIGORDataset(root: url, area: area)
            table = GPSTable(entries: dataset.train.locations(split: "train").entries + dataset.test.locations(split: "test").entries)
        default:
            throw GeoKitError("unknown layout '\(layout)'", where: "--layout", remedy: "use cvusa, cvact or vigor")
        }
        try AtomicFile.write(Data(table.csv.utf8), to: URL(fileURLWithPath: out))
        let splits = Dictionary(grouping: table.entries, by: \.split).mapValues(\.count).sorted { $0.key > $1.key }
        print("wrote \(table.entries.count) positions (\(splits.map { "\($0.value) \($0.key)" }.joined(separator: ", "))) to \(out)")
    }
}
