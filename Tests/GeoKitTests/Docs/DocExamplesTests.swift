import GeoKit
import XCTest

/// The code shown in docs/engine.md, kept compiling and running.
final class DocExamplesTests: XCTestCase {
    func testEngineGuideExampleTrains() {
        GlobalRandom.seed(0)
        var g = RandomGenerator(seed: 1)
        let net = Sequential {
            Conv2d(3, 16, kernelSize: 3, padding: 1); BatchNorm(16); ReLU()
            AdaptiveAvgPool2d((1, 1)); Flatten(); Linear(16, 4)
        }
        let optimizer = AdamW(parameters: net.parameters(), learningRate: 1e-3)
        let x = Tensor.randn([8, 3, 32, 32], generator: &g)
        let loss = net(x).crossEntropy(targets: [0, 1, 2, 3, 0, 1, 2, 3], labelSmoothing: 0.1)
        let before = net.parameters().map { $0.scalars(as: Float.self) }
        loss.backward()
        optimizer.step()
        XCTAssertEqual(loss.shape, [])
        XCTAssertTrue(zip(before, net.parameters()).allSatisfy { $0 != $1.scalars(as: Float.self) }, "every parameter moved")
    }
}
