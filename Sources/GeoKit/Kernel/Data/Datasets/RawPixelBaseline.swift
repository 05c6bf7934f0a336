import GeoKitCore

/// Retrieval by raw pixels: the floor a learned model must beat, and the
/// check that the synthetic world is not solvable without learning. Each
/// aerial tile is polar-transformed, both views are shrunk (antialiased) to a
/// small RGB thumbnail, mean-centred and L2-normalised, and each ground image
/// retrieves the aerial thumbnail with the largest dot product.
public enum RawPixelBaseline {
    /// The normalised thumbnail of an image.
    public static func descriptor(_ image: Image, height: Int = 16, width: Int = 64) -> [Float] {
        let small = image.converted(toChannels: 3).resized(height: height, width: width)
        var v = small.pixels.map { Float($0) }
        let mean = v.reduce(0, +) / Float(v.count)
        var norm: Float = 0
        for i in v.indices { v[i] -= mean; norm += v[i] * v[i] }
        let scale = 1 / max(norm.squareRoot(), 1e-6)
        return v.map { $0 * scale }
    }

    /// Recall@K in percent for each K, ground i's true match being aerial i.
    /// Aerial tiles must be square; grounds full 360-degree panoramas.
    public static func recall(
        aerials: [Image], grounds: [Image], ks: [Int] = [1, 5, 10],
        height: Int = 16, width: Int = 64
    ) -> [Int: Double] {
        require(
            aerials.count == grounds.count && !aerials.isEmpty,
            "GeoKit: raw-pixel recall needs as many aerial tiles as ground images (got \(aerials.count) and \(grounds.count))")
        let polar = PolarTransform(aerialSize: aerials[0].height, height: grounds[0].height, width: grounds[0].width)
        let gallery = aerials.map { descriptor(polar.apply($0), height: height, width: width) }
        let queries = grounds.map { descriptor($0, height: height, width: width) }
        var hits = [Int: Int]()
        for (i, q) in queries.enumerated() {
            let scores = gallery.map { g in zip(q, g).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let rank = scores.filter { $0 > scores[i] }.count
            for k in ks where rank < k { hits[k, default: 0] += 1 }
        }
        return Dictionary(uniqueKeysWithValues: ks.map { ($0, 100 * Double(hits[$0] ?? 0) / Double(queries.count)) })
    }
}
