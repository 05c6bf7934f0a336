import GeoKit
import XCTest

final class TrainingTests: XCTestCase {
    /// 200 steps lower the loss by at least 90%, identically for the same seed.
    func testTinyCNNLearnsDeterministically() {
        let losses = trainTinyCNN(seed: 7, steps: 200)
        let start = losses.prefix(5).reduce(0, +) / 5
        let end = losses.suffix(10).reduce(0, +) / 10
        XCTAssertLessThanOrEqual(end, 0.1 * start, "loss went from \(start) to \(end)")
        XCTAssertEqual(trainTinyCNN(seed: 7, steps: 200), losses, "same seed, same losses")
        XCTAssertNotEqual(trainTinyCNN(seed: 8, steps: 20), Array(losses.prefix(20)), "another seed, another run")
    }

    /// The tape frees what it saves: resident memory after 1000 training
    /// steps stays within 10% of its value after 100.
    func testMemoryIsStableOverTraining() {
        var at100 = 0, at1000 = 0
        _ = trainTinyCNN(seed: 3, steps: 1000) { step in
            if step == 100 { at100 = Memory.residentBytes() }
            if step == 1000 { at1000 = Memory.residentBytes() }
        }
        XCTAssertGreaterThan(at100, 0)
        XCTAssertLessThanOrEqual(Double(at1000), 1.1 * Double(at100), "RSS \(at100) bytes after 100 steps, \(at1000) after 1000")
        print("memory: RSS \(at100 / 1024) KiB after 100 steps, \(at1000 / 1024) KiB after 1000")
    }
}
