import GeoKitCore

/// The kinds of part a GeoKit model is assembled from. A component is
/// addressed as `kind:name` (e.g. `attention:usam`) on the command line.
public enum ComponentKind: String, CaseIterable, Sendable, Codable {
    case backbone, attention, aggregator, loss, sampler, view, head
}
