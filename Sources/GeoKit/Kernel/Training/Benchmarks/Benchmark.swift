import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// `geokit bench`: a backbone's training step (forward, backward of the
/// mean of its features, AdamW) and eval forward (no gradients, eval mode)
/// in images per second and GFLOPS, for GeoKit and, given a Python with
/// torch and timm, for PyTorch eager in both memory formats and
/// onnxruntime, all in the same run with the same thread count; a profile
/// of GeoKit's time per op kind; and the resident memory of a training step
/// in a fresh process for GeoKit and PyTorch.
public struct Benchmark {
    /// The backbones issue 11 measures (`--model all`), by their timm names.
    public static let issueModels = ["resnet50", "tf_efficientnetv2_s", "convnext_tiny"]

    public struct Configuration: Sendable {
        /// A registered backbone (`backbone:<name>`) that timm also builds under that name.
        public var model = "resnet50"
        public var batch = 8
        public var height = 128
        public var width = 512
        public var steps = 5
        public var warmup = 2
        public var threads = Parallel.threadCount

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
            return c
        }
    }

    /// One framework's figures for one model (nil: not measured, e.g. onnxruntime's training).
    public struct Row: Sendable, Codable, Equatable {
        public var framework: String
        public var trainImagesPerSecond: Double?
        public var evalImagesPerSecond: Double?

        public init(framework: String, trainImagesPerSecond: Double?, evalImagesPerSecond: Double?) {
            self.framework = framework
            self.trainImagesPerSecond = trainImagesPerSecond
            self.evalImagesPerSecond = evalImagesPerSecond
        }
    }

    /// Every framework's row for one model, with GeoKit's FLOP count of one eval forward of the batch.
    public struct ModelRun: Sendable {
        public var model: String
        public var batch: Int
        public var forwardFLOPs: Int
        public var rows: [Row]
        public var notes: [String]

        public init(model: String, batch: Int, forwardFLOPs: Int, rows: [Row], notes: [String] = []) {
            self.model = model
            self.batch = batch
            self.forwardFLOPs = forwardFLOPs
            self.rows = rows
            self.notes = notes
        }

        /// GFLOPS at `imagesPerSecond`: `passes` forward equivalents per image (3 for a training step).
        func gflops(_ imagesPerSecond: Double?, passes: Double) -> String {
            guard let imagesPerSecond else { return "—" }
            return String(format: "%.0f", passes * Double(forwardFLOPs) / Double(max(batch, 1)) * imagesPerSecond / 1e9)
        }

        /// The table, its footnote and the ratios, as `geokit bench` prints them.
        public var lines: [String] {
            func rate(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "—" }
            var out = [
                "| \(model) | train img/s | train GFLOPS | eval img/s | eval GFLOPS |",
                "|---|---|---|---|---|"
            ]
            for r in rows {
                out.append(
                    "| \(r.framework) | \(rate(r.trainImagesPerSecond)) | \(gflops(r.trainImagesPerSecond, passes: 3)) "
                        + "| \(rate(r.evalImagesPerSecond)) | \(gflops(r.evalImagesPerSecond, passes: 1)) |")
            }
            out.append(
                String(
                    format: "GFLOPS: GeoKit's count of one eval forward (convolutions and matrix products, 2 per multiply-add), "
                        + "%.2f GFLOP per image, for every row; a training step counts as 3 forwards.",
                    Double(forwardFLOPs) / Double(max(batch, 1)) / 1e9))
            out += notes
            out += ratioLines
            return out
        }

        /// GeoKit train / PyTorch's best format, GeoKit eval / onnxruntime and / PyTorch's best.
        public var ratioLines: [String] {
            guard let geokit = rows.first(where: { $0.framework == "GeoKit" }) else { return [] }
            let torch = rows.filter { $0.framework.hasPrefix("PyTorch") }
            var out: [String] = []
            func best(_ value: (Row) -> Double?) -> (framework: String, rate: Double)? {
                torch.compactMap { r in value(r).map { (r.framework, $0) } }.max { $0.rate < $1.rate }
            }
            if let g = geokit.trainImagesPerSecond, let b = best({ $0.trainImagesPerSecond }) {
                out.append(String(format: "%@: GeoKit train / PyTorch best (%@): %.2fx", model, b.framework, g / b.rate))
            }
            if let g = geokit.evalImagesPerSecond {
                if let ort = rows.first(where: { $0.framework == "onnxruntime" })?.evalImagesPerSecond {
                    out.append(String(format: "%@: GeoKit eval / onnxruntime: %.2fx", model, g / ort))
                }
                if let b = best({ $0.evalImagesPerSecond }) {
                    out.append(String(format: "%@: GeoKit eval / PyTorch best (%@): %.2fx", model, b.framework, g / b.rate))
                }
            }
            return out
        }
    }

    /// Resident memory of a process that only ran training steps.
    public struct MemoryFigure: Sendable, Codable, Equatable {
        /// The memory format of a PyTorch run (nil for GeoKit).
        public var format: String?
        /// Resident bytes before the model was built (the framework loaded).
        public var baselineResidentBytes: Int
        /// Peak resident bytes of the process (getrusage ru_maxrss).
        public var peakResidentBytes: Int
        /// The training throughput of those steps (median), to pick PyTorch's best format.
        public var trainImagesPerSecond: Double

        public init(format: String?, baselineResidentBytes: Int, peakResidentBytes: Int, trainImagesPerSecond: Double) {
            self.format = format
            self.baselineResidentBytes = baselineResidentBytes
            self.peakResidentBytes = peakResidentBytes
            self.trainImagesPerSecond = trainImagesPerSecond
        }
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The backbone, built through the registry (its plugin must be loaded).
    private func network(_ model: String, _ registry: Registry) throws -> BackboneNetwork {
        let net = try registry.make(.backbone, model)
        return net
    }

    private func input() -> Tensor {
        let c = configuration
        var g = RandomGenerator(seed: 2)
        return Tensor.randn([c.batch, 3, c.height, c.width], generator: &g)
    }

    /// One training step: forward, the mean of the features, backward, AdamW.
    private func trainStep(_ net: BackboneNetwork, _ optimizer: AdamW, _ x: Tensor) {
        Profiler.measure("AdamW zero_grad", phase: .other) { optimizer.zeroGrad() }
        net(x).mean().backward()
        Profiler.measure("AdamW step", phase: .other) { optimizer.step() }
    }

    /// GeoKit's row for `model` and the FLOPs of one eval forward of the batch.
    public func runGeoKit(model: String, registry: Registry = .shared) throws -> (row: Row, forwardFLOPs: Int) {
        let c = configuration
        Parallel.setThreadCount(c.threads)
        let net = try network(model, registry)
        let x = input()
        net.eval()
        let (_, flops) = FlopCounter.counting { noGrad { net(x) } }
        let optimizer = AdamW(parameters: net.parameters(), learningRate: 1e-4, weightDecay: 1e-2)
        net.train()
        let train = Stopwatch.median(warmup: c.warmup, runs: c.steps) { trainStep(net, optimizer, x) }
        net.eval()
        let eval = Stopwatch.median(warmup: c.warmup, runs: c.steps) { _ = noGrad { net(x) } }
        let row = Row(framework: "GeoKit", trainImagesPerSecond: Double(c.batch) / train, evalImagesPerSecond: Double(c.batch) / eval)
        return (row, flops)
    }

    /// GeoKit's time per op kind: one training step and one eval forward
    /// (each the mean over `steps` profiled runs after the warm-up), and
    /// the unprofiled medians to compare them with.
    public func profile(model: String, registry: Registry = .shared) throws -> (
        train: Profiler.Report, eval: Profiler.Report, trainSeconds: Double, evalSeconds: Double
    ) {
        let c = configuration
        Parallel.setThreadCount(c.threads)
        let net = try network(model, registry)
        let x = input()
        let optimizer = AdamW(parameters: net.parameters(), learningRate: 1e-4, weightDecay: 1e-2)
        net.train()
        let trainSeconds = Stopwatch.median(warmup: c.warmup, runs: c.steps) { trainStep(net, optimizer, x) }
        let (_, train) = try Profiler.profiling { for _ in 0..<c.steps { trainStep(net, optimizer, x) } }
        net.eval()
        let evalSeconds = Stopwatch.median(warmup: c.warmup, runs: c.steps) { _ = noGrad { net(x) } }
        let (_, eval) = try Profiler.profiling { for _ in 0..<c.steps { _ = noGrad { net(x) } } }
        return (train.divided(by: c.steps), eval.divided(by: c.steps), trainSeconds, evalSeconds)
    }

    /// The profile table: forward ops, backward nodes and other work, each
    /// group longest first with its subtotal, then the time outside every
    /// scope; the rows add up to the profiled step.
    public static func profileLines(_ title: String, _ report: Profiler.Report, unprofiledSeconds: Double) -> [String] {
        let total = max(report.totalSeconds, 1e-12)
        func line(_ phase: String, _ name: String, _ calls: String, _ seconds: Double) -> String {
            String(format: "| %@ | %@ | %@ | %.1f | %.1f |", phase, name, calls, seconds * 1e3, 100 * seconds / total)
        }
        var out = [
            String(
                format: "%@: %.1f ms profiled (mean of the profiled runs), %.1f ms unprofiled (median)", title, report.totalSeconds * 1e3,
                unprofiledSeconds * 1e3),
            "| phase | op kind | calls | ms | % |",
            "|---|---|---|---|---|"
        ]
        let labels: [Profiler.Phase: String] = [.forward: "forward ops", .backward: "backward nodes", .other: "other"]
        for phase in Profiler.Phase.allCases {
            let rows = report.rows(phase)
            guard !rows.isEmpty else { continue }
            for r in rows { out.append(line(phase.rawValue, r.name, "\(r.calls)", r.seconds)) }
            out.append(line(phase.rawValue, "**all \(labels[phase]!)**", "\(rows.reduce(0) { $0 + $1.calls })", rows.reduce(0) { $0 + $1.seconds }))
        }
        out.append(line("—", "outside ops", "", report.outsideSeconds))
        out.append(line("—", "**total**", "", report.totalSeconds))
        return out
    }

    /// The training steps alone, in this process, with its peak resident memory (`geokit bench --memory`'s child).
    public func trainingMemory(model: String, registry: Registry = .shared) throws -> MemoryFigure {
        let c = configuration
        Parallel.setThreadCount(c.threads)
        let baseline = Memory.residentBytes()
        let net = try network(model, registry)
        let x = input()
        let optimizer = AdamW(parameters: net.parameters(), learningRate: 1e-4, weightDecay: 1e-2)
        net.train()
        let train = Stopwatch.median(warmup: c.warmup, runs: c.steps) { trainStep(net, optimizer, x) }
        return MemoryFigure(
            format: nil, baselineResidentBytes: baseline, peakResidentBytes: Memory.peakResidentBytes(),
            trainImagesPerSecond: Double(c.batch) / train)
    }

    /// The script's arguments for a mode (TorchBenchmarkScript).
    private func scriptArguments(_ mode: String, _ model: String) -> [String] {
        let c = configuration
        return [mode, model] + [c.batch, c.height, c.width, c.steps, c.warmup, c.threads].map(String.init)
    }

    /// The versions of torch, timm and onnxruntime in `python`.
    public func torchVersions(python: String) throws -> TorchBenchmarkReport.Versions {
        try runTorchScript(python: python, ["versions"]).versions
    }

    /// PyTorch contiguous, PyTorch channels_last and (when it imports) onnxruntime for `model`.
    public func runTorch(python: String, model: String) throws -> TorchBenchmarkReport {
        try runTorchScript(python: python, scriptArguments("bench", model))
    }

    /// PyTorch's training steps alone in a fresh Python, in `format` (`contiguous` or `channels_last`).
    public func torchMemory(python: String, model: String, format: String) throws -> MemoryFigure {
        let report = try runTorchScript(python: python, scriptArguments("memory", model) + [format])
        guard let memory = report.memory else {
            throw GeoKitError(
                "the PyTorch memory run printed no memory figure", where: python, remedy: "run geokit bench --memory again; report a bug if it persists")
        }
        return memory
    }

    private func runTorchScript(python: String, _ arguments: [String]) throws -> TorchBenchmarkReport {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-bench-\(getpid()).py")
        try Data(TorchBenchmarkScript.source.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let output = try Self.runProcess(
            URL(fileURLWithPath: python), [script.path] + arguments, what: "the PyTorch benchmark", where: "geokit bench --torch \(python)",
            remedy: "check that `\(python) -c 'import torch, timm'` works")
        return try TorchBenchmarkReport.decode(output, from: python)
    }

    /// Runs `executable` with `arguments` and returns its standard output; a
    /// failure to start or a non-zero exit throws with the end of its standard error.
    public static func runProcess(_ executable: URL, _ arguments: [String], what: String, where place: String, remedy: String) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw GeoKitError("cannot start \(what) (\(executable.path): \(error.localizedDescription))", where: place, remedy: remedy)
        }
        // Standard error is drained on another thread so that neither pipe fills while the other is read.
        let errorText = DrainedPipe(errors)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorText.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0, process.terminationReason == .exit else {
            let text = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw GeoKitError("\(what) failed (status \(process.terminationStatus)): \(text.suffix(600))", where: place, remedy: remedy)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A pipe read to its end on another thread.
private final class DrainedPipe: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe delivered, once its writer closed it.
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// What TorchBenchmarkScript prints: its last standard-output line, one JSON object.
public struct TorchBenchmarkReport: Sendable, Codable, Equatable {
    public struct Versions: Sendable, Codable, Equatable {
        public var python: String
        public var torch: String
        public var timm: String
        public var onnxruntime: String?
        public var onnx: String?
        /// Why onnxruntime or onnx did not import (nil when both did).
        public var onnxruntimeMissing: String?

        /// "torch X, timm Y, onnxruntime Z (onnx W), Python V", or the reason onnxruntime is absent.
        public var line: String {
            let ort = onnxruntime.map { "onnxruntime \($0) (onnx \(onnx ?? "?"))" } ?? "onnxruntime absent (\(onnxruntimeMissing ?? "not importable"))"
            return "torch \(torch), timm \(timm), \(ort), Python \(python)"
        }
    }

    public var versions: Versions
    public var rows: [Benchmark.Row]
    /// What was not measured and why (onnxruntime absent or its export failing).
    public var notes: [String]
    public var memory: Benchmark.MemoryFigure?

    /// The report in `output` (the last line that is a JSON object), or an error naming `python`.
    public static func decode(_ output: String, from python: String) throws -> TorchBenchmarkReport {
        let line = output.split(separator: "\n").last { $0.hasPrefix("{") }
        do {
            guard let line else { throw GeoKitError("no JSON line") }
            return try JSONDecoder().decode(TorchBenchmarkReport.self, from: Data(line.utf8))
        } catch {
            throw GeoKitError(
                "the PyTorch benchmark printed no report GeoKit can read (\(error)): \(output.suffix(300))", where: python,
                remedy: "check that `\(python) -c 'import torch, timm'` works and that nothing else prints to standard output")
        }
    }
}
