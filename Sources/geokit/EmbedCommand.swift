import ArgumentParser
import Foundation
import GeoKit

/// `geokit embed IMAGES... --out X.npy`: descriptors of images with a trained model.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the L2-normalised descriptors of images (one row per image, in argument order) as a float32 .npy.")

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    @OptionGroup var model: TrainedModelOptions

    @Option(help: "Which branch the images go through: ground (panoramas) or aerial (tiles, polar-transformed if the recipe says so).")
    var view: CrossView = .ground

    @Option(help: "Output .npy file (N, D).")
    var out: String

    func run() throws {
        guard !images.isEmpty else { throw GeoKitError("no images given", remedy: "pass one or more image files") }
        for image in images { try OptionCheck.inputFile(image, "the image") }
        try OptionCheck.outputFile(out, "--out")
        let (recipe, model) = try model.load()
        let descriptors = try model.embed(
            files: images.map { URL(fileURLWithPath: $0) }, view: view, input: model.viewInput(try recipe.requireDataset()),
            progress: ProgressBar(label: "embed", unit: "images"))
        try NPY.write(descriptors, to: URL(fileURLWithPath: out))
        print("wrote \(descriptors.shape[0]) x \(descriptors.shape[1]) descriptors to \(out)")
    }
}
