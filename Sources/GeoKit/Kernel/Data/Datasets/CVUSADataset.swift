import Foundation
import GeoKitCore

/// One aerial/ground pair of a cross-view dataset.
public struct CrossViewPair: Sendable, Equatable {
    public let id: String
    public let aerial: URL
    public let ground: URL
}

/// CVUSA as published: `splits/train-19zl.csv` and `splits/val-19zl.csv`,
/// each row `bingmap/...jpg,streetview/...jpg[,annotation]` relative to the root.
public struct CVUSADataset: Sendable {
    public let root: URL
    public let train: [CrossViewPair]
    public let test: [CrossViewPair]
    /// Rows dropped by `skipMissing` (their files do not exist).
    public let skipped: Int

    /// Reads both split files. A missing image is an error naming its path,
    /// unless `skipMissing` drops such rows (counted in `skipped`).
    public init(root: URL, skipMissing: Bool = false) throws {
        self.root = root
        var skipped = 0
        func read(_ name: String) throws -> [CrossViewPair] {
            let url = root.appendingPathComponent("splits/\(name)")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw GeoKitError(
                    "cannot read the CVUSA split file", where: url.path,
                    remedy: "point at a CVUSA root holding splits/train-19zl.csv and splits/val-19zl.csv")
            }
            var pairs: [CrossViewPair] = []
            for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count >= 2 else {
                    throw GeoKitError(
                        "line \(number + 1) has \(fields.count) fields, expected aerial,ground[,annotation]",
                        where: url.path, remedy: "fix or regenerate the split file")
                }
                let aerial = root.appendingPathComponent(fields[0]), ground = root.appendingPathComponent(fields[1])
                for file in [aerial, ground] where !FileManager.default.fileExists(atPath: file.path) {
                    if skipMissing { skipped += 1; break }
                    throw GeoKitError(
                        "missing image listed in \(name) line \(number + 1)", where: file.path,
                        remedy: "restore the file, or pass skipMissing to drop such rows")
                }
                guard FileManager.default.fileExists(atPath: aerial.path), FileManager.default.fileExists(atPath: ground.path) else { continue }
                let id = (fields[0] as NSString).lastPathComponent.components(separatedBy: ".").first ?? fields[0]
                pairs.append(CrossViewPair(id: id, aerial: aerial, ground: ground))
            }
            return pairs
        }
        train = try read("train-19zl.csv")
        test = try read("val-19zl.csv")
        self.skipped = skipped
    }
}
