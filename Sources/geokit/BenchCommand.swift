import ArgumentParser
import Foundation
import GeoKit

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure sgemm GFLOPS and the ResNet training step and eval forward, optionally against PyTorch.")

    @Flag(help: "A small configuration (ResNet-18, batch 4, 64x256) that finishes in seconds.") var quick = false
    @Option(help: "A Python with torch and timm: also measure PyTorch in the same run.") var torch: String?
    @Option(parsing: .unconditional, help: "Threads for GeoKit and PyTorch alike.") var threads: Int?
    @Option(parsing: .unconditional, help: "Batch size.") var batch: Int?
    @Option(parsing: .unconditional, help: "Timed steps (the median is reported).") var steps: Int?

    func run() throws {
        if let threads { try OptionCheck.number(threads, "--threads", .between(1, 1024), command: "bench", example: "2") }
        if let batch { try OptionCheck.number(batch, "--batch", .between(1, 4096), command: "bench", example: "8") }
        if let steps { try OptionCheck.number(steps, "--steps", .between(1, 100_000), command: "bench", example: "5") }
        var c = quick ? Benchmark.Configuration.quick : Benchmark.Configuration()
        if let threads { c.threads = threads }
        if let batch { c.batch = batch }
        if let steps { c.steps = steps }
        let bench = Benchmark(c)
        print("geokit bench: \(c.model), batch \(c.batch), 3x\(c.height)x\(c.width), \(c.threads) threads, median of \(c.steps) steps")
        let env = ProcessInfo.processInfo.environment
        print("OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "(unset)") OPENBLAS_L2_SIZE=\(env["OPENBLAS_L2_SIZE"] ?? "(unset)")")
        var results = [try bench.runGeoKit()]
        if let torch { results.append(try bench.runTorch(python: torch)) }
        print("| framework | sgemm GFLOPS | train images/s | eval images/s |")
        print("|---|---|---|---|")
        for r in results {
            print(String(format: "| %@ | %.1f | %.2f | %.2f |", r.framework, r.gemmGFLOPS ?? 0, r.trainImagesPerSecond, r.evalImagesPerSecond))
        }
        if results.count == 2 {
            let (g, t) = (results[0], results[1])
            print(
                String(
                    format: "GeoKit time / PyTorch time: training %.2fx, eval %.2fx",
                    t.trainImagesPerSecond / g.trainImagesPerSecond, t.evalImagesPerSecond / g.evalImagesPerSecond))
        }
    }
}
