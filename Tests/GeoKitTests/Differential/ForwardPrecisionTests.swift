import Foundation
import GeoKit
import XCTest

/// `geokit forward --dtype` and `--strict`: the precision a component computes in,
/// conversions of inputs and weights of the other precision, and non-strict loading.
final class ForwardPrecisionTests: XCTestCase {
    private var scratch: TemporaryDirectory!

    override func setUpWithError() throws {
        InTreePlugins.load()
        scratch = try TemporaryDirectory("geokit-precision")
    }

    override func tearDown() { scratch = nil }

    private func file(_ name: String) -> URL { scratch.file(name) }

    /// A ResNet-18 contract on x.npy with gy.npy, writing y.npy, gx.npy and gw.safetensors.
    private func resnetContract(dtype: DType, seed: UInt64 = 3) -> ForwardContract {
        var contract = ForwardContract(component: "backbone:resnet18", input: file("x.npy"), output: file("y.npy"))
        contract.dtype = dtype
        contract.seed = seed
        contract.gradOutput = file("gy.npy")
        contract.gradInput = file("gx.npy")
        contract.gradWeights = file("gw.safetensors")
        return contract
    }

    /// The seeded ResNet-18 the contract builds, in `dtype`, run directly on x with gradient gy.
    private func directResNet(dtype: DType, seed: UInt64 = 3, x: Tensor, gy: Tensor) throws -> (y: Tensor, gx: Tensor, net: Module) {
        GlobalRandom.seed(seed)
        let net = try Registry.shared.make(.backbone, "resnet18", settings: [])
        net.convert(to: dtype)
        net.eval()
        let leaf = x.to(dtype).copy().requiringGrad()
        let y = net(leaf)
        y.backward(gy.to(dtype))
        return (y.detached(), leaf.grad!, net)
    }

    func testFloat64RunComputesEverythingInFloat64() throws {
        let x = Tensor.randn([2, 3, 40, 36], seed: 21), gy = Tensor.randn([2, 512, 2, 2], seed: 22)
        try NPY.write(x, to: file("x.npy"))  // float32 files into a float64 run are converted
        try NPY.write(gy, to: file("gy.npy"))
        try resnetContract(dtype: .float64).run()
        let y = try NPY.read(file("y.npy")), gx = try NPY.read(file("gx.npy")), gw = try SafeTensors.read(file("gw.safetensors"))
        XCTAssertEqual([y.dtype, gx.dtype], [.float64, .float64])
        XCTAssertEqual(Set(gw.tensors.values.map(\.dtype)), [.float64])

        let direct = try directResNet(dtype: .float64, x: x, gy: gy)
        XCTAssertEqual(y.scalars(as: Double.self), direct.y.scalars(as: Double.self), "the float64 module's output, bit for bit")
        XCTAssertEqual(gx.scalars(as: Double.self), direct.gx.scalars(as: Double.self), "the float64 input gradient, bit for bit")
        let conv = try XCTUnwrap(direct.net.namedParameters().first { $0.name == "layer3.0.conv1.weight" }?.tensor.grad)
        XCTAssertEqual(try XCTUnwrap(gw["layer3.0.conv1.weight"]).scalars(as: Double.self), conv.scalars(as: Double.self))

        // Not float32 widened at the end: the float32 run differs from it beyond float64 rounding.
        let single = try directResNet(dtype: .float32, x: x, gy: gy).y
        XCTAssertGreaterThan(relativeError(single, y), 1e-9)
        XCTAssertLessThan(relativeError(single, y), 1e-4)
    }

    func testFloat64InputIntoAFloat32RunIsConverted() throws {
        let x = Tensor.randn([1, 3, 33, 35], seed: 23).to(.float64), gy = Tensor.randn([1, 512, 2, 2], seed: 24).to(.float64)
        try NPY.write(x, to: file("x.npy"))
        try NPY.write(gy, to: file("gy.npy"))
        try resnetContract(dtype: .float32).run()  // this trapped in conv2d (dtype mismatch) before --dtype existed
        let y = try NPY.read(file("y.npy")), gx = try NPY.read(file("gx.npy"))
        XCTAssertEqual([y.dtype, gx.dtype], [.float32, .float32])
        let direct = try directResNet(dtype: .float32, x: x, gy: gy)
        XCTAssertEqual(y.scalars(as: Float.self), direct.y.scalars(as: Float.self), "the float32 module on the rounded input")
        XCTAssertEqual(gx.scalars(as: Float.self), direct.gx.scalars(as: Float.self))
    }

    func testFloat32WeightsLoadIntoAFloat64Run() throws {
        GlobalRandom.seed(9)
        let source = try Registry.shared.make(.backbone, "resnet18", settings: [])
        try SafeTensors.write(source.stateDict(), to: file("w.safetensors"))  // float32, from seed 9
        let x = Tensor.randn([1, 3, 32, 32], seed: 25), gy = Tensor.randn([1, 512, 1, 1], seed: 26)
        try NPY.write(x, to: file("x.npy"))
        try NPY.write(gy, to: file("gy.npy"))
        var contract = resnetContract(dtype: .float64, seed: 0)
        contract.weights = file("w.safetensors")
        try contract.run()
        let direct = try directResNet(dtype: .float64, seed: 9, x: x, gy: gy)  // seed 9 in float32, widened
        XCTAssertEqual(try NPY.read(file("y.npy")).scalars(as: Double.self), direct.y.scalars(as: Double.self))
    }

