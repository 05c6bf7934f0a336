import Foundation
import GeoKitCore
import GeoKitData

/// Wall-clock timing of repeated runs: warm-up runs first, then the median
/// of the timed ones (robust to a stray slow run on a shared machine).
public enum Stopwatch {
    public static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    public static func median(warmup: Int, runs: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        let times = (0..<max(runs, 1)).map { _ in seconds(body) }.sorted()
        return times[times.count / 2]
    }
}
