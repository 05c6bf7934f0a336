import Foundation
import GeoKitCore

/// Training augmentations for aerial/ground pairs, deterministic for a
/// generator: synchronised mirroring, aerial quarter turns with the matching
/// panorama roll (Sample4Geo), colour jitter, random erasing, random
/// resized crops of the aerial tile, and limited field-of-view crops of the
/// panorama at a random heading.
public struct PairAugmentation: Sendable {
    /// Probability of mirroring both views east-west together.
    public var flipProbability: Double = 0.5
    /// Turn the aerial by a random k x 90 degrees and roll the panorama to match.
    public var rotate: Bool = true
    /// Maximum relative change of brightness, contrast and saturation (0 = off).
    public var colourJitter: Double = 0.2
    /// Probability of erasing one random rectangle in each view.
    public var erasingProbability: Double = 0.25
    /// Smallest side fraction of the random aerial crop (1 = no cropping).
    public var minimumCropFraction: Double = 0.85
    /// Field of view of the ground crop in degrees, at a random heading (nil = full panorama).
    public var fieldOfView: Double?

    public init() {}

    /// Everything off: returns the inputs unchanged.
    public static let none: PairAugmentation = {
        var a = PairAugmentation()
        a.flipProbability = 0; a.rotate = false; a.colourJitter = 0; a.erasingProbability = 0; a.minimumCropFraction = 1
        return a
    }()

    /// Augments one pair. The ground image must be a full panorama whose
    /// columns follow the polar transform's bearing convention.
    public func apply(aerial: Image, ground: Image, generator g: inout RandomGenerator) -> (aerial: Image, ground: Image) {
        var a = aerial, p = ground
        if g.uniform() < flipProbability {
            a = a.flippedHorizontally()
            p = p.panoramaMirrored()
        }
        if rotate {
            let k = Int(g.next() % 4)
            a = a.rotated(quarterTurns: k)
            p = p.rolled(columns: -k * p.width / 4)
        }
        if minimumCropFraction < 1 {
            // A random square crop resized back: the camera moves off the tile centre (the polar
            // transform's pole) by at most half the removed margin, as with imprecise GPS.
            let side = Int(Double(a.height) * (minimumCropFraction + g.uniform() * (1 - minimumCropFraction)))
            let slack = a.height - side
            let y = Int(g.next() % UInt64(slack + 1)), x = Int(g.next() % UInt64(slack + 1))
            a = a.cropped(rows: y..<(y + side), columns: x..<(x + side)).resized(height: aerial.height, width: aerial.width)
        }
        if colourJitter > 0 {
            a = a.colourJittered(colourJitter, generator: &g)
            p = p.colourJittered(colourJitter, generator: &g)
        }
        if erasingProbability > 0 {
            if g.uniform() < erasingProbability { a = a.erasingRandomRectangle(generator: &g) }
            if g.uniform() < erasingProbability { p = p.erasingRandomRectangle(generator: &g) }
        }
        if let fieldOfView {
            p = p.panoramaCrop(degrees: fieldOfView, centreColumn: Int(g.next() % UInt64(p.width)))
        }
        return (a, p)
    }
}

extension Image {
    /// Random brightness, contrast and saturation changes of at most `amount` (relative).
    public func colourJittered(_ amount: Double, generator g: inout RandomGenerator) -> Image {
        let brightness = Float(1 + amount * (2 * g.uniform() - 1))
        let contrast = Float(1 + amount * (2 * g.uniform() - 1))
        let saturation = Float(1 + amount * (2 * g.uniform() - 1))
        var out = self
        let n = height * width, c = channels, colours = min(c, 3)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                var total: Float = 0
                for p in 0..<n { for k in 0..<colours { total += Float(src[p * c + k]) } }
                let mean = total / Float(n * colours)
                for p in 0..<n {
                    let base = p * c
                    var grey: Float = 0
                    for k in 0..<colours { grey += Float(src[base + k]) }
                    grey = grey / Float(colours) * brightness
                    for k in 0..<colours {
                        let v = mean + (grey + (Float(src[base + k]) * brightness - grey) * saturation - mean) * contrast
                        dst[base + k] = UInt8(min(max(v, 0), 255) + 0.5)
                    }
                }
            }
        }
        return out
    }

    /// Random erasing: one rectangle (2-25% of the area, aspect 0.3-3.3) filled with random bytes.
    public func erasingRandomRectangle(generator g: inout RandomGenerator) -> Image {
        let area = Double(height * width) * (0.02 + 0.23 * g.uniform())
        let aspect = Foundation.exp(Foundation.log(0.3) + g.uniform() * Foundation.log(11.0))
        let h = min(height, max(1, Int((area * aspect).squareRoot())))
        let w = min(width, max(1, Int((area / aspect).squareRoot())))
        let y0 = Int(g.next() % UInt64(height - h + 1)), x0 = Int(g.next() % UInt64(width - w + 1))
        var out = self
        for y in y0..<(y0 + h) {
            for x in x0..<(x0 + w) {
                for k in 0..<channels { out[y, x, k] = UInt8(truncatingIfNeeded: g.next()) }
            }
        }
        return out
    }
}
