import GeoKit
import XCTest

/// The cairo-drawn plots: the size asked for, text where the title and the
/// axis labels go (and none when they are empty), each series in its colour.
final class LinePlotTests: XCTestCase {
    private func plot(title: String = "training loss", x: String = "epoch", y: String = "loss", series: Bool = true) -> LinePlot {
        var steps: [(x: Double, y: Double)] = []
        for i in 0..<40 {
            let t = Double(i)
            steps.append((x: t / 20, y: 3 - t * 0.05 + 0.1 * sin(t)))
        }
        let lines = [LinePlot.Series("step", steps, thin: true), LinePlot.Series("epoch mean", [(x: 1, y: 2.4), (x: 2, y: 1.6)])]
        return LinePlot(title: title, xLabel: x, yLabel: y, series: series ? lines : [])
    }

    func testThePlotHasItsSizeAndTextWhereTheTitleAndAxisLabelsGo() throws {
        let image = try ImageChecks.throughPNG(plot().png(width: 560, height: 340))
        XCTAssertEqual([image.width, image.height, image.channels], [560, 340, 3])
        let layout = LinePlot.Layout(width: 560, height: 340)
        func ink(_ box: (x: Double, y: Double, width: Double, height: Double), _ picture: Image) -> Int {
            ImageChecks.darkPixels(picture, x: Int(box.x)..<Int(box.x + box.width), y: Int(box.y)..<Int(box.y + box.height))
        }
        XCTAssertGreaterThan(ink(layout.title, image), 40, "the title is written")
        XCTAssertGreaterThan(ink(layout.xLabel, image), 20, "the x-axis label is written")
        XCTAssertGreaterThan(ink(layout.yLabel, image), 20, "the y-axis label is written")
        let bare = try ImageChecks.throughPNG(plot(title: "", x: "", y: "").png(width: 560, height: 340))
        XCTAssertEqual(ink(layout.title, bare), 0, "no title, no ink in its band")
        XCTAssertEqual(ink(layout.xLabel, bare), 0, "no x label, no ink in its band")
        XCTAssertEqual(ink(layout.yLabel, bare), 0, "no y label, no ink in its band")
        // Tick numbers sit between the axis and the x label: there is ink under the axis in the labelled and bare plot alike.
        let ticks = (x: layout.plot.x, y: layout.plot.y + layout.plot.height + 5, width: layout.plot.width, height: 14.0)
        XCTAssertGreaterThan(ink(ticks, bare), 15, "the x ticks are numbered")
    }

    func testEachSeriesIsDrawnInItsColourAndNamedInTheLegend() throws {
        let image = try ImageChecks.throughPNG(plot().png())
        let empty = try ImageChecks.throughPNG(plot(series: false).png())
        for colour in LinePlot.colours.prefix(2) {
            // The thin step line is one antialiased pixel wide: few pixels have its exact colour, many are close.
            XCTAssertGreaterThan(ImageChecks.pixels(image, near: colour, tolerance: 40), 40, "series colour \(colour) is drawn")
            XCTAssertEqual(ImageChecks.pixels(empty, near: colour, tolerance: 40), 0, "no series, no colour \(colour)")
        }
    }

    func testTheSVGIsADocumentOfTheSameSize() throws {
        let svg = String(decoding: plot().svg(width: 400, height: 250), as: UTF8.self)
        XCTAssertTrue(svg.contains("<svg"), svg.prefix(200).description)
        XCTAssertTrue(svg.contains("width=\"400\"") || svg.contains("width=\"400pt\""), svg.prefix(300).description)
        XCTAssertTrue(svg.hasSuffix("</svg>\n") || svg.hasSuffix("</svg>"), String(svg.suffix(40)))
        XCTAssertGreaterThan(svg.components(separatedBy: "<path").count, 10, "lines and glyphs are paths")
    }
}
