import GeoKit
import XCTest

final class RKNetTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testUSAMMatchesPyTorch() throws {
        for name in ["usam_polish_true", "usam_polish_false", "usam_eval"] {
            let reference = try MethodCase(name)
            try reference.assertModuleMatches(try reference.make(.attention, "usam"))
        }
    }

    func testUSAMKeysAndSchema() throws {
        let usam = try Registry.shared.make(.attention, "usam")
        XCTAssertEqual(usam.stateDict().map(\.name), ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        XCTAssertEqual(usam.parameterCount, 2)
        let entry = try Registry.shared.entry(.attention, "usam")
        XCTAssertEqual(entry.parameters.map(\.name), ["polish"])
        XCTAssertEqual(entry.parameters.first?.defaultValue, .bool(true))
    }

    func testUSAMGradientsFiniteDifference() throws {
        for polish in [true, false] {
            let usam = try Registry.shared.make(.attention, "usam", ["polish": .bool(polish)])
            usam.convert(to: .float64)
            let bn = usam.namedParameters().map(\.tensor)
            bn[0].fill(1.3)
            bn[1].fill(0.2)
            assertGradientsMatch([randomDouble([2, 3, 4, 5], seed: 11)] + bn) { usam($0[0]) }
        }
    }

    /// RK-Net's layout: USAM after the stem and after layer1, under
    /// `attention.stem.` and `attention.layer1.`, torchvision's keys untouched.
    func testResNetWithUSAMAtStemAndLayer1() throws {
        let plain = try zooBackbone("resnet18")
        let net = try zooBackbone("resnet18")
        for point in ["stem", "layer1"] {
            try net.insert(Registry.shared.make(.attention, "usam"), at: point)
        }
        let keys = net.stateDict().map(\.name)
        let bnKeys = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        XCTAssertEqual(keys, plain.stateDict().map(\.name) + ["stem", "layer1"].flatMap { point in bnKeys.map { "attention.\(point).bn.\($0)" } })
        XCTAssertEqual(net.stages.map(\.name), ["stem", "layer1", "layer2", "layer3", "layer4"])
        XCTAssertThrowsError(try net.insert(AttentionProbe(), at: "layer5"))

        let x = Tensor.randn([2, 3, 32, 32], seed: 91).requiringGrad()
        let y = net(x)
        XCTAssertEqual(y.shape, [2, 512, 1, 1])
        y.sum().backward()
        XCTAssertEqual(x.grad?.shape, x.shape)
        for point in ["stem", "layer1"] {
            let weight = net.namedParameters().first { $0.name == "attention.\(point).bn.weight" }!.tensor
            XCTAssertNotNil(weight.grad, point)
            XCTAssertEqual(net.namedBuffers().first { $0.name == "attention.\(point).bn.num_batches_tracked" }?.tensor.item, 1)
        }
    }

    /// The modules run where they are inserted: an identity probe at every point sees each stage's output shape.
    func testResNetAttentionPointsSeeEachStage() throws {
        let net = try zooBackbone("resnet18")
        let probes = net.stages.map(\.name).map { _ in AttentionProbe() }
        for (point, probe) in zip(net.stages.map(\.name), probes) { try net.insert(probe, at: point) }
        net.eval()
        _ = noGrad { net(Tensor.randn([1, 3, 64, 64], seed: 92)) }
        XCTAssertEqual(probes.map(\.seenShape), [[1, 64, 32, 32], [1, 64, 16, 16], [1, 128, 8, 8], [1, 256, 4, 4], [1, 512, 2, 2]])
        XCTAssertTrue(probes.allSatisfy { !$0.isTraining })
    }
}

/// An identity attention module that records the shape it was called with.
private final class AttentionProbe: Module, AttentionModule {
    var seenShape: [Int] = []
    override func callAsFunction(_ x: Tensor) -> Tensor {
        seenShape = x.shape
        return x
    }
}
