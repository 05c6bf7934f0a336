import Foundation
import GeoKitCore

/// University-1652's training augmentation, each view on its own, as the
/// University-1652 baseline (and LPN, RK-Net) transform their views: colour
/// jitter, `Pad(pad, edge)`, a random rotation (the baseline's satellite
/// `RandomAffine(90)`: uniform in [-90, 90] degrees, corners black, nearest
/// pixel), `RandomCrop` back to the input size, a horizontal flip, random
/// erasing. Nothing here assumes a panorama: `PairAugmentation`'s
/// synchronised mirror and roll only hold for a 360-degree panorama aligned
/// with its polar tile, and would scramble a drone photograph.
public struct DroneAugmentation: Sendable {
    /// The view an image is of; drone and street images share the drone settings (the baseline's `transform_train`).
    public enum View: Sendable { case drone, satellite, street }

    /// Edge pixels added on each side before the random crop back to the input size (0 = no shift).
    public var pad = 10
    /// Probability of a left-right mirror.
    public var flipProbability = 0.5
    /// Largest rotation of drone and street images in degrees, drawn uniformly in [-r, r] (0: none, the baseline's).
    public var droneRotation = 0.0
    /// Largest rotation of satellite images in degrees (the baseline's `RandomAffine(90)`).
    public var satelliteRotation = 90.0
    /// Maximum relative change of brightness, contrast and saturation (0 = off; `Image.colourJittered`).
    public var colourJitter = 0.0
    /// Probability of erasing one random rectangle (`Image.erasingRandomRectangle`).
    public var erasingProbability = 0.0

    public init() {}

    /// Everything off: returns images unchanged.
    public static let none: DroneAugmentation = {
        var a = DroneAugmentation()
        a.pad = 0; a.flipProbability = 0; a.satelliteRotation = 0
        return a
    }()

    /// Augments one image of `view`; the result has the input's size.
    public func apply(_ image: Image, view: View, generator g: inout RandomGenerator) -> Image {
        var out = image
        if colourJitter > 0 { out = out.colourJittered(colourJitter, generator: &g) }
        let rotation = view == .satellite ? satelliteRotation : droneRotation
        if pad > 0 || rotation > 0 {
            out = out.paddedReplicatingEdges(pad)
            if rotation > 0 { out = out.rotated(degrees: rotation * (2 * g.uniform() - 1)) }
            let y = Int(g.next() % UInt64(2 * pad + 1)), x = Int(g.next() % UInt64(2 * pad + 1))
            out = out.cropped(rows: y..<(y + image.height), columns: x..<(x + image.width))
        }
        if g.uniform() < flipProbability { out = out.flippedHorizontally() }
        if erasingProbability > 0, g.uniform() < erasingProbability { out = out.erasingRandomRectangle(generator: &g) }
        return out
    }
}

extension Image {
    /// The image with `pad` pixels added on every side, each a copy of the nearest edge pixel (`Pad(pad, 'edge')`).
    public func paddedReplicatingEdges(_ pad: Int) -> Image {
        guard pad > 0 else { return self }
        var out = Image(height: height + 2 * pad, width: width + 2 * pad, channels: channels)
        for y in 0..<out.height {
            let sy = min(max(y - pad, 0), height - 1)
            for x in 0..<out.width {
                let src = (sy * width + min(max(x - pad, 0), width - 1)) * channels, dst = (y * out.width + x) * channels
                for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
            }
        }
        return out
    }

    /// The image turned counter-clockwise by `degrees` about its centre, same size, nearest pixel, uncovered
    /// corners black (torchvision's `rotate` with its defaults; 90 degrees is `rotated(quarterTurns: 3)`).
    public func rotated(degrees: Double) -> Image {
        let angle = degrees * Double.pi / 180, (cosine, sine) = (Foundation.cos(angle), Foundation.sin(angle))
        let cy = Double(height - 1) / 2, cx = Double(width - 1) / 2
        var out = Image(height: height, width: width, channels: channels)
        for y in 0..<height {
            for x in 0..<width {
                // The source of an output pixel: the output position turned back by the angle.
                let dx = Double(x) - cx, dy = Double(y) - cy
                let sx = Int((cx + dx * cosine - dy * sine).rounded()), sy = Int((cy + dx * sine + dy * cosine).rounded())
                guard (0..<width).contains(sx), (0..<height).contains(sy) else { continue }
                let src = (sy * width + sx) * channels, dst = (y * width + x) * channels
                for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
            }
        }
        return out
    }
}
