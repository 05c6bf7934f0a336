import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// Simple line plots as PNG files: white background, grey axes with a
/// light grid at tenths of the value range, one coloured line per series
/// (blue, orange, green, red, in order), x = epoch. No text is drawn: the
/// range is written to the log and the series are in metrics.json.
public enum LinePlot {
    public static let colours: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]

    /// Writes the plot atomically; series with fewer than one point leave an empty frame.
    public static func write(
        title: String, series: [(name: String, points: [(Double, Double)])], to url: URL,
        width: Int = 480, height: Int = 300
    ) throws {
        let image = draw(series: series.map(\.points), width: width, height: height)
        try AtomicFile.write(PNG.encode(image), to: url)
        _ = title
    }

    public static func draw(series: [[(Double, Double)]], width: Int, height: Int) -> Image {
        var image = Image(height: height, width: width, channels: 3, value: 255)
        let margin = 24
        let all = series.flatMap { $0 }
        let xs = all.map(\.0), ys = all.map(\.1)
        let xMin = xs.min() ?? 0, xMax = Swift.max(xs.max() ?? 1, xMin + 1)
        var yMin = ys.min() ?? 0, yMax = ys.max() ?? 1
        if yMax - yMin < 1e-9 { yMin -= 0.5; yMax += 0.5 }
        let plotW = Double(width - 2 * margin), plotH = Double(height - 2 * margin)
        func px(_ x: Double) -> Double { Double(margin) + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { Double(height - margin) - (y - yMin) / (yMax - yMin) * plotH }

        func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            image.pixels[i] = c.0; image.pixels[i + 1] = c.1; image.pixels[i + 2] = c.2
        }
        for k in 0...10 {
            let y = margin + Int(Double(k) / 10 * plotH), x = margin + Int(Double(k) / 10 * plotW)
            for i in margin...(width - margin) { set(i, y, (235, 235, 235)) }
            for j in margin...(height - margin) { set(x, j, (235, 235, 235)) }
        }
        for i in margin...(width - margin) { set(i, height - margin, (90, 90, 90)) }
        for j in margin...(height - margin) { set(margin, j, (90, 90, 90)) }

        for (s, points) in series.enumerated() {
            let colour = colours[s % colours.count]
            for (a, b) in zip(points, points.dropFirst()) {
                let (x0, y0, x1, y1) = (px(a.0), py(a.1), px(b.0), py(b.1))
                let steps = Swift.max(1, Int(Swift.max(abs(x1 - x0), abs(y1 - y0)) * 2))
                for t in 0...steps {
                    let f = Double(t) / Double(steps)
                    let x = Int((x0 + (x1 - x0) * f).rounded()), y = Int((y0 + (y1 - y0) * f).rounded())
                    for dy in -1...1 { for dx in -1...1 { set(x + dx, y + dy, colour) } }
                }
            }
            for p in points {
                let x = Int(px(p.0).rounded()), y = Int(py(p.1).rounded())
                for dy in -2...2 { for dx in -2...2 { set(x + dx, y + dy, colour) } }
            }
        }
        return image
    }
}
