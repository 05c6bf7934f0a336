import GeoKit
import XCTest

/// The one progress component off a terminal: a plain line at each quarter,
/// with rate and time left, and silence for work shorter than its quiet time.
final class ProgressBarTests: XCTestCase {
    private final class Lines: @unchecked Sendable {
        var all: [String] = []
    }

    func testOffATerminalItWritesOneLineAtEachQuarter() {
        let lines = Lines()
        let bar = ProgressBar(label: "eval", unit: "images", terminal: false, quietSeconds: 0) { lines.all.append($0) }
        for done in 1...8 { bar.update(done, 8) }
        XCTAssertEqual(lines.all.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }, ["eval 2/8", "eval 4/8", "eval 6/8", "eval 8/8"])
        XCTAssertTrue(lines.all.allSatisfy { $0.contains("images/s") && $0.contains("ETA ") }, lines.all.joined(separator: "\n"))
        XCTAssertTrue(lines.all.last!.contains("ETA 0:00"), lines.all.last!)
        // A second pass (the next epoch) counts from 1 again and reports its quarters again.
        for done in 1...8 { bar.update(done, 8, rate: 12.5, eta: 90) }
        XCTAssertEqual(lines.all.count, 8)
        XCTAssertTrue(lines.all.last!.contains("12.5 images/s  ETA 1:30"), lines.all.last!)
    }

    func testShortWorkStaysSilentOffATerminal() {
        let lines = Lines()
        let bar = ProgressBar(label: "embed", terminal: false, quietSeconds: 60) { lines.all.append($0) }
        for done in 1...100 { bar.update(done, 100) }
        XCTAssertEqual(lines.all, [])
    }

    func testDurationsReadAsClockTimes() {
        XCTAssertEqual(ProgressBar.duration(42), "0:42")
        XCTAssertEqual(ProgressBar.duration(3725), "1:02:05")
        XCTAssertEqual(ProgressBar.duration(.nan), "--:--")
    }
}
