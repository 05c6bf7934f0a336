import Foundation
import GeoKitCore
import GeoKitData

/// A line plot drawn with cairo: title, axes with ticks at round numbers and
/// their values, axis labels, a light grid, one coloured line per series
/// (markers at each point when a series is sparse) and a legend. The same
/// plot renders to a raster (`png`) for a quick look and to SVG for the report.
public struct LinePlot {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// A thin line without markers (e.g. the loss of every step under the epoch means).
        public var thin: Bool

        public init(_ name: String, _ points: [(x: Double, y: Double)], thin: Bool = false) {
            self.name = name
            self.points = points
            self.thin = thin
        }
    }

    public static let colours: [Canvas.Colour] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Where the parts of the plot go on a `width` x `height` canvas.
    public struct Layout {
        public let plot: (x: Double, y: Double, width: Double, height: Double)
        /// The bands the title and the axis labels are written in.
        public let title: (x: Double, y: Double, width: Double, height: Double)
        public let xLabel: (x: Double, y: Double, width: Double, height: Double)
        public let yLabel: (x: Double, y: Double, width: Double, height: Double)

        public init(width: Int, height: Int) {
            let (w, h) = (Double(width), Double(height))
            let left = 68.0, right = 16.0, top = 30.0, bottom = 46.0
            plot = (left, top, w - left - right, h - top - bottom)
            title = (left, 0, w - left - right, top - 4)
            xLabel = (left, h - 18, w - left - right, 18)
            yLabel = (0, top, 20, h - top - bottom)
        }
    }

    public func png(width: Int = 560, height: Int = 340) -> Image {
        let canvas = Canvas(.raster, width: width, height: height)
        draw(on: canvas)
        return canvas.rendered()
    }

    public func svg(width: Int = 560, height: Int = 340) -> Data {
        let canvas = Canvas(.svg, width: width, height: height)
        draw(on: canvas)
        return canvas.svgDocument()
    }

    /// Writes `<base>.png` and `<base>.svg` atomically.
    public func write(to base: URL) throws {
        try AtomicFile.write(PNG.encode(png()), to: base.appendingPathExtension("png"))
        try AtomicFile.write(svg(), to: base.appendingPathExtension("svg"))
    }

    public func draw(on canvas: Canvas) {
        let layout = Layout(width: canvas.width, height: canvas.height)
        let (px, py, pw, ph) = layout.plot
        let all = series.flatMap(\.points).filter { $0.y.isFinite }
        let xTicks = Ticks(all.map(\.x), integers: true), yTicks = Ticks(all.map(\.y), integers: false)
        func sx(_ x: Double) -> Double { px + (x - xTicks.low) / (xTicks.high - xTicks.low) * pw }
        func sy(_ y: Double) -> Double { py + ph - (y - yTicks.low) / (yTicks.high - yTicks.low) * ph }

        let grid: Canvas.Colour = (232, 232, 232), axis: Canvas.Colour = (90, 90, 90)
        for t in xTicks.values {
            canvas.line([(sx(t), py), (sx(t), py + ph)], colour: grid, width: 1)
            canvas.line([(sx(t), py + ph), (sx(t), py + ph + 4)], colour: axis, width: 1)
            canvas.text(xTicks.label(t), x: sx(t), y: py + ph + 16, size: 10, alignment: .centre)
        }
        for t in yTicks.values {
            canvas.line([(px, sy(t)), (px + pw, sy(t))], colour: grid, width: 1)
            canvas.line([(px - 4, sy(t)), (px, sy(t))], colour: axis, width: 1)
            canvas.text(yTicks.label(t), x: px - 7, y: sy(t) + 3.5, size: 10, alignment: .right)
        }
        canvas.line([(px, py), (px, py + ph), (px + pw, py + ph)], colour: axis, width: 1)
        canvas.text(title, x: layout.title.x + layout.title.width / 2, y: layout.title.height - 6, size: 13, alignment: .centre, bold: true)
        canvas.text(xLabel, x: layout.xLabel.x + layout.xLabel.width / 2, y: layout.xLabel.y + 13, size: 11, alignment: .centre)
        canvas.text(yLabel, x: layout.yLabel.x + 14, y: layout.yLabel.y + layout.yLabel.height / 2, size: 11, alignment: .centre, vertical: true)

        for (i, s) in series.enumerated() {
            let colour = LinePlot.colours[i % LinePlot.colours.count]
            let points = s.points.filter { $0.y.isFinite }.map { (sx($0.x), sy($0.y)) }
            canvas.line(points, colour: colour, width: s.thin ? 1 : 2)
            if !s.thin && points.count <= 60 { for p in points { canvas.dot(x: p.0, y: p.1, radius: 2.8, colour: colour) } }
        }
        let named = series.enumerated().filter { !$0.element.name.isEmpty }
        guard !named.isEmpty else { return }
        let entryWidth = named.map { canvas.textWidth($0.element.name, size: 10) }.max()! + 30
        let boxHeight = Double(named.count) * 15 + 8
        // The corner of the plot whose box would cover the fewest data points.
        let screen = series.flatMap { s -> [(Double, Double)] in
            let points = s.points.filter { $0.y.isFinite }.map { (sx($0.x), sy($0.y)) }
            // Points along each segment too, so a long straight line counts where it passes.
            return zip(points, points.dropFirst()).flatMap { a, b in
                (0..<16).map { t in (a.0 + (b.0 - a.0) * Double(t) / 16, a.1 + (b.1 - a.1) * Double(t) / 16) }
            }
                + points
        }
        let corners = [
            (px + pw - entryWidth - 8, py + 8), (px + pw - entryWidth - 8, py + ph - boxHeight - 8), (px + 8, py + 8), (px + 8, py + ph - boxHeight - 8)
        ]
        func covered(_ corner: (Double, Double)) -> Int {
            screen.filter { $0.0 >= corner.0 - 4 && $0.0 <= corner.0 + entryWidth + 4 && $0.1 >= corner.1 - 4 && $0.1 <= corner.1 + boxHeight + 4 }.count
        }
        let (bx, by) = corners.min { covered($0) < covered($1) }!
        canvas.fill(x: bx, y: by, width: entryWidth, height: boxHeight, colour: (255, 255, 255))
        canvas.frame(x: bx, y: by, width: entryWidth, height: boxHeight, colour: (200, 200, 200))
        for (row, (i, s)) in named.enumerated() {
            let y = by + 12 + Double(row) * 15
            canvas.line([(bx + 6, y - 3.5), (bx + 22, y - 3.5)], colour: LinePlot.colours[i % LinePlot.colours.count], width: s.thin ? 1 : 2)
            canvas.text(s.name, x: bx + 26, y: y, size: 10)
        }
    }
}

/// Axis ticks at 1, 2 or 5 times a power of ten covering the values (about five of them).
struct Ticks {
    let low: Double
    let high: Double
    let step: Double
    let values: [Double]

    init(_ data: [Double], integers: Bool) {
        var lo = data.min() ?? 0, hi = data.max() ?? 1
        if hi - lo < 1e-12 {
            lo -= integers ? 1 : Swift.max(0.5, abs(lo) * 0.1)
            hi += integers ? 1 : Swift.max(0.5, abs(hi) * 0.1)
        }
        let raw = (hi - lo) / 5, magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integers { step = Swift.max(1, step.rounded()) }
        self.step = step
        low = floor(lo / step) * step
        high = Swift.max(ceil(hi / step) * step, low + step)
        values = stride(from: low, through: high + step / 2, by: step).map { $0 }
    }

    func label(_ value: Double) -> String {
        let decimals = step >= 1 ? 0 : Int(-floor(log10(step)))
        return String(format: "%.\(decimals)f", abs(value) < step / 1e6 ? 0 : value)
    }
}
