import Foundation
import GeoKit

/// A synthetic world of `locations` in `layout`, at the smallest sizes (32-pixel tiles, 16x64 panoramas), for the
/// dataset-reader tests; returns the plan.
@discardableResult
func writeTinyWorld(_ layout: SynthOptions.Layout, locations: Int, seed: UInt64, to root: URL) throws -> [SynthLocation] {
    var options = SynthOptions()
    options.layout = layout
    options.locations = locations
    options.seed = seed
    options.aerialSize = 32
    (options.panoramaHeight, options.panoramaWidth) = (16, 64)
    return try SynthWriter(options: options, root: root).write()
}
