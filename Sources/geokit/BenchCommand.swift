import ArgumentParser
import Foundation
import GeoKit

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a backbone's training step and eval forward in GeoKit, PyTorch (both memory formats) and onnxruntime.",
        discussion: """
            Prints what it ran on (CPU, ISA, threads, backends, OpenBLAS variables, the Python's versions), then per model:
            framework | train img/s | train GFLOPS | eval img/s | eval GFLOPS and the ratios. --profile prints GeoKit's time
            per op kind instead; --memory the peak resident memory of a training step in a fresh process.
            """)

    @Option(help: "resnet50, tf_efficientnetv2_s, convnext_tiny (or another registered backbone timm knows), or all for the three.")
    var model: String?
    @Flag(help: "A small configuration (ResNet-18, batch 4, 64x256) that finishes in seconds.") var quick = false
    @Option(help: "A Python with torch and timm (and onnxruntime, onnx): also measure PyTorch and onnxruntime in the same run.")
    var torch: String?
    @Option(parsing: .unconditional, help: "Threads for GeoKit, PyTorch and onnxruntime alike.") var threads: Int?
    @Option(parsing: .unconditional, help: "Batch size.") var batch: Int?
    @Option(parsing: .unconditional, help: "Timed steps (the median is reported).") var steps: Int?
    @Flag(help: "GeoKit's time per op kind for one training step and one eval forward, instead of the table.") var profile = false
    @Flag(help: "Peak resident memory of a training step (GeoKit, and PyTorch with --torch), each in a fresh process.")
    var memory = false
    @Flag(help: .hidden) var memoryChild = false

    func run() throws {
        if let threads { try OptionCheck.number(threads, "--threads", .between(1, 1024), command: "bench", example: "2") }
        if let batch { try OptionCheck.number(batch, "--batch", .between(1, 4096), command: "bench", example: "8") }
        if let steps { try OptionCheck.number(steps, "--steps", .between(1, 100_000), command: "bench", example: "5") }
        if let torch { try OptionCheck.inputFile(torch, "the Python given to --torch") }
        var c = quick ? Benchmark.Configuration.quick : Benchmark.Configuration()
        if let threads { c.threads = threads }
        if let batch { c.batch = batch }
        if let steps { c.steps = steps }
        startKernel()
        let models = try Self.models(model ?? c.model)
        let bench = Benchmark(c)
        Parallel.setThreadCount(c.threads)

        if memoryChild {
            // The child of --memory: the training steps only, then one JSON line.
            let figure = try bench.trainingMemory(model: models[0])
            print(String(decoding: try JSONEncoder().encode(figure), as: UTF8.self))
            return
        }

        print(
            "geokit bench: \(models.joined(separator: ", ")), batch \(c.batch), 3x\(c.height)x\(c.width), \(c.threads) threads, "
                + "median of \(c.steps) timed steps after \(c.warmup) warm-up")
        for line in MachineReport.current.lines(threads: c.threads) { print(line) }
        if let torch {
            print("\(torch): \(try bench.torchVersions(python: torch).line)")
        }
        guard profile || memory else {
            for (i, name) in models.enumerated() {
                if i > 0 { print("") }
                try table(bench, name)
            }
            return
        }
        if profile {
            if torch != nil, !memory { print("(--torch is not used by --profile)") }
            for name in models { try printProfile(bench, name) }
        }
        if memory {
            for name in models { try printMemory(bench, name, c) }
        }
    }

    /// `all` or one registered backbone, checked before anything is measured.
    static func models(_ text: String) throws -> [String] {
        let names = text == "all" ? Benchmark.issueModels : [text]
        for name in names where (try? Registry.shared.entry(.backbone, name)) == nil {
            let known = Registry.shared.entries(of: .backbone).map(\.name)
            throw GeoKitError(
                "--model must be all or a registered backbone, got '\(name)'", where: "geokit bench --model",
                remedy: "pass e.g. --model resnet50 (all: \(Benchmark.issueModels.joined(separator: ", ")); registered: "
                    + "\(known.isEmpty ? "none, is the Backbones plugin loaded? (geokit plugins)" : known.joined(separator: ", ")))")
        }
        return names
    }

    private func table(_ bench: Benchmark, _ name: String) throws {
        let (geokit, flops) = try bench.runGeoKit(model: name)
        var run = Benchmark.ModelRun(model: name, batch: bench.configuration.batch, forwardFLOPs: flops, rows: [geokit])
        if let torch {
            let report = try bench.runTorch(python: torch, model: name)
            run.rows += report.rows
            run.notes += report.notes
        }
        for line in run.lines { print(line) }
        fflush(stdout)
    }

    private func printProfile(_ bench: Benchmark, _ name: String) throws {
        let p = try bench.profile(model: name)
        print("")
        for line in Benchmark.profileLines("\(name) training step (forward, backward, AdamW)", p.train, unprofiledSeconds: p.trainSeconds) {
            print(line)
        }
        print("")
        for line in Benchmark.profileLines("\(name) eval forward", p.eval, unprofiledSeconds: p.evalSeconds) { print(line) }
        fflush(stdout)
    }

    private func printMemory(_ bench: Benchmark, _ name: String, _ c: Benchmark.Configuration) throws {
        func mib(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
        var arguments = ["bench", "--memory-child", "--model", name, "--batch", "\(c.batch)", "--steps", "\(c.steps)", "--threads", "\(c.threads)"]
        if quick { arguments.append("--quick") }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let output = try Benchmark.runProcess(
            executable, arguments, what: "the GeoKit memory run", where: "geokit bench --memory",
            remedy: "run `geokit \(arguments.joined(separator: " "))` to see its error")
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let geokit = try? JSONDecoder().decode(Benchmark.MemoryFigure.self, from: Data(line.utf8))
        else {
            throw GeoKitError(
                "the GeoKit memory run printed no figure: \(output.suffix(300))", where: "geokit bench --memory",
                remedy: "run `geokit \(arguments.joined(separator: " "))` to see what it prints")
        }
        print("")
        print("\(name): peak resident memory of a process running \(c.warmup + c.steps) training steps (getrusage ru_maxrss)")
        print("| framework | peak RSS | RSS before the model | peak - before | train img/s in that run |")
        print("|---|---|---|---|---|")
        func row(_ framework: String, _ f: Benchmark.MemoryFigure) {
            print(
                String(
                    format: "| %@ | %@ | %@ | %@ | %.2f |", framework, mib(f.peakResidentBytes), mib(f.baselineResidentBytes),
                    mib(f.peakResidentBytes - f.baselineResidentBytes), f.trainImagesPerSecond))
        }
        row("GeoKit", geokit)
        guard let torch else { return }
        let figures = try ["contiguous", "channels_last"].map { try bench.torchMemory(python: torch, model: name, format: $0) }
        for f in figures { row("PyTorch \(f.format ?? "?")", f) }
        let faster = figures.max { $0.trainImagesPerSecond < $1.trainImagesPerSecond }!
        let ratios = figures.map {
            String(format: "%.2fx against %@", Double(geokit.peakResidentBytes) / Double(max($0.peakResidentBytes, 1)), $0.format ?? "?")
        }
        print("\(name): GeoKit peak / PyTorch peak: \(ratios.joined(separator: ", ")) (the faster format in this run: \(faster.format ?? "?"))")
    }
}
