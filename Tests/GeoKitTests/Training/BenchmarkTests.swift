import GeoKit
import XCTest

/// `geokit bench`'s parts that need neither torch nor timing: the profiler's
/// bookkeeping, the machine report, the PyTorch script's JSON (without
/// onnxruntime), the table's GFLOPS and ratios, and the command's refusals.
final class BenchmarkTests: XCTestCase {
    // MARK: Profiler

    func testAScopeOutsideAProfileRecordsNothingAndReturnsItsValue() throws {
        XCTAssertFalse(Profiler.isEnabled)
        XCTAssertEqual(Profiler.measure("idle") { 41 + 1 }, 42)
        let (value, report) = try Profiler.profiling { 7 }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(report.rows, [], "no scope ran inside the profile")
        XCTAssertEqual(report.outsideSeconds, report.totalSeconds)
        XCTAssertFalse(Profiler.isEnabled, "profiling switches the profiler off again")
    }

    func testNestedScopesCountAsTheOutermostOneAndTheRowsAddUp() throws {
        let (value, report) = try Profiler.profiling { () -> Int in
            let a = Profiler.measure("outer") { Profiler.measure("inner") { 3 } }
            Profiler.measure("outer") {}
            Profiler.measure("node", phase: .backward) {}
            Profiler.measure("node", phase: .forward) {}
            return a
        }
        XCTAssertEqual(value, 3)
        let calls = Dictionary(uniqueKeysWithValues: report.rows.map { ("\($0.phase.rawValue) \($0.name)", $0.calls) })
        XCTAssertEqual(calls, ["forward outer": 2, "backward node": 1, "forward node": 1], "the inner scope is part of the outer one")
        let sum = report.rows.reduce(0) { $0 + $1.seconds } + report.outsideSeconds
        XCTAssertEqual(sum, report.totalSeconds, accuracy: 1e-9)
        XCTAssertEqual(report.rows(.backward).map(\.name), ["node"])
        XCTAssertThrowsError(try Profiler.profiling { try Profiler.profiling {} }) { error in
            XCTAssertTrue("\(error)".contains("already running"), "\(error)")
        }
        XCTAssertFalse(Profiler.isEnabled)
    }

    func testOpsAndBackwardNodesAppearByName() throws {
        let x = Tensor.randn([4, 6], seed: 1).requiringGrad()
        let w = Tensor.randn([5, 6], seed: 2).requiringGrad(), b = Tensor.randn([5], seed: 3).requiringGrad()
        let (_, report) = try Profiler.profiling {
            for _ in 0..<2 {
                x.linear(weight: w, bias: b).layerNorm(axis: -1, weight: nil, bias: nil).mean().backward()
            }
        }
        let forward = Dictionary(uniqueKeysWithValues: report.rows(.forward).map { ($0.name, $0.calls) })
        XCTAssertEqual(forward["linear"], 2)
        XCTAssertEqual(forward["layer_norm"], 2)
        XCTAssertEqual(forward["mean"], 2)
        XCTAssertNil(forward["matmul"], "linear's matmul is inside the linear scope")
        let backward = Set(report.rows(.backward).map(\.name))
        XCTAssertTrue(backward.isSuperset(of: ["matmul", "layer_norm"]), "\(backward)")
        XCTAssertFalse(report.rows(.other).isEmpty, "gradient accumulation is its own row")
        let perStep = report.divided(by: 2)
        XCTAssertEqual(perStep.rows.first { $0.name == "linear" }?.calls, 1)
        XCTAssertEqual(perStep.totalSeconds, report.totalSeconds / 2, accuracy: 1e-12)
        let lines = Benchmark.profileLines("test", perStep, unprofiledSeconds: 0.001)
        XCTAssertTrue(lines.contains { $0.hasPrefix("| forward | linear | 1 |") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("| — | outside ops |") })
        XCTAssertTrue(lines.last!.hasSuffix("| 100.0 |"), lines.last!)
    }

    // MARK: machine report

