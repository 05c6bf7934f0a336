import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// `geokit bench`: this machine's sgemm rate and the ResNet-50 training step
/// (forward, backward, AdamW) and eval forward, in images per second, for
/// GeoKit and — given a Python with torch — for PyTorch in the same run with
/// the same thread count.
public struct Benchmark {
    public struct Configuration: Sendable {
        /// A registered backbone (`backbone:<name>`; resnet18/34/50 are what the PyTorch script also builds).
        public var model = "resnet50"
        public var batch = 8
        public var height = 128
        public var width = 512
        public var steps = 5
        public var warmup = 2
        public var threads = Parallel.threadCount
        public var gemmSize = 2048

        public init() {}

        /// A configuration that finishes in well under a minute.
        public static var quick: Configuration {
            var c = Configuration()
            c.model = "resnet18"
            c.batch = 4
            c.height = 64
            c.width = 256
            c.steps = 3
            c.warmup = 1
            c.gemmSize = 1024
            return c
        }
    }

    public struct Result: Sendable, Codable {
        public var framework: String
        public var gemmGFLOPS: Double?
        public var trainImagesPerSecond: Double
        public var evalImagesPerSecond: Double
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// sgemm GFLOPS on square matrices of `gemmSize`.
    public func gemmGFLOPS() -> Double {
        let n = configuration.gemmSize
        var g = RandomGenerator(seed: 1)
        let a = Tensor.randn([n, n], generator: &g), b = Tensor.randn([n, n], generator: &g)
        let t = Stopwatch.median(warmup: 1, runs: 3) { _ = noGrad { a.matmul(b) } }
        return 2 * Double(n * n * n) / t / 1e9
    }

    public func runGeoKit(registry: Registry = .shared) throws -> Result {
        let c = configuration
        Parallel.setThreadCount(c.threads)
        let gflops = gemmGFLOPS()
        let net = try registry.make(.backbone, c.model)
        var g = RandomGenerator(seed: 2)
        let x = Tensor.randn([c.batch, 3, c.height, c.width], generator: &g)
        let optimizer = AdamW(parameters: net.parameters(), learningRate: 1e-4, weightDecay: 1e-2)
        net.train()
        let train = Stopwatch.median(warmup: c.warmup, runs: c.steps) {
            optimizer.zeroGrad()
            net(x).mean().backward()
            optimizer.step()
        }
        net.eval()
        let eval = Stopwatch.median(warmup: c.warmup, runs: c.steps) { _ = noGrad { net(x) } }
        return Result(
            framework: "GeoKit", gemmGFLOPS: gflops,
            trainImagesPerSecond: Double(c.batch) / train, evalImagesPerSecond: Double(c.batch) / eval)
    }

    /// Runs the same measurement in PyTorch through `python` (which must import torch and timm).
    public func runTorch(python: String) throws -> Result {
        let c = configuration
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-bench-\(getpid()).py")
        try Data(TorchBenchmarkScript.source.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script.path, c.model, "\(c.batch)", "\(c.height)", "\(c.width)",
            "\(c.steps)", "\(c.warmup)", "\(c.threads)", "\(c.gemmSize)"
        ]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw GeoKitError("cannot start \(python)", where: "geokit bench --torch", remedy: "give the path of a Python that has torch and timm installed")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8))
        else {
            throw GeoKitError(
                "the PyTorch benchmark failed: \(errorText.suffix(500))", where: python,
                remedy: "check that `\(python) -c 'import torch, timm'` works")
        }
        return result
    }
}
