import GeoKitCore

/// Descriptors of the two views -> a scalar loss. `query` holds the ground
/// (or drone) descriptors (N, D), `reference` the aerial ones, row i of each
/// from the same location.
public protocol LossFunction: Module {
    func loss(query: Tensor, reference: Tensor) -> Tensor
}
