import XCTest
import GeoKit

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
        XCTAssertEqual(entry.storedAs, .i64)
        XCTAssertEqual(entry.tensor.shape, [])
        XCTAssertEqual(bn.parameters().count, 2, "running statistics are buffers, not parameters")
    }

    func testPoolingLayersDefaultTheStrideToTheKernel() {
        let x = Tensor.randn([1, 2, 8, 8], seed: 2)
        XCTAssertEqual(MaxPool2d(kernel: 2)(x).shape, [1, 2, 4, 4])
        XCTAssertEqual(AvgPool2d(kernel: 4)(x).shape, [1, 2, 2, 2])
        XCTAssertEqual(AdaptiveAvgPool2d(1)(x).shape, [1, 2, 1, 1])
        XCTAssertEqual(Flatten()(AdaptiveAvgPool2d(1)(x)).shape, [1, 2])
    }
}
