internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// A loss written in C (`geokit_loss_vtable`): the batch's two (N, D)
/// descriptor batches of one dtype and its N location ids become a scalar.
public final class CLoss: CComponentModule, LossFunction {
    public func loss(_ batch: LossBatch) -> Tensor {
        let query = batch.views[0].descriptor, reference = batch.views[1].descriptor
        require(
            query.rank == 2 && query.shape == reference.shape,
            "GeoKit: \(qualifiedName): a loss takes two (N, D) descriptor batches of one shape, got \(query.shape) and \(reference.shape)")
        require(batch.locationIDs.count == query.shape[0], "GeoKit: \(qualifiedName): \(batch.locationIDs.count) location ids for \(query.shape[0]) rows")
        requireSameDType([query, reference], "the query and reference descriptors")
        let vtable = component.vtable(geokit_loss_vtable.self)
        let parameters = weights(as: query.dtype)
        let ids = batch.locationIDs.map(Int64.init)
        let value = Tensor(zeros: [], dtype: query.dtype)
        // Views: query, reference, loss, then the parameters.
        ids.withUnsafeBufferPointer { ids in
            callC("forward", [query, reference, value] + parameters, outputs: [value]) { c, v in
                vtable.forward!(c, v + 3, v, v + 1, ids.baseAddress, v + 2)
            }
        }
        return value.recorded(qualifiedName, inputs: [query, reference] + parameters) { g in
            let gq = Tensor(zeros: query.shape, dtype: query.dtype)
            let gr = Tensor(zeros: reference.shape, dtype: reference.dtype)
            let gradients = parameters.map { Tensor(zeros: $0.shape, dtype: $0.dtype) }
            let n = parameters.count
            // Views: query, reference, grad_loss, grad_query, grad_reference, the parameters, their gradients.
            ids.withUnsafeBufferPointer { ids in
                self.callC(
                    "backward", [query, reference, g.to(query.dtype).reshaped([]), gq, gr] + parameters + gradients,
                    outputs: [gq, gr] + gradients
                ) { c, v in
                    vtable.backward!(c, v + 5, v, v + 1, ids.baseAddress, v + 2, v + 3, v + 4, v + 5 + n)
                }
            }
            return [gq, gr] + gradients
        }
    }
}
