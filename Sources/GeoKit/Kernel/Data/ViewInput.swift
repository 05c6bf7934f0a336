import GeoKitCore

/// Turns decoded images into the network inputs a recipe defines: ground
/// images resized to the panorama size, aerial tiles resized and (when the
/// recipe says so) polar-transformed, each normalised with the statistics
/// its branch's backbone expects, (N, 3, H, W).
public struct ViewInput: Sendable {
    public let groundSize: (height: Int, width: Int)
    /// The square size aerial tiles are resized to before the polar transform.
    public let aerialTileSize: Int
    public let aerialSize: (height: Int, width: Int)
    public let polar: PolarTransform?
    /// The normalisation of each view (the backbone's `inputConfiguration`; ImageNet's unless set).
    public var groundStatistics = ChannelStatistics.imageNet
    public var aerialStatistics = ChannelStatistics.imageNet

    /// Ground images at `groundSize`; aerial tiles at `aerialSize`, or with
    /// `polar` resized to `aerialTileSize` square and polar-transformed to `aerialSize`.
    public init(groundSize: (height: Int, width: Int), aerialTileSize: Int, aerialSize: (height: Int, width: Int), polar: Bool) {
        self.groundSize = groundSize
        self.aerialTileSize = aerialTileSize
        self.aerialSize = aerialSize
        self.polar = polar ? PolarTransform(aerialSize: aerialTileSize, height: aerialSize.height, width: aerialSize.width) : nil
    }

    /// A decoded ground image at the network's size (before augmentation).
    public func prepareGround(_ image: Image) -> Image {
        image.converted(toChannels: 3).resized(height: groundSize.height, width: groundSize.width)
    }

    /// A decoded aerial tile at the size augmentation works on (square when polar follows).
    public func prepareAerial(_ image: Image) -> Image {
        let a = image.converted(toChannels: 3)
        return polar == nil ? a.resized(height: aerialSize.height, width: aerialSize.width) : a.resized(height: aerialTileSize, width: aerialTileSize)
    }

    /// The view transform applied after augmentation (the polar transform, if any).
    public func finishAerial(_ image: Image) -> Image { polar.map { $0.apply(image) } ?? image }

    /// Ready images of one view -> (N, 3, H, W) float32, normalised for that view.
    public func stack(_ images: [Image], view: CrossView) -> Tensor {
        ViewInput.stack(images, statistics: view == .ground ? groundStatistics : aerialStatistics)
    }

    /// Ready images of one size -> (N, 3, H, W) float32, normalised with `statistics`.
    public static func stack(_ images: [Image], statistics: ChannelStatistics) -> Tensor {
        let h = images[0].height, w = images[0].width, plane = h * w
        let out = Tensor(zeros: [images.count, 3, h, w])
        let dst = out.pointer(Float.self)
        let mean = statistics.mean.map(Float.init), std = statistics.std.map(Float.init)
        for (n, image) in images.enumerated() {
            require(
                image.height == h && image.width == w && image.channels == 3,
                "GeoKit: ViewInput.stack: image \(n) is \(image.height)x\(image.width)x\(image.channels), the first \(h)x\(w)x3")
            image.pixels.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    let base = dst + (n * 3 + c) * plane
                    let scale = 1 / (255 * std[c]), shift = mean[c] / std[c]
                    for p in 0..<plane { base[p] = Float(src[p * 3 + c]) * scale - shift }
                }
            }
        }
        return out
    }
}
