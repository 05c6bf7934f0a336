import Foundation
import GeoKit
import XCTest

/// `mpirun -np N geokit ...` on loopback, as the scale tests launch it:
/// oversubscribed (the machine may have fewer cores than ranks), allowed
/// as root (CI runs as root), one thread per rank, with the recipe tests'
/// world and recipe cache.
final class MPIJob {
    static let mpirun = URL(fileURLWithPath: "/usr/bin/mpirun")

    let process = Process()
    private let pipe = Pipe()
    private var collected = Data()
    private let lock = NSLock()

    /// Starts the job; `ranks` 0 runs `geokit` directly, as one process without mpirun.
    init(ranks: Int, _ arguments: [String]) throws {
        if ranks == 0 {
            process.executableURL = GeoKitProcess.executable
            process.arguments = arguments
        } else {
            process.executableURL = MPIJob.mpirun
            process.arguments = ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", GeoKitProcess.executable.path] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["GEOKIT_CACHE"] = RecipeSandbox.cache.path
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["GEOKIT_NUM_THREADS"] = "1"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            self.collected.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    /// Waits for the end (at most `timeout` seconds, then fails and kills the job); returns status and output.
    func wait(timeout: TimeInterval = 120, file: StaticString = #filePath, line: UInt = #line) -> GeoKitProcess.Result {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            XCTFail("the job did not end within \(timeout) s (a hang)", file: file, line: line)
            process.terminate()
            process.waitUntilExit()
        }
        process.waitUntilExit()
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        lock.lock()
        collected.append(rest)
        let output = String(decoding: collected, as: UTF8.self)
        lock.unlock()
        return GeoKitProcess.Result(status: process.terminationStatus, output: output, signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Runs a job to its end.
    static func run(ranks: Int, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> GeoKitProcess.Result {
        try MPIJob(ranks: ranks, arguments).wait(file: file, line: line)
    }

    /// The process id of rank `rank` of this job: the child of mpirun whose environment says so.
    func pid(ofRank rank: Int) -> Int32? {
        let children = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in children {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, hence the last ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == process.processIdentifier,
                let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}

/// Recipes for the scale tests: a backbone of two convolutions defined in
/// the recipe itself (`tinyconv`, no BatchNorm; `tinybn` with one
/// BatchNorm), so that a step takes milliseconds and the equivalence of a
/// distributed run with one process is exact up to rounding.
enum ScaleRecipes {
    static func source(name: String, batchNorm: Bool = false, epochs: Int = 2, batchSize: Int = 8, locations: Int = 96) -> String {
        let norm = batchNorm ? "bn(conv1(x))" : "conv1(x)"
        return """
            import GeoKit

            final class TinyConv: Module, BackboneNetwork {
                // Without a bias before the BatchNorm: its gradient would be rounding noise, which Adam amplifies.
                let conv1 = Conv2d(3, 8, kernelSize: (3, 3), stride: (4, 4), padding: (1, 1), bias: \(!batchNorm))
                let bn = BatchNorm2d(8)
                let conv2 = Conv2d(8, 16, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
                override init() {
                    super.init()
                    register("conv1", conv1)
                    \(batchNorm ? "register(\"bn\", bn)" : "")
                    register("conv2", conv2)
                }
                var stages: [FeatureStage] { [FeatureStage("conv2", channels: 16, reduction: 8)] }
                var inputConfiguration: InputConfiguration { .imageNet }
                func insert(_ module: AttentionModule, at stage: String) throws { throw GeoKitError("no attention here", where: "\(name)") }
                override func callAsFunction(_ x: Tensor) -> Tensor { conv2(\(norm).relu()).relu() }
            }

            let registered: Void = {
                try? Registry.shared.register(.backbone, "\(name)", summary: "two convolutions") { _ in TinyConv() }
            }()

            let recipe = { _ = registered; return Recipe("\(name)") {
                Dataset.synthetic(locations: \(locations), difficulty: .easy, testFraction: 0.25, sameArea: true, ground: .panorama(32, 128), aerial: .polar(32, 128))
                Model(shareWeights: true) {
                    Backbone("\(name)")
                    Aggregator("gem")
                }
                Loss("infonce")
                Sampler("random")
                Train(epochs: \(epochs), batchSize: \(batchSize), optimizer: .adamW(lr: 1e-3), schedule: .cosine(warmupEpochs: 0.5))
                Evaluate(every: 1)
            } }()
            """
    }

    /// The largest relative difference of two runs' model weights (optimiser state excluded):
    /// max over tensors of max|a - b| / max|a|.
    static func weightDifference(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let x = try SafeTensors.read(a.appendingPathComponent(Trainer.checkpointName))
        let y = try SafeTensors.read(b.appendingPathComponent(Trainer.checkpointName))
        XCTAssertEqual(Set(x.tensors.keys), Set(y.tensors.keys), file: file, line: line)
        var worst = 0.0
        for (key, u) in x.tensors where !key.hasPrefix(Checkpoint.optimizerPrefix) {
            guard let v = y.tensors[key], v.shape == u.shape else {
                XCTFail("\(key) differs in shape", file: file, line: line)
                continue
            }
            let p = u.scalars(as: Double.self), q = v.scalars(as: Double.self)
            let scale = max(p.map(abs).max() ?? 0, 1e-12)
            worst = max(worst, (zip(p, q).map { abs($0 - $1) }.max() ?? 0) / scale)
        }
        return worst
    }

    static func summary(_ directory: URL) throws -> RunSummary {
        try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: directory.appendingPathComponent("metrics.json")))
    }
}
