import GeoKitCore

/// The two sides of a cross-view pair: the ground-level (or drone) query
/// and the aerial (satellite) reference.
public enum CrossView: String, CaseIterable, Sendable { case ground, aerial }