    func testStrictFalseSkipsMissingAndUnexpectedKeys() throws {
        GlobalRandom.seed(9)
        let source = try Registry.shared.make(.backbone, "resnet18", settings: [])
        var entries = source.stateDict().filter { $0.name != "layer4.1.conv2.weight" }
        entries.append(NamedTensor("fc.weight", Tensor.ones([10, 512])))
        try SafeTensors.write(entries, to: file("w.safetensors"))
        let x = Tensor.randn([1, 3, 32, 32], seed: 27), gy = Tensor.randn([1, 512, 1, 1], seed: 28)
        try NPY.write(x, to: file("x.npy"))
        try NPY.write(gy, to: file("gy.npy"))
        var contract = resnetContract(dtype: .float64, seed: 0)
        contract.weights = file("w.safetensors")
        XCTAssertThrowsError(try contract.run()) { error in
            XCTAssertTrue("\(error)".contains("1 missing: layer4.1.conv2.weight; 1 unexpected: fc.weight"), "\(error)")
            XCTAssertTrue("\(error)".contains("pass strict: false (--strict false)"), "\(error)")
        }
        contract.strict = false
        try contract.run()

        // Seed 0's module with everything but the skipped weight from the file.
        GlobalRandom.seed(0)
        let net = try Registry.shared.make(.backbone, "resnet18", settings: [])
        net.convert(to: .float64)
        try net.loadStateDict(try SafeTensors.read(file("w.safetensors")).tensors, strict: false)
        net.eval()
        let y = noGrad { net(x.to(.float64)) }
        XCTAssertEqual(try NPY.read(file("y.npy")).scalars(as: Double.self), y.scalars(as: Double.self))
        let fromSource = try directResNet(dtype: .float64, seed: 9, x: x, gy: gy).y
        XCTAssertNotEqual(y.scalars(as: Double.self), fromSource.scalars(as: Double.self), "the skipped weight kept seed 0's values")
    }

    /// Every built-in and in-tree plugin component the contract takes, built in float64:
    /// float64 output close to its float32 one. (Components other tests register from
    /// temporary plugins are left out: they are built for their own tests' inputs.)
    func testEveryContractComponentRunsInFloat64() throws {
        let build = GeoKitProcess.buildDirectory.path
        let entries = Registry.shared.entries().filter {
            [.backbone, .attention, .aggregator, .loss].contains($0.kind) && ($0.source == "GeoKit" || $0.source.hasPrefix(build))
        }.filter {
            // A loss of a head's logits (loss:instance) has no two-array contract: `geokit forward` refuses it.
            $0.kind != .loss || (try? Registry.shared.make(.loss, $0.name))?.needs.logits != true
        }
        XCTAssertGreaterThanOrEqual(entries.count, 15)
        for entry in entries {
            // Components built for one map size or channel count get the test map's (8 channels, 8 x 16).
            let settings = ["safa": ["heads=2", "height=8", "width=16"], "avgnorm": ["channels=8"]][entry.name] ?? []
            let (x, x2): (Tensor, Tensor?) =
                switch entry.kind {
                case .backbone: (Tensor.randn([1, 3, 32, 32], seed: 29), nil)
                case .loss: (Tensor.randn([4, 8], seed: 30), Tensor.randn([4, 8], seed: 31))
                default: (Tensor.randn([2, 8, 8, 16], seed: 32).relu(), nil)
                }
            try NPY.write(x, to: file("x.npy"))
            var outputs: [Tensor] = []
            for dtype in [DType.float32, .float64] {
                var contract = ForwardContract(component: entry.qualifiedName, input: file("x.npy"), output: file("y.npy"))
                contract.settings = settings
                contract.dtype = dtype
                if let x2 {
                    try NPY.write(x2, to: file("x2.npy"))
                    contract.input2 = file("x2.npy")
                }
                try contract.run()
                outputs.append(try NPY.read(file("y.npy")))
            }
            XCTAssertEqual(outputs.map(\.dtype), [.float32, .float64], entry.qualifiedName)
            assertClose(outputs[0], outputs[1], tolerance: 1e-4, entry.qualifiedName)
        }
    }

    func testBadDtypeIsOneMessageAndExit1() throws {
        try NPY.write(Tensor.zeros([1, 3, 32, 32]).to(.float64), to: file("x.npy"))
        let bad = try GeoKitProcess.run(
            [
                "forward", "--component", "backbone:resnet18", "--dtype", "float16",
                "--input", file("x.npy").path, "--output", file("y.npy").path
            ], cache: scratch.url)
        XCTAssertEqual(bad.status, 1, bad.output)
        XCTAssertEqual(
            bad.output.trimmingCharacters(in: .whitespacesAndNewlines),
            "Error: --dtype must be float32 or float64, got 'float16'. pass --dtype float64 for double precision")
        // A float64 array into the default float32 run through the real CLI: converted, not a trap.
        let good = try GeoKitProcess.run(
            [
                "forward", "--component", "backbone:resnet18",
                "--input", file("x.npy").path, "--output", file("y.npy").path
            ], cache: scratch.url)
        XCTAssertEqual(good.status, 0, good.output)
        XCTAssertEqual(try NPY.read(file("y.npy")).dtype, .float32)
    }
}
