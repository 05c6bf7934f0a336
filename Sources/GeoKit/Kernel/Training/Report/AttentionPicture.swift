import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes

/// Where a model looks in one image: the class-activation map of its final
/// feature map, and the own maps of its attention components (those that
/// adopt `AttentionMapReporting`), each over the image the network saw (for
/// a polar-transformed aerial view, the polar image).
public struct AttentionPicture {
    /// One map, h x w, scaled to 0...1.
    public struct Map {
        public let title: String
        public let height: Int
        public let width: Int
        public let values: [Float]
    }

    /// The image at the network's input size, as it entered the network (before normalisation).
    public let input: Image
    public let view: CrossView
    public let maps: [Map]

    /// The most maps of one component drawn (SAFA has 8 heads).
    public static let mapsPerComponent = 4

    /// Runs `image` through the `view` branch of `model` (eval mode, no
    /// gradient; the mode is restored) and collects its maps. The
    /// class-activation map weights each channel of the final feature map by
    /// the descriptor's value for it when the aggregator pools per channel
    /// (GeM, average, max: the map then splits the descriptor's squared norm
    /// over the positions), else by its mean activation.
    public init(model: CrossViewModel, image: Image, view: CrossView, input: ViewInput) throws {
        let prepared = view == .ground ? input.prepareGround(image) : input.finishAerial(input.prepareAerial(image))
        let branch = view == .ground ? model.ground : model.aerial
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var maps: [Map] = []
        try noGrad {
            var features = branch.backbone(input.stack([prepared], view: view))
            for attention in branch.attentions { features = attention(features) }
            let descriptor = branch.aggregator(features)
            try ComponentFailure.check()
            maps.append(Self.activationMap(features: features, descriptor: descriptor))
            let components: [Module] = branch.inserted.map(\.module) + branch.attentions + [branch.aggregator]
            for case let reporting as AttentionMapReporting in components {
                guard let map = reporting.lastMap, map.rank == 4 else { continue }
                let (count, h, w) = (map.shape[1], map.shape[2], map.shape[3])
                let values = map.scalars(as: Float.self)
                for k in 0..<Swift.min(count, Self.mapsPerComponent) {
                    let title = count > 1 ? "\(reporting.mapTitle) \(k + 1) of \(count)" : reporting.mapTitle
                    maps.append(Map(title: title, height: h, width: w, values: Self.scaled(Array(values[(k * h * w)..<((k + 1) * h * w)]))))
                }
            }
        }
        self.input = prepared
        self.view = view
        self.maps = maps
    }

    private static func activationMap(features: Tensor, descriptor: Tensor) -> Map {
        let (c, h, w) = (features.shape[1], features.shape[2], features.shape[3])
        let a = features.scalars(as: Float.self), d = descriptor.scalars(as: Float.self)
        let perChannel = descriptor.shape.count == 2 && descriptor.shape[1] == c
        let weights: [Float] = (0..<c).map { k in
            perChannel ? d[k] : a[(k * h * w)..<((k + 1) * h * w)].reduce(0, +) / Float(h * w)
        }
        var map = [Float](repeating: 0, count: h * w)
        for k in 0..<c {
            let weight = weights[k]
            for i in 0..<(h * w) { map[i] += weight * a[k * h * w + i] }
        }
        return Map(title: "class activation (final features)", height: h, width: w, values: scaled(map.map { Swift.max(0, $0) }))
    }

    /// Min-max scaled to 0...1 (a constant map becomes 0).
    static func scaled(_ values: [Float]) -> [Float] {
        let lo = values.min() ?? 0, hi = values.max() ?? 0
        return values.map { hi - lo > 1e-12 ? ($0 - lo) / (hi - lo) : 0 }
    }

    /// The colour of a map value (0 blue, 0.5 green-yellow, 1 red): a
    /// perceptually ordered ramp so that "more" reads as "warmer".
    static func heat(_ v: Float) -> (UInt8, UInt8, UInt8) {
        let stops: [(Float, Float, Float)] = [(48, 18, 59), (40, 120, 240), (30, 200, 160), (180, 230, 50), (250, 170, 30), (200, 30, 20)]
        let t = Swift.min(1, Swift.max(0, v)) * Float(stops.count - 1)
        let i = Swift.min(stops.count - 2, Int(t)), f = t - Float(i)
        func mix(_ a: Float, _ b: Float) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return (mix(stops[i].0, stops[i + 1].0), mix(stops[i].1, stops[i + 1].1), mix(stops[i].2, stops[i + 1].2))
    }

    /// A map as a small RGB image of its own size, coloured by `heat`.
    static func heatImage(_ map: Map) -> Image {
        var image = Image(height: map.height, width: map.width, channels: 3)
        for (i, v) in map.values.enumerated() {
            let (r, g, b) = heat(v)
            image.pixels[3 * i] = r
            image.pixels[3 * i + 1] = g
            image.pixels[3 * i + 2] = b
        }
        return image
    }

    /// The panels of several pictures (e.g. the ground and the aerial view of
    /// one location), one row each: the input, then each map blended over it.
    public static func render(_ pictures: [AttentionPicture], caption: String? = nil) -> Image {
        let panelHeight = 128.0, gap = 10.0, titleBand = 18.0, top = caption == nil ? 0.0 : 22.0
        func panelWidth(_ p: AttentionPicture) -> Double { (panelHeight * Double(p.input.width) / Double(Swift.max(1, p.input.height))).rounded() }
        let width = pictures.map { gap + Double($0.maps.count + 1) * (panelWidth($0) + gap) }.max() ?? gap
        let height = top + Double(pictures.count) * (titleBand + panelHeight + gap) + gap
        let canvas = Canvas(.raster, width: Int(width), height: Int(height))
        if let caption { canvas.text(caption, x: gap, y: 16, size: 12, bold: true) }
        for (row, picture) in pictures.enumerated() {
            let y = top + gap + Double(row) * (titleBand + panelHeight + gap), w = panelWidth(picture)
            let panels: [(String, Map?)] = [("\(picture.view) input", nil)] + picture.maps.map { ($0.title, $0) }
            for (column, (title, map)) in panels.enumerated() {
                let x = gap + Double(column) * (w + gap)
                canvas.text(title, x: x, y: y + 12, size: 10)
                canvas.image(picture.input, x: x, y: y + titleBand, width: w, height: panelHeight)
                if let map {
                    canvas.image(heatImage(map), x: x, y: y + titleBand, width: w, height: panelHeight, alpha: 0.55)
                }
            }
        }
        return canvas.rendered()
    }
}
