internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// A loss written in C (`geokit_loss_vtable`): two (N, D) descriptor
/// batches of one dtype become a scalar.
public final class CLoss: CComponentModule, LossFunction {
    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        require(
            query.rank == 2 && query.shape == reference.shape,
            "GeoKit: \(qualifiedName): a loss takes two (N, D) descriptor batches of one shape, got \(query.shape) and \(reference.shape)")
        requireSameDType([query, reference], "the query and reference descriptors")
        let vtable = component.vtable(geokit_loss_vtable.self)
        let parameters = weights(as: query.dtype)
        let value = Tensor(zeros: [], dtype: query.dtype)
        // Views: query, reference, loss, then the parameters.
        callC("forward", [query, reference, value] + parameters, outputs: [value]) { c, v in vtable.forward!(c, v + 3, v, v + 1, v + 2) }
        return value.recorded(qualifiedName, inputs: [query, reference] + parameters) { g in
            let gq = Tensor(zeros: query.shape, dtype: query.dtype)
            let gr = Tensor(zeros: reference.shape, dtype: reference.dtype)
            let gradients = parameters.map { Tensor(zeros: $0.shape, dtype: $0.dtype) }
            let n = parameters.count
            // Views: query, reference, grad_loss, grad_query, grad_reference, the parameters, their gradients.
            self.callC(
                "backward", [query, reference, g.to(query.dtype).reshaped([]), gq, gr] + parameters + gradients,
                outputs: [gq, gr] + gradients
            ) { c, v in
                vtable.backward!(c, v + 5, v, v + 1, v + 2, v + 3, v + 4, v + 5 + n)
            }
            return [gq, gr] + gradients
        }
    }
}
