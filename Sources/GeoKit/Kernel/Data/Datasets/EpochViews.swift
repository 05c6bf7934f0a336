import Foundation
import GeoKitCore

/// Per loader item, the images a training epoch draws its views from, when an item is a location with several
/// images (University-1652: a building's drone images, and its street images for a third view). Each augmented
/// epoch draws one of each list from (seed, epoch, item), so a location is one item of an epoch whatever image it
/// shows, and every batch a sampler composes of distinct items holds distinct locations.
public struct EpochViews: Sendable {
    /// Per item, the ground (drone) images one is drawn from (each list non-empty, as many lists as items).
    public let ground: [[URL]]
    /// Per item, the third view's images (street), or nil: two views.
    public let street: [[URL]]?

    public init(ground: [[URL]], street: [[URL]]? = nil) {
        require(
            ground.allSatisfy { !$0.isEmpty } && (street.map { $0.count == ground.count && $0.allSatisfy { !$0.isEmpty } } ?? true),
            "GeoKit: EpochViews needs a non-empty list of images per item in each view")
        self.ground = ground
        self.street = street
    }

    /// The image of `item` drawn from `choices` for `epoch` (`salt` tells the views' draws apart).
    static func draw(_ choices: [URL], seed: UInt64, epoch: Int, item: Int, salt: UInt64) -> URL {
        guard choices.count > 1 else { return choices[0] }
        var g = RandomGenerator(seed: SeedMixing.hash(seed, UInt64(epoch), UInt64(item), salt))
        return choices[Int(g.next() % UInt64(choices.count))]
    }
}
