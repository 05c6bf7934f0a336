import XCTest
import GeoKit

/// ResNet against timm/torchvision in eval mode, with deterministic weights
/// and randomised BN statistics: features, input gradient, weight gradients.
final class ResNetTests: XCTestCase {
    func testResNet18MatchesPyTorch() throws { try checkParity(.resnet18) }
    func testResNet50MatchesPyTorch() throws { try checkParity(.resnet50) }

    private func checkParity(_ depth: ResNet.Depth) throws {
        let fixture = try Fixture(depth.rawValue)
        let net = ResNet(depth)
        fillDeterministic(net)
        net.eval()
        let x = try fixture.tensor("x").requiringGrad()
        let y = net(x)
        assertClose(y, try fixture.tensor("y"), tolerance: 1e-3, "features")
        y.backward(try fixture.tensor("gy"))
        assertClose(x.grad!, try fixture.tensor("gx"), tolerance: 1e-3, "input gradient")
        let parameters = net.namedParameters()
        XCTAssertEqual(Set(parameters.map(\.name)), Set(fixture.contents.tensors.keys.filter { $0.hasPrefix("grad/") }.map { String($0.dropFirst(5)) }))
        for (name, p) in parameters {
            assertClose(subsample(p.grad!), try fixture.tensor("grad/\(name)"), tolerance: 1e-3, name)
        }
    }

    func testStateDictKeysAreTorchvisions() {
        let keys = ResNet(.resnet50).stateDict().map(\.name)
        XCTAssertTrue(keys.contains("layer1.0.bn1.running_var"))
        XCTAssertTrue(keys.contains("layer4.0.downsample.0.weight"))
        XCTAssertTrue(keys.contains("layer4.2.conv3.weight"))
        XCTAssertTrue(keys.contains("bn1.num_batches_tracked"))
        XCTAssertEqual(ResNet(.resnet18).parameterCount, 11_176_512)  // torchvision resnet18 without fc
        XCTAssertEqual(ResNet(.resnet50).parameterCount, 23_508_032)  // torchvision resnet50 without fc
    }

    func testLastStrideOneKeepsLayer3Resolution() {
        let net = ResNet(.resnet18, lastStride: 1)
        net.eval()
        let y = noGrad { net(Tensor.zeros([1, 3, 64, 128])) }
        XCTAssertEqual(y.shape, [1, 512, 4, 8])
        XCTAssertEqual(ResNet(.resnet50, lastStride: 2).outputStride, 32)
    }
}
