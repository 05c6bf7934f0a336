import GeoKitCore

/// A component that can show where it looked, for `geokit explain` and the
/// run report: its own map of the last forward (USAM's keypoint map, Triplet
/// Attention's spatial gate, SAFA's spatial weights, LPN's parts). A
/// separate protocol rather than a requirement of `AttentionModule`, so that
/// components that have no map (and plugins built before it) change nothing:
/// a component that does not adopt it has no map, and the pictures fall back
/// to the class-activation map of the features.
public protocol AttentionMapReporting: AnyObject {
    /// (N, K, h, w), or (1, K, h, w) when it is the same for every image, over
    /// the component's input grid, larger meaning more weight: K maps (heads,
    /// parts) each drawn over the image. nil before the first forward.
    var lastMap: Tensor? { get }
    /// What the K maps are, for the picture's captions (e.g. "SAFA spatial weights").
    var mapTitle: String { get }
}
