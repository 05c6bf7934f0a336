import Foundation
import GeoKitCore

/// What a benchmark ran on, for the header of `geokit bench`: the CPU model
/// and the instruction-set extensions that decide which kernels the
/// libraries pick (from /proc/cpuinfo), the thread count, every line of
/// `Backends.description`, and the OpenBLAS variables as the environment
/// sets them. Figures from different machines do not compare; the header
/// says which machine a table belongs to.
public struct MachineReport: Sendable, Equatable {
    /// The extensions that matter for the kernels, in the order they are printed.
    public static let notableExtensions = [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
        "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"
    ]
    /// The variables that change OpenBLAS's kernel choice and blocking.
    public static let openBLASVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]

    /// /proc/cpuinfo's "model name" (or "unknown CPU").
    public var cpuModel: String
    /// Logical CPUs ("processor" entries).
    public var logicalCPUs: Int
    /// The notable extensions among the first CPU's flags, in `notableExtensions` order.
    public var extensions: [String]
    /// `NAME=value` for each of `openBLASVariables`, `NAME=(unset)` where the environment lacks it.
    public var openBLAS: [String]

    /// Reads `cpuinfo` (the text of /proc/cpuinfo) and `environment`.
    public init(cpuinfo: String, environment: [String: String]) {
        var model: String?, flags: Set<String>?, processors = 0
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "processor": processors += 1
            case "model name" where model == nil: model = value
            case "flags" where flags == nil: flags = Set(value.split(separator: " ").map(String.init))
            default: break
            }
        }
        cpuModel = model ?? "unknown CPU"
        logicalCPUs = processors
        extensions = Self.notableExtensions.filter { flags?.contains($0) == true }
        openBLAS = Self.openBLASVariables.map { "\($0)=\(environment[$0] ?? "(unset)")" }
    }

    /// This machine (/proc/cpuinfo and the process environment).
    public static var current: MachineReport {
        MachineReport(
            cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "",
            environment: ProcessInfo.processInfo.environment)
    }

    /// The header lines: CPU and ISA, threads, each backend line, the OpenBLAS variables.
    public func lines(threads: Int, backends: String = Backends.description) -> [String] {
        let isa = extensions.isEmpty ? "none of \(Self.notableExtensions.joined(separator: " "))" : extensions.joined(separator: " ")
        let amx = extensions.contains { $0.hasPrefix("amx") } ? "" : " (no AMX)"
        return [
            "CPU: \(cpuModel), \(logicalCPUs) logical CPUs; ISA: \(isa)\(amx)",
            "threads: \(threads) (GeoKit, PyTorch and onnxruntime alike)"
        ] + backends.split(separator: "\n").map(String.init) + [openBLAS.joined(separator: " ")]
    }
}
