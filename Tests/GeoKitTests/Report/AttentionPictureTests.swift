import GeoKit
import XCTest

/// Attention pictures: the class-activation map follows the input, and the
/// attention components' own maps (USAM, LPN parts) are drawn with it.
final class AttentionPictureTests: XCTestCase {
    private func model(
        attention: String? = nil, aggregator: String = "gem", parameters: [String: ParameterValue] = [:], height: Int = 64
    ) throws -> (CrossViewModel, ViewInput) {
        InTreePlugins.load()
        let recipe = Recipe("explain") {
            Dataset.synthetic(locations: 40, ground: .panorama(height, 4 * height), aerial: .polar(height, 4 * height))
            Model(shareWeights: true) {
                Backbone("resnet18")
                if let attention { Attention(attention) }
                Aggregator(aggregator, parameters)
            }
            Loss("infonce")
            Train(epochs: 1, batchSize: 4)
        }
        GlobalRandom.seed(3)
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        return (model, model.viewInput(try recipe.requireDataset()))
    }

    /// A bright square on a dark panorama at `column`.
    private func panorama(brightAt column: Int) -> Image {
        var image = Image(height: 64, width: 256, channels: 3, value: 20)
        for y in 16..<48 { for x in column..<(column + 32) { for c in 0..<3 { image[y, x, c] = 235 } } }
        return image
    }

    func testTheActivationMapDiffersBetweenTwoInputsAndIsDrawnOverEach() throws {
        let (model, input) = try model()
        let left = try AttentionPicture(model: model, image: panorama(brightAt: 16), view: .ground, input: input)
        let right = try AttentionPicture(model: model, image: panorama(brightAt: 200), view: .ground, input: input)
        XCTAssertEqual(left.maps.map(\.title), ["class activation (final features)"], "gem has no map of its own")
        let (a, b) = (left.maps[0].values, right.maps[0].values)
        XCTAssertEqual([left.maps[0].height, left.maps[0].width], [2, 8], "resnet18's 1/32 map of 64x256")
        let difference = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 0.2, "maps \(a) and \(b)")
        let pictures = try [left, right].map { try ImageChecks.throughPNG(AttentionPicture.render([$0])) }
        XCTAssertEqual(pictures[0].width, pictures[1].width)
        XCTAssertNotEqual(pictures[0].pixels, pictures[1].pixels, "the heat maps drawn differ")
        // Two panels (input, map) of 128 rows at the panorama's 4:1: 10 + 2 * (512 + 10) wide.
        XCTAssertEqual([pictures[0].width, pictures[0].height], [1054, 10 + 18 + 128 + 10])
    }

    func testUSAMsKeypointMapJoinsTheActivationMap() throws {
        let (model, input) = try model(attention: "usam")
        let picture = try AttentionPicture(model: model, image: panorama(brightAt: 100), view: .aerial, input: input)
        XCTAssertEqual(picture.maps.map(\.title), ["class activation (final features)", "USAM keypoint map"])
        XCTAssertEqual([picture.input.height, picture.input.width], [64, 256], "drawn over the polar image the network sees")
    }

    func testTripletAttentionsSpatialGateAndSAFAsHeadsAreDrawn() throws {
        let (model, input) = try model(attention: "triplet", aggregator: "safa", parameters: ["height": .int(2), "width": .int(8)])
        let picture = try AttentionPicture(model: model, image: panorama(brightAt: 100), view: .ground, input: input)
        XCTAssertEqual(
            picture.maps.map(\.title),
            ["class activation (final features)", "Triplet Attention spatial gate"] + (1...4).map { "SAFA spatial weights \($0) of 8" })
        XCTAssertTrue(picture.maps.allSatisfy { [$0.height, $0.width] == [2, 8] }, "every map is over the 2 x 8 feature map")
        let safa = try XCTUnwrap((model.ground.aggregator as? AttentionMapReporting)?.lastMap)
        XCTAssertEqual(safa.shape, [1, 8, 2, 8], "one map per head")
    }

    func testLPNsRingPartsCoverTheMapOnceEach() throws {
        // 128 x 512 images: a 4 x 16 map, two rings of at least one row and column.
        let (model, input) = try model(aggregator: "lpn", parameters: ["blocks": .int(2)], height: 128)
        let picture = try AttentionPicture(model: model, image: panorama(brightAt: 100), view: .ground, input: input)
        XCTAssertEqual(picture.maps.map(\.title), ["class activation (final features)", "LPN part 1 of 2", "LPN part 2 of 2"])
        let lpn = try XCTUnwrap(model.ground.aggregator as? AttentionMapReporting)
        let parts = try XCTUnwrap(lpn.lastMap)
        let (h, w) = (parts.shape[2], parts.shape[3])
        let v = parts.scalars(as: Float.self)
        for i in 0..<(h * w) { XCTAssertEqual(v[i] + v[h * w + i], 1, "position \(i) is in exactly one part") }
        XCTAssertEqual(v[0], 1, "the corner is in the outer ring, part 1")
        XCTAssertEqual(v[h * w + (h / 2) * w + w / 2], 1, "the centre is in the inner ring, part 2")
    }
}
