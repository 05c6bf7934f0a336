import GeoKitCore
import GeoKitData

/// The contents of one city block (the land between road lines kx, kx + 1
/// and ky, ky + 1), drawn from a generator seeded by the block's indices.
struct SynthBlock {
    let world: SynthWorld
    let kx: Int, ky: Int
    /// The land between the road centre lines.
    let west: Double, east: Double, south: Double, north: Double
    /// The buildable land inside the sidewalks.
    let innerWest: Double, innerEast: Double, innerSouth: Double, innerNorth: Double
    let urbanity: Float

    init(world: SynthWorld, kx: Int, ky: Int) {
        self.world = world
        self.kx = kx
        self.ky = ky
        west = world.line(.east, kx); east = world.line(.east, kx + 1)
        south = world.line(.north, ky); north = world.line(.north, ky + 1)
        innerWest = west + world.roadWidth(.east, kx) / 2 + 3.5
        innerEast = east - world.roadWidth(.east, kx + 1) / 2 - 3.5
        innerSouth = south + world.roadWidth(.north, ky) / 2 + 3.5
        innerNorth = north - world.roadWidth(.north, ky + 1) / 2 - 3.5
        urbanity = world.urbanity(east: (west + east) / 2, north: (south + north) / 2)
    }

    private static let grass = RGB(hex: 0x5E7F3A), dirt = RGB(hex: 0x8C7E5C), paving = RGB(hex: 0x9A968E)
    private static let palette: [UInt32] = [
        0xA0522D, 0x5A5E68, 0x4A5A78, 0x7A5238, 0xB8B4A8, 0x4F6F52, 0xD8D4C4,
        0x8E3B3B, 0xC2A36B, 0x6E6A8A, 0x3E4E5E, 0xB07848
    ]

    func ground() -> SynthPrimitive {
        let top = urbanity > 0.62 ? SynthBlock.paving : urbanity > 0.35 ? SynthBlock.grass : SynthBlock.grass.mixed(SynthBlock.dirt, 0.3)
        return SynthPrimitive(
            .rectangle(minEast: west, minNorth: south, maxEast: east, maxNorth: north),
            surface: urbanity > 0.62 ? .ground : .grass, top: top)
    }

    func contents() -> [SynthPrimitive] {
        var g = RandomGenerator(seed: SynthNoise.cell(world.seed, kx, ky, 99))
        guard innerEast - innerWest > 8, innerNorth - innerSouth > 8 else { return [] }
        let r = g.uniform()
        if urbanity > 0.62 {
            return r < 0.18 ? parking(&g) : towers(&g)
        } else if urbanity > 0.35 {
            if r < 0.12 { return park(&g) }
            if r < 0.2 { return parking(&g) }
            return houses(&g)
        } else {
            if r < 0.2 { return lake(&g) }
            if r < 0.38 { return forest(&g) }
            return farm(&g)
        }
    }

    private func rect(_ w: Double, _ s: Double, _ e: Double, _ n: Double) -> SynthPrimitive.Shape {
        .rectangle(minEast: w, minNorth: s, maxEast: e, maxNorth: n)
    }

    /// A building colour: roof a darker shade, facade a lighter one of the same hue,
    /// so the two views share the building's identity.
    private func buildingColours(_ g: inout RandomGenerator) -> (RGB, RGB) {
        let base = RGB(hex: SynthBlock.palette[Int(g.next() % UInt64(SynthBlock.palette.count))])
        let jitter = RGB(Float(g.uniform()), Float(g.uniform()), Float(g.uniform())) * 0.12 - 0.06
        let c = base + jitter
        return (c * 0.85, c.mixed(RGB(0.92, 0.9, 0.86), 0.3))
    }

    private func towers(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        var out: [SynthPrimitive] = []
        let nx = 1 + Int(g.next() % 2), ny = 1 + Int(g.next() % 2)
        let cw = (innerEast - innerWest) / Double(nx), ch = (innerNorth - innerSouth) / Double(ny)
        for i in 0..<nx {
            for j in 0..<ny {
                if g.uniform() < 0.15 { continue }
                let inset = 1 + g.uniform() * 5
                let w0 = innerWest + Double(i) * cw + inset, e0 = innerWest + Double(i + 1) * cw - inset
                let s0 = innerSouth + Double(j) * ch + inset, n0 = innerSouth + Double(j + 1) * ch - inset
                guard e0 - w0 > 6, n0 - s0 > 6 else { continue }
                let (roof, facade) = buildingColours(&g)
                let height = Float(12 + g.uniform() * 36)
                out.append(SynthPrimitive(rect(w0, s0, e0, n0), surface: .flatRoof, height: height, top: roof, side: facade))
                if g.uniform() < 0.4 {
                    // A smaller stepped-back top storey.
                    let mw = (e0 - w0) * 0.25, mh = (n0 - s0) * 0.25
                    out.append(
                        SynthPrimitive(
                            rect(w0 + mw, s0 + mh, e0 - mw, n0 - mh), surface: .flatRoof,
                            height: height + Float(4 + g.uniform() * 12), top: roof * 0.9, side: facade))
                }
            }
        }
        for _ in 0..<Int(g.next() % 4) { out.append(randomTree(&g)) }
        return out
    }

