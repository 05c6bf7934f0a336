import GeoKitCore
import GeoKitData

/// `loss:instance` (University-1652 baseline, RK-Net, LPN): each training
/// location is a class; the cross-entropy (mean over the batch) of every
/// logits tensor of every view — one per view, or one per part with LPN's
/// per-part heads — against the rows' location ids, summed.
public final class InstanceLoss: Module, LossFunction {
    public var needs: LossNeeds { LossNeeds(logits: true) }

    public func loss(_ batch: LossBatch) -> Tensor {
        let logits = batch.views.flatMap(\.logits)
        require(!logits.isEmpty, "GeoKit: loss:instance was given no logits (the model builder refuses a model without a head)")
        return logits.dropFirst().reduce(logits[0].crossEntropy(targets: batch.locationIDs)) {
            $0 + $1.crossEntropy(targets: batch.locationIDs)
        }
    }
}
