import ArgumentParser
import Foundation
import GeoKit

/// `geokit polar IN OUT --size HxW`: SAFA's polar transform of a square aerial image.
struct PolarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polar",
        abstract: "Polar-transform a square north-up aerial image into a pseudo-panorama (docs/methods.md).",
        discussion:
            "Column j of the output looks at compass bearing 180 + 360 j / W degrees (south at the left edge, north in the middle), the convention of `geokit synth` panoramas."
    )

    @Argument(help: "Input aerial image (PNG or JPEG, square).")
    var input: String

    @Argument(help: "Output image (.png, else JPEG).")
    var output: String

    @Option(parsing: .unconditional, help: "Output size HxW, e.g. 128x512 (each side 1...8192).")
    var size: String = "128x512"

    func run() throws {
        let (height, width) = try parseSize(size, option: "--size")
        try OptionCheck.inputFile(input, "the input image")
        try OptionCheck.outputFile(output, "the output image")
        let aerial = try Image(contentsOf: URL(fileURLWithPath: input))
        guard aerial.height == aerial.width else {
            throw GeoKitError(
                "the polar transform needs a square aerial image, got \(aerial.height)x\(aerial.width)",
                where: input, remedy: "crop or resize it to S x S first")
        }
        let polar = PolarTransform(aerialSize: aerial.height, height: height, width: width).apply(aerial)
        try polar.write(to: URL(fileURLWithPath: output))
    }
}
