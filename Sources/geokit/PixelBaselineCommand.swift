import ArgumentParser
import Foundation
import GeoKit

/// `geokit pixel-baseline DIR`: ground-to-aerial retrieval by raw pixels on a CVUSA-layout test split.
struct PixelBaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixel-baseline",
        abstract: "Recall@K of nearest-neighbour retrieval on raw downsampled pixels (polar-transformed aerial vs panorama).",
        discussion: "Reads the val split of a CVUSA-layout directory (e.g. from `geokit synth`). A learned model must beat this floor.")

    @Argument(help: "CVUSA-layout dataset root.")
    var root: String

    @Option(parsing: .unconditional, help: "Thumbnail size HxW used as the descriptor.")
    var thumbnail: String = "16x64"

    @Option(parsing: .unconditional, help: "Use at most this many test pairs (0 = all).")
    var limit: Int = 0

    func run() throws {
        let (h, w) = try parseSize(thumbnail, option: "--thumbnail")
        try OptionCheck.number(limit, "--limit", .atLeast(0), command: "pixel-baseline", example: "100")
        let dataset = try CVUSADataset(root: URL(fileURLWithPath: root))
        let pairs = limit > 0 ? Array(dataset.test.prefix(limit)) : dataset.test
        guard !pairs.isEmpty else {
            throw GeoKitError("the dataset's test split is empty", where: root, remedy: "point it at a CVUSA-layout directory with a val split (geokit synth)")
        }
        let aerials = try pairs.map { try Image(contentsOf: $0.aerial) }
        let grounds = try pairs.map { try Image(contentsOf: $0.ground) }
        let recall = RawPixelBaseline.recall(aerials: aerials, grounds: grounds, height: h, width: w)
        print(
            "raw-pixel retrieval over \(pairs.count) test locations (thumbnail \(h)x\(w)): "
                + recall.keys.sorted().map { String(format: "R@%d %.1f%%", $0, recall[$0]!) }.joined(separator: ", "))
    }
}
