import GeoKit
import XCTest

/// The torch model `cnn` of Tests/reference/fixtures_nn.py, layer for layer.
func makeCNN() -> Sequential {
    Sequential {
        Conv2d(3, 8, kernelSize: 3, padding: 1)
        ReLU()
        Conv2d(8, 8, kernelSize: 3, stride: 2, padding: 1, groups: 2, bias: false)
        GELU()
        Dropout(0.5)
        Conv2d(8, 8, kernelSize: 3, padding: 1, groups: 8)
        Conv2d(8, 4, kernelSize: (1, 3), stride: (2, 1), padding: (0, 2), dilation: (1, 2))
    }
}

final class LayerTests: XCTestCase {
    func testConvolutionsMatchTorch() throws {
        let model = makeCNN()
        model.eval()
        try TorchModelFixture("cnn").assertMatches(model)
    }

    func testConv2dInitialisesLikeTorch() {
        GlobalRandom.seed(5)
        let conv = Conv2d(16, 32, kernelSize: 3, groups: 4)
        XCTAssertEqual(conv.weight.shape, [32, 4, 3, 3])
        let bound = Float(1 / 36.0.squareRoot())
        let weights = conv.weight.scalars(as: Float.self), biases = conv.bias!.scalars(as: Float.self)
        XCTAssertTrue(weights.allSatisfy { abs($0) <= bound })
        XCTAssertTrue(biases.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(weights.map(abs).max()!, 0.9 * bound)
        // U(-bound, bound) has standard deviation bound / sqrt(3); 1,152 weights estimate it within a few percent.
        let std = (weights.map { Double($0 * $0) }.reduce(0, +) / Double(weights.count)).squareRoot()
        XCTAssertEqual(std, Double(bound) / 3.0.squareRoot(), accuracy: 0.05 * Double(bound))
        XCTAssertNil(Conv2d(3, 3, kernelSize: 1, bias: false).bias)
        XCTAssertEqual(Conv2d(3, 3, kernelSize: 1, bias: false).stateDict().map(\.name), ["weight"])
    }

    func testDropoutDropsOnlyWhileTraining() {
        let x = Tensor.ones([10_000])
        let dropout = Dropout(0.3, generator: RandomGenerator(seed: 9))
        let y = dropout(x).scalars(as: Float.self)
        let dropped = Double(y.filter { $0 == 0 }.count) / Double(y.count)
        XCTAssertEqual(dropped, 0.3, accuracy: 0.02)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - Float(1 / 0.7)) < 1e-6 })
        dropout.eval()
        XCTAssertTrue(dropout(x) === x)
    }

    func testDropoutUsesItsOwnGeneratorOrTheGlobalOne() {
        let x = Tensor.ones([64])
        var reference = RandomGenerator(seed: 9)
        let first = x.dropout(0.5, training: true, generator: &reference)
        let second = x.dropout(0.5, training: true, generator: &reference)
        let dropout = Dropout(0.5, generator: RandomGenerator(seed: 9))
        XCTAssertEqual(dropout(x).scalars(as: Float.self), first.scalars(as: Float.self))
        XCTAssertEqual(dropout(x).scalars(as: Float.self), second.scalars(as: Float.self), "the module's generator advances")

        GlobalRandom.seed(11)
        let a = Dropout(0.5)(x).scalars(as: Float.self)
        GlobalRandom.seed(11)
        XCTAssertEqual(Dropout(0.5)(x).scalars(as: Float.self), a)
    }

    func testDropPathDropsWholeSamples() {
        let x = Tensor.ones([1000, 2, 3])
        let dropPath = DropPath(0.25, generator: RandomGenerator(seed: 3))
        let y = dropPath(x).scalars(as: Float.self)
        var droppedSamples = 0
        for sample in 0..<1000 {
            let values = Set(y[(sample * 6)..<(sample * 6 + 6)])
            XCTAssertEqual(values.count, 1, "sample \(sample) is dropped whole or kept whole")
            if values == [0] { droppedSamples += 1 }
        }
        XCTAssertEqual(Double(droppedSamples) / 1000, 0.25, accuracy: 0.05)
        dropPath.eval()
        XCTAssertTrue(dropPath(x) === x)
        XCTAssertTrue(DropPath()(x) === x, "rate 0 is the identity")
    }

    func testSequentialBuildsWithControlFlowAndIndexes() {
        let deep = true
        let model = Sequential {
            Linear(4, 4)
            if deep { ReLU(); Linear(4, 4) }
            for _ in 0..<2 { Identity() }
        }
        XCTAssertEqual(model.count, 5)
        XCTAssertTrue(model[2] is Linear)
        XCTAssertEqual(model.stateDict().map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias"])
        model.append(Linear(4, 2))
        XCTAssertEqual(model(Tensor.zeros([3, 4])).shape, [3, 2])
    }

    func testFlattenKeepsTheLeadingAxes() {
        let x = Tensor.zeros([2, 3, 4, 5])
        XCTAssertEqual(Flatten()(x).shape, [2, 60])
        XCTAssertEqual(Flatten(startAxis: 2)(x).shape, [2, 3, 20])
    }
}