    private func houses(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        var out: [SynthPrimitive] = []
        let depth = 14.0
        // Rows of houses along the south and north edges, and along west and east in the middle.
        var lots: [(Double, Double, Double, Double, Int)] = []
        var x = innerWest
        while x + 10 < innerEast {
            let w = 11 + g.uniform() * 8
            let e = min(x + w, innerEast)
            lots.append((x, innerSouth, e, min(innerSouth + depth, innerNorth), 0))
            if innerNorth - depth > innerSouth + depth + 2 { lots.append((x, innerNorth - depth, e, innerNorth, 0)) }
            x = e
        }
        var y = innerSouth + depth + 1
        while y + 10 < innerNorth - depth - 1 {
            let h = 11 + g.uniform() * 8
            let n = min(y + h, innerNorth - depth - 1)
            lots.append((innerWest, y, min(innerWest + depth, innerEast), n, 1))
            if innerEast - depth > innerWest + depth + 2 { lots.append((innerEast - depth, y, innerEast, n, 1)) }
            y = n
        }
        for (w0, s0, e0, n0, _) in lots {
            if g.uniform() < 0.12 { out.append(tree(&g, around: (w0, s0, e0, n0))); continue }
            let bw = min(e0 - w0 - 2, 7 + g.uniform() * 5), bh = min(n0 - s0 - 2, 7 + g.uniform() * 4)
            guard bw > 4, bh > 4 else { continue }
            let cx = (w0 + e0) / 2 + (g.uniform() - 0.5) * max(0, e0 - w0 - bw - 2)
            let cy = (s0 + n0) / 2 + (g.uniform() - 0.5) * max(0, n0 - s0 - bh - 2)
            let (roof, facade) = buildingColours(&g)
            let gabled = g.uniform() < 0.75
            out.append(
                SynthPrimitive(
                    rect(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2),
                    surface: gabled ? .gabledRoof : .flatRoof, height: Float(4.5 + g.uniform() * 5),
                    top: roof, side: facade, detail: bw > bh ? 0 : 1))
            if g.uniform() < 0.6 { out.append(tree(&g, around: (w0, s0, e0, n0))) }
        }
        // The block's interior: lawn with a few trees.
        for _ in 0..<Int(g.next() % 5) { out.append(randomTree(&g)) }
        return out
    }

    private func park(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        var out: [SynthPrimitive] = [SynthPrimitive(rect(innerWest, innerSouth, innerEast, innerNorth), surface: .grass, top: RGB(hex: 0x4F8A35))]
        let cx = (innerWest + innerEast) / 2, cy = (innerSouth + innerNorth) / 2
        // Footpaths crossing the park.
        out.append(SynthPrimitive(rect(innerWest, cy - 1.2, innerEast, cy + 1.2), surface: .ground, top: RGB(hex: 0xB5A888)))
        out.append(SynthPrimitive(rect(cx - 1.2, innerSouth, cx + 1.2, innerNorth), surface: .ground, top: RGB(hex: 0xB5A888)))
        if g.uniform() < 0.6 {
            let r = min(innerEast - innerWest, innerNorth - innerSouth) * (0.15 + g.uniform() * 0.12)
            out.append(
                SynthPrimitive(
                    .disc(east: cx + (g.uniform() - 0.5) * r, north: cy + (g.uniform() - 0.5) * r, radius: r),
                    surface: .water, top: RGB(hex: 0x2E5D7A)))
        }
        for _ in 0..<(8 + Int(g.next() % 14)) { out.append(randomTree(&g)) }
        return out
    }

