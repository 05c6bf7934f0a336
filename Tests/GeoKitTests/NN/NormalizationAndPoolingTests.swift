import GeoKit
import XCTest

/// The torch model `normalized_cnn` of Tests/reference/fixtures_nn.py, layer for layer.
func makeNormalizedCNN() -> Sequential {
    Sequential {
        Conv2d(3, 8, kernelSize: 3, padding: 1, bias: false)
        BatchNorm2d(8)
        ReLU()
        MaxPool2d(kernel: 2)
        Conv2d(8, 8, kernelSize: 3, padding: 1)
        BatchNorm2d(8, eps: 1e-3, momentum: 0.2)
        AvgPool2d(kernel: 3, stride: 1, padding: 1, countIncludePad: false)
        LayerNorm(8, channelsFirst: true)
        MaxPool2d(kernel: 3, stride: 1, padding: 1)
        AvgPool2d(kernel: 2)
        AdaptiveAvgPool2d((2, 1))
        Flatten()
        Linear(16, 6)
        BatchNorm1d(6)
        LayerNorm(6)
    }
}

final class NormalizationAndPoolingTests: XCTestCase {
    /// Training: batch statistics normalise, running statistics and the batch counter update as in torch.
    func testTrainingMatchesTorch() throws {
        try TorchModelFixture("cnn_bn").assertMatches(makeNormalizedCNN())
    }

    /// Evaluation with the running statistics torch had after its training pass.
    func testEvaluationMatchesTorch() throws {
        let model = makeNormalizedCNN()
        model.eval()
        try TorchModelFixture("cnn_bn_eval").assertMatches(model)
    }

    func testBatchNormCountsTrainingBatchesOnlyAndSavesTheCountAsAnInteger() throws {
        let bn = BatchNorm(3)
        let x = Tensor.randn([4, 3, 2, 2], seed: 1)
        _ = bn(x)
        _ = bn(x)
        bn.eval()
        _ = bn(x)
        XCTAssertEqual(bn.numBatchesTracked.item, 2)
        let entry = try XCTUnwrap(bn.stateDict().first { $0.name == "num_batches_tracked" })
        XCTAssertTrue(entry.isInteger)
        XCTAssertEqual(entry.tensor.shape, [])
        XCTAssertEqual(bn.parameters().count, 2, "running statistics are buffers, not parameters")
    }

    /// The trainer-level case of NaN propagation: a model whose BatchNorm running variance is negative
    /// (a corrupted or hand-edited checkpoint) gives NaN descriptors in evaluation, the descriptors
    /// `embed` and the held-out figures use, so a NaN check there can see it. (When relu mapped NaN
    /// to 0, these descriptors were finite and the evaluation reported plausible recalls.)
    func testANegativeRunningVarianceMakesEvaluationDescriptorsNaN() throws {
        InTreePlugins.load()
        let recipe = Recipe("negative-variance") {
            Dataset.synthetic(locations: 8, ground: .panorama(32, 128), aerial: .polar(32, 128))
            Model {
                Backbone("resnet18"); Aggregator("gem")
            }
            Loss("infonce")
        }
        let model = try CrossViewModel(recipe: recipe)
        model.eval()
        let images = Tensor.randn([2, 3, 32, 128], seed: 4)
        let healthy = noGrad { model.ground(images).l2Normalized() }
        XCTAssertEqual(healthy.shape, [2, 512])
        XCTAssertTrue(healthy.scalars(as: Float.self).allSatisfy(\.isFinite))
        let variance = try XCTUnwrap(model.namedBuffers().first { $0.name == "backbone.layer1.0.bn1.running_var" }).tensor
        variance.pointer(Float.self)[3] = -1
        // Channel 3 is NaN after that BatchNorm; relu keeps it, the next 3x3 convolution spreads it to every channel.
        let descriptors = noGrad { model.ground(images).l2Normalized() }
        XCTAssertTrue(descriptors.scalars(as: Float.self).allSatisfy(\.isNaN), "every descriptor element must be NaN")
        // Embedding for evaluation refuses such a model instead of scoring its NaN descriptors.
        let input = ViewInput(dataset: try XCTUnwrap(recipe.dataset))
        let photos = (0..<2).map { Image(height: 32, width: 128, channels: 3, value: UInt8(40 + 50 * $0)) }
        XCTAssertThrowsError(try model.embed(photos, view: .ground, input: input)) { error in
            XCTAssertTrue("\(error)".contains("the model's descriptors of 2 ground images hold 1024 NaN or infinite values of 1024"), "\(error)")
        }
    }

    func testPoolingLayersDefaultTheStrideToTheKernel() {
        let x = Tensor.randn([1, 2, 8, 8], seed: 2)
        XCTAssertEqual(MaxPool2d(kernel: 2)(x).shape, [1, 2, 4, 4])
        XCTAssertEqual(MaxPool2d(kernel: 2)(x).scalars(as: Float.self), x.maxPool2d(kernel: 2, stride: 2).scalars(as: Float.self))
        XCTAssertEqual(AvgPool2d(kernel: 4)(x).shape, [1, 2, 2, 2])
        XCTAssertEqual(AvgPool2d(kernel: 4)(x).scalars(as: Float.self), x.avgPool2d(kernel: 4, stride: 4).scalars(as: Float.self))
        XCTAssertEqual(AdaptiveAvgPool2d(1)(x).shape, [1, 2, 1, 1])
        // Global average pooling: each channel's mean.
        let means = x.mean(axes: [2, 3]).scalars(as: Float.self)
        for (pooled, mean) in zip(Flatten()(AdaptiveAvgPool2d(1)(x)).scalars(as: Float.self), means) {
            XCTAssertEqual(pooled, mean, accuracy: 1e-6)
        }
    }
}
