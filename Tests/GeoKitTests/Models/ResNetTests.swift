import GeoKit
import XCTest

/// ResNet's structure; its numbers against timm are Differential/ResNetDifferentialTests
/// (float64, every gradient) and, for the float32 path, the features below.
final class ResNetTests: XCTestCase {
    /// The float32 network's features against PyTorch's float64 ones (the differential
    /// fixture's b1_64x96 case): float32's forward rounding is ~1e-7 per operation over
    /// ~50 layers; unlike the gradients, the features are continuous in every ReLU input,
    /// so a rounding that flips a kink moves them by no more than that rounding.
    func testFloat32FeaturesMatchPyTorchFloat64() throws {
        let fixture = try Fixture("differential_resnet")
        for depth in ["resnet18", "resnet50"] {
            let name = "\(depth)_b1_64x96"
            let net = try zooBackbone(depth)
            fillDeterministic(net)
            net.eval()
            let y = noGrad { net(wave([1, 3, 64, 96], 1001).to(.float32)) }.scalars(as: Double.self)
            let reference = try fixture.tensor("\(name)/y").scalars(as: Double.self)
            let picked = sampleIndices(y.count, reference.count - 3).map { y[$0] }
            let figures = assertElementsClose(
                picked, Array(reference[3...]), scale: reference[2],
                Tolerance(relative: 1e-4, floor: 1e-5), name)
            print("float32 features \(name) vs torch float64: \(figures)")
        }
    }

    func testStateDictKeysAreTorchvisions() throws {
        let keys = try zooBackbone("resnet50").stateDict().map(\.name)
        XCTAssertTrue(keys.contains("layer1.0.bn1.running_var"))
        XCTAssertTrue(keys.contains("layer4.0.downsample.0.weight"))
        XCTAssertTrue(keys.contains("layer4.2.conv3.weight"))
        XCTAssertTrue(keys.contains("bn1.num_batches_tracked"))
        XCTAssertEqual(try zooBackbone("resnet18").parameterCount, 11_176_512)  // torchvision resnet18 without fc
        XCTAssertEqual(try zooBackbone("resnet50").parameterCount, 23_508_032)  // torchvision resnet50 without fc
    }

    func testLastStrideOneKeepsLayer3Resolution() throws {
        let net = try zooBackbone("resnet18", ["lastStride": 1])
        net.eval()
        let y = noGrad { net(Tensor.zeros([1, 3, 64, 128])) }
        XCTAssertEqual(y.shape, [1, 512, 4, 8])
        XCTAssertEqual(try zooBackbone("resnet50", ["lastStride": 2]).outputStride, 32)
    }
}