    private func parking(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        var out = [SynthPrimitive(rect(innerWest, innerSouth, innerEast, innerNorth), surface: .parking, top: RGB(hex: 0x56565A))]
        // Parked cars in the stall rows (seen from both views: not transient).
        let fill = g.uniform()
        for rowStart in stride(from: innerSouth, to: innerNorth - 5, by: 16) {
            for y in [rowStart, rowStart + 11] where y + 5 <= innerNorth {
                var x = innerWest + 1.3
                while x + 1.3 < innerEast {
                    if g.uniform() < fill {
                        out.append(
                            SynthPrimitive(
                                rect(x - 0.9, y + 0.3, x + 0.9, y + 4.6), surface: .vehicle, height: 1.5,
                                top: carColour(&g)))
                    }
                    x += 2.6
                }
            }
        }
        return out
    }

    private func lake(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        var out: [SynthPrimitive] = []
        let cx = (innerWest + innerEast) / 2, cy = (innerSouth + innerNorth) / 2
        let rmax = min(innerEast - innerWest, innerNorth - innerSouth) / 2
        for _ in 0..<(2 + Int(g.next() % 3)) {
            let r = rmax * (0.35 + g.uniform() * 0.45)
            out.append(
                SynthPrimitive(
                    .disc(east: cx + (g.uniform() - 0.5) * (rmax - r), north: cy + (g.uniform() - 0.5) * (rmax - r), radius: r),
                    surface: .water, top: RGB(hex: 0x2B5670)))
        }
        for _ in 0..<Int(g.next() % 8) { out.append(randomTree(&g)) }
        return out
    }

    private func forest(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        (0..<(25 + Int(g.next() % 25))).map { _ in randomTree(&g) }
    }

    private func farm(_ g: inout RandomGenerator) -> [SynthPrimitive] {
        let crops: [(UInt32, UInt32)] = [(0xC8B560, 0xAE9A4A), (0x6E9A3C, 0x587E2E), (0x8A6A48, 0x74583A), (0x9DB04A, 0x7F9438)]
        let (a, b) = crops[Int(g.next() % UInt64(crops.count))]
        var out = [
            SynthPrimitive(
                rect(innerWest, innerSouth, innerEast, innerNorth), surface: .field, top: RGB(hex: a),
                side: RGB(hex: b), detail: Float(g.uniform() < 0.5 ? 1 : -1) * Float(2 + g.uniform() * 3))
        ]
        if g.uniform() < 0.45 {
            let w = 10 + g.uniform() * 10, h = 8 + g.uniform() * 8
            let x = innerWest + 2 + g.uniform() * max(0, innerEast - innerWest - w - 4)
            let y = innerSouth + 2 + g.uniform() * max(0, innerNorth - innerSouth - h - 4)
            let (roof, facade) = buildingColours(&g)
            out.append(
                SynthPrimitive(
                    rect(x, y, x + w, y + h), surface: .gabledRoof, height: Float(5 + g.uniform() * 5),
                    top: roof, side: facade, detail: w > h ? 0 : 1))
        }
        if g.uniform() < 0.5 {
            // A row of trees along the southern edge.
            var x = innerWest + 3
            while x < innerEast - 3 {
                out.append(treeAt(&g, east: x, north: innerSouth + 2.5))
                x += 6 + g.uniform() * 4
            }
        }
        return out
    }

    private func randomTree(_ g: inout RandomGenerator) -> SynthPrimitive {
        treeAt(
            &g, east: innerWest + 3 + g.uniform() * max(0, innerEast - innerWest - 6),
            north: innerSouth + 3 + g.uniform() * max(0, innerNorth - innerSouth - 6))
    }

    private func tree(_ g: inout RandomGenerator, around lot: (Double, Double, Double, Double)) -> SynthPrimitive {
        treeAt(&g, east: lot.0 + 2 + g.uniform() * max(0, lot.2 - lot.0 - 4), north: lot.1 + 2 + g.uniform() * max(0, lot.3 - lot.1 - 4))
    }

    private func treeAt(_ g: inout RandomGenerator, east: Double, north: Double) -> SynthPrimitive {
        let radius = 1.8 + g.uniform() * 2.8
        let green = RGB(hex: 0x3F6B2A) + RGB(Float(g.uniform()) * 0.08, Float(g.uniform()) * 0.12, Float(g.uniform()) * 0.05)
        return SynthPrimitive(
            .disc(east: east, north: north, radius: radius), surface: .canopy,
            height: Float(radius * (1.6 + g.uniform())), top: green, side: green * 0.8, detail: Float(radius * 0.5))
    }

    private func carColour(_ g: inout RandomGenerator) -> RGB {
        let colours: [UInt32] = [0xE8E8E8, 0x202020, 0x9A9EA4, 0xA02020, 0x1E3A8A, 0x5A6A5A, 0xD0C8B0]
        return RGB(hex: colours[Int(g.next() % UInt64(colours.count))])
    }
}
