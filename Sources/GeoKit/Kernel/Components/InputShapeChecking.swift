import GeoKitCore
import GeoKitData

/// A component that accepts only some input shapes says which: built for a
/// channel count, a map size, a number of parts the map must hold, or (a
/// loss) a batch of at least two pairs. The forward contract checks the
/// array a user passes and the model builder checks the map a recipe's
/// backbone produces, so a wrong shape is refused with a GeoKitError before
/// it reaches a kernel's precondition.
public protocol InputShapeChecking {
    /// Throws a GeoKitError saying what the component accepts when `shape`
    /// is not accepted. `shape` is the feature map's (N, C, H, W) for an
    /// attention module or aggregator, the query descriptors' (N, D) for a loss.
    func checkInput(shape: [Int]) throws
}

/// The check of a loss whose negatives come from the batch: two (N, D)
/// batches with N >= 2.
public func checkPairBatch(shape: [Int], component: String) throws {
    guard shape.count == 2 else {
        throw GeoKitError("\(component) takes (N, D) descriptor batches, got shape \(shape)", where: component)
    }
    guard shape[0] >= 2 else {
        throw GeoKitError(
            "\(component) needs at least 2 pairs in a batch (its negatives come from the batch), got \(shape[0])",
            where: component, remedy: "pass N >= 2 descriptors (a recipe's train.batchSize must be >= 2)")
    }
}