    func testTheMachineReportReadsCpuinfo() {
        let cpuinfo = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC 9R14 96-Core Processor
            flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_tile

            processor\t: 1
            model name\t: AMD EPYC 9R14 96-Core Processor
            flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_tile
            """
        let report = MachineReport(cpuinfo: cpuinfo, environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertEqual(report.cpuModel, "AMD EPYC 9R14 96-Core Processor")
        XCTAssertEqual(report.logicalCPUs, 2)
        XCTAssertEqual(report.extensions, ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_bf16", "amx_tile"])
        XCTAssertEqual(report.openBLAS, ["OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=(unset)"])
        let lines = report.lines(threads: 2, backends: "BLAS: test\nDNN: test")
        XCTAssertEqual(lines[0], "CPU: AMD EPYC 9R14 96-Core Processor, 2 logical CPUs; ISA: sse4_2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_tile")
        XCTAssertEqual(Array(lines[2...]), ["BLAS: test", "DNN: test", "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=(unset)"])
        let empty = MachineReport(cpuinfo: "", environment: [:])
        XCTAssertEqual(empty.cpuModel, "unknown CPU")
        XCTAssertEqual(empty.extensions, [])
    }

    // MARK: the PyTorch script's report and the table

    func testAReportWithoutOnnxruntimeDecodesAndTheTableSaysSo() throws {
        let output = """
            /tmp/x.py:3: UserWarning: something torch printed
            {"versions": {"python": "3.11.7", "torch": "2.15.0", "timm": "1.0.31", "onnxruntime": null, "onnx": null, \
            "onnxruntimeMissing": "ModuleNotFoundError: No module named 'onnxruntime'"}, "rows": [{"framework": "PyTorch contiguous", \
            "trainImagesPerSecond": 2.0, "evalImagesPerSecond": 10.0}, {"framework": "PyTorch channels_last", "trainImagesPerSecond": 8.0, \
            "evalImagesPerSecond": 40.0}], "notes": ["onnxruntime not measured: ModuleNotFoundError: No module named 'onnxruntime'"]}
            """
        let report = try TorchBenchmarkReport.decode(output, from: "python")
        XCTAssertNil(report.versions.onnxruntime)
        XCTAssertNil(report.memory)
        XCTAssertEqual(report.rows.map(\.framework), ["PyTorch contiguous", "PyTorch channels_last"])
        XCTAssertTrue(report.versions.line.contains("onnxruntime absent (ModuleNotFoundError"), report.versions.line)
        let geokit = Benchmark.Row(framework: "GeoKit", trainImagesPerSecond: 4, evalImagesPerSecond: 20)
        let run = Benchmark.ModelRun(model: "m", batch: 8, forwardFLOPs: 8 * 10_000_000_000, rows: [geokit] + report.rows, notes: report.notes)
        let text = run.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("| GeoKit | 4.00 | 120 | 20.00 | 200 |"), text)
        XCTAssertTrue(text.contains("onnxruntime not measured"), text)
        XCTAssertTrue(text.contains("m: GeoKit train / PyTorch best (PyTorch channels_last): 0.50x"), text)
        XCTAssertTrue(text.contains("m: GeoKit eval / PyTorch best (PyTorch channels_last): 0.50x"), text)
        XCTAssertFalse(text.contains("/ onnxruntime"), text)
        let ort = Benchmark.Row(framework: "onnxruntime", trainImagesPerSecond: nil, evalImagesPerSecond: 80)
        let withOrt = Benchmark.ModelRun(model: "m", batch: 8, forwardFLOPs: 8 * 10_000_000_000, rows: [geokit, ort]).lines
        XCTAssertTrue(withOrt.contains("| onnxruntime | — | — | 80.00 | 800 |"), withOrt.joined(separator: "\n"))
        XCTAssertTrue(withOrt.contains("m: GeoKit eval / onnxruntime: 0.25x"), withOrt.joined(separator: "\n"))
        XCTAssertThrowsError(try TorchBenchmarkReport.decode("Traceback ...\nImportError: no torch", from: "/usr/bin/python3")) { error in
            XCTAssertTrue("\(error)".contains("/usr/bin/python3"), "\(error)")
        }
    }

    // MARK: the command's refusals

    func testTheBenchOptionsAreRefusedWithOneMessage() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-bench-tests-cache")
        let cases: [([String], [String])] = [
            (["bench", "--model", "resnet5"], ["--model must be all or a registered backbone, got 'resnet5'", "convnext_tiny"]),
            (["bench", "--torch", "/nonexistent/python"], ["the Python given to --torch does not exist", "/nonexistent/python"]),
            (["bench", "--batch", "0"], ["--batch must be in [1, 4096], got 0"]),
            (["bench", "--profile", "--threads", "2000"], ["--threads must be in [1, 1024], got 2000"])
        ]
        for (arguments, phrases) in cases {
            assertRefused(try GeoKitProcess.run(arguments, cache: cache), saying: phrases)
        }
    }
}
