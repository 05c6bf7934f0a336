internal import COpenBLAS
import Foundation

/// What the kernel computes with, as it reports it at run time (for
/// `geokit --version` and bug reports): GeoKit's version and one line per
/// numeric backend.
public enum Backends {
    /// GeoKit's release version.
    public static let version = "0.3.0"

    /// The BLAS the kernel linked and the core it dispatched to on this machine.
    public static var blas: String {
        let core = String(cString: openblas_get_corename())
        let config = String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces)
        return "OpenBLAS (core \(core); \(config); \(openblas_get_num_threads()) threads)"
    }

    /// One line per backend, `name: description`.
    public static var description: String {
        ["BLAS: \(blas)", "oneDNN: \(OneDNN.description)", "kernel threads: \(Parallel.threadCount) (GEOKIT_NUM_THREADS)"].joined(separator: "\n")
    }
}
