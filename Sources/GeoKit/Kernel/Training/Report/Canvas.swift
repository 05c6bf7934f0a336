internal import CCairo
import Foundation
import GeoKitCore
import GeoKitData

/// A drawing surface over cairo, the one place the plots and pictures touch
/// it: shapes, lines, text in DejaVu Sans (fonts-dejavu-core, found through
/// fontconfig) and images, onto a raster (read back as an `Image`, so
/// GeoKit's own PNG writer and reader handle the file) or an SVG document.
public final class Canvas {
    public enum Kind { case raster, svg }
    public enum Alignment { case left, centre, right }
    /// An 8-bit RGB colour.
    public typealias Colour = (red: UInt8, green: UInt8, blue: UInt8)

    public let width: Int
    public let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let svg: SVGSink?

    /// A white canvas of `width` x `height` pixels (SVG: points).
    public init(_ kind: Kind, width: Int, height: Int) {
        self.width = width
        self.height = height
        switch kind {
        case .raster:
            svg = nil
            surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        case .svg:
            let sink = SVGSink()
            svg = sink
            surface = cairo_svg_surface_create_for_stream(
                { closure, data, length in
                    let sink = Unmanaged<SVGSink>.fromOpaque(closure!).takeUnretainedValue()
                    if let data { sink.data.append(data, count: Int(length)) }
                    return CAIRO_STATUS_SUCCESS
                }, Unmanaged.passUnretained(sink).toOpaque(), Double(width), Double(height))
        }
        context = cairo_create(surface)
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fill(x: 0, y: 0, width: Double(width), height: Double(height), colour: (255, 255, 255))
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    private func source(_ c: Colour) {
        cairo_set_source_rgb(context, Double(c.red) / 255, Double(c.green) / 255, Double(c.blue) / 255)
    }

    public func fill(x: Double, y: Double, width: Double, height: Double, colour: Colour) {
        source(colour)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    /// The outline of a rectangle, `lineWidth` wide, drawn inside it.
    public func frame(x: Double, y: Double, width: Double, height: Double, colour: Colour, lineWidth: Double = 1) {
        source(colour)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x + lineWidth / 2, y + lineWidth / 2, width - lineWidth, height - lineWidth)
        cairo_stroke(context)
    }

    /// A polyline through `points` (at least two), optionally dashed.
    public func line(_ points: [(Double, Double)], colour: Colour, width: Double = 1.5, dashed: Bool = false) {
        guard let first = points.first, points.count > 1 else { return }
        source(colour)
        cairo_set_line_width(context, width)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        if dashed {
            let pattern: [Double] = [4, 3]
            cairo_set_dash(context, pattern, 2, 0)
        }
        cairo_move_to(context, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(context, p.0, p.1) }
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    public func dot(x: Double, y: Double, radius: Double, colour: Colour) {
        source(colour)
        cairo_arc(context, x, y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    /// The width of `text` at `size` points.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        font(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    private func font(size: Double, bold: Bool) {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    /// Draws `text` with its baseline at `y`, aligned at `x`; `vertical` turns it
    /// a quarter to the left (a y-axis label), `x` then being the baseline.
    public func text(
        _ text: String, x: Double, y: Double, size: Double = 11, colour: Colour = (40, 40, 40), alignment: Alignment = .left,
        bold: Bool = false, vertical: Bool = false
    ) {
        guard !text.isEmpty else { return }
        let width = textWidth(text, size: size, bold: bold)
        let shift: Double = alignment == .left ? 0 : alignment == .centre ? -width / 2 : -width
        source(colour)
        cairo_save(context)
        cairo_translate(context, x, y)
        if vertical { cairo_rotate(context, -Double.pi / 2) }
        cairo_move_to(context, shift, 0)
        cairo_show_text(context, text)
        cairo_restore(context)
    }

    /// Draws `image` (gray, RGB or RGBA; its alpha ignored) scaled smoothly into
    /// the rectangle, with `alpha` over what is there (a heat map over a photo).
    public func image(_ image: Image, x: Double, y: Double, width: Double, height: Double, alpha: Double = 1) {
        guard image.width > 0, image.height > 0 else { return }
        let picture = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height))!
        defer { cairo_surface_destroy(picture) }
        cairo_surface_flush(picture)
        let stride = Int(cairo_image_surface_get_stride(picture))
        let data = cairo_image_surface_get_data(picture)!
        for row in 0..<image.height {
            for column in 0..<image.width {
                let gray = image.channels == 1
                let r = image[row, column, 0], g = gray ? r : image[row, column, 1], b = gray ? r : image[row, column, 2]
                // RGB24 is a native-endian 32-bit 0xXXRRGGBB: bytes B, G, R, X on this little-endian machine.
                let o = row * stride + column * 4
                data[o] = b
                data[o + 1] = g
                data[o + 2] = r
                data[o + 3] = 255
            }
        }
        cairo_surface_mark_dirty(picture)
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, picture, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_BILINEAR)
        // Padding, not transparency, beyond the edge: a 4x16 map scaled up keeps its border cells' colour.
        cairo_pattern_set_extend(cairo_get_source(context), CAIRO_EXTEND_PAD)
        cairo_rectangle(context, 0, 0, Double(image.width), Double(image.height))
        cairo_clip(context)
        cairo_paint_with_alpha(context, alpha)
        cairo_restore(context)
    }

    /// The raster as an RGB image (a raster canvas only).
    public func rendered() -> Image {
        require(svg == nil, "GeoKit: Canvas.rendered() reads a raster canvas, this one is SVG")
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var result = Image(height: height, width: width, channels: 3)
        for row in 0..<height {
            for column in 0..<width {
                let o = row * stride + column * 4
                result[row, column, 0] = data[o + 2]
                result[row, column, 1] = data[o + 1]
                result[row, column, 2] = data[o]
            }
        }
        return result
    }

    /// The finished SVG document (an SVG canvas only; nothing can be drawn after it).
    public func svgDocument() -> Data {
        require(svg != nil, "GeoKit: Canvas.svgDocument() reads an SVG canvas, this one is a raster")
        cairo_surface_finish(surface)
        return svg!.data
    }
}

/// Collects the bytes cairo's SVG surface writes.
private final class SVGSink {
    var data = Data()
}
