internal import COpenBLAS
import Foundation

/// Work splitting for element-wise and per-channel kernels. GEMMs are not
/// called from inside `parallelFor`: OpenBLAS has its own threads, and
/// nesting the two would oversubscribe the cores.
public enum Parallel {
    /// Worker count: `GEOKIT_NUM_THREADS` or the number of active cores.
    nonisolated(unsafe) public private(set) static var threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["GEOKIT_NUM_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Sets the worker count for GeoKit's kernels, OpenBLAS and oneDNN together.
    public static func setThreadCount(_ n: Int) {
        threadCount = max(1, n)
        openblas_set_num_threads(Int32(threadCount))
        OneDNN.setThreadCount(threadCount)
    }

    /// Calls `body` on disjoint chunks covering 0..<count, in parallel when
    /// the work is large enough (`grain` is the smallest useful chunk).
    @inline(__always)
    public static func forEachChunk(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(grain, 1)))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let size = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * size
            let end = min(count, start + size)
            if start < end { body(start..<end) }
        }
    }
}
