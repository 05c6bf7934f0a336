import GeoKitCore
import GeoKitData

/// A classifier on the aggregator's output, for losses that predict the
/// location (`loss:instance`): per input — the descriptor, or each part of an
/// aggregator that yields parts (LPN) — a retrieval feature and logits over
/// the training locations. Views share one head.
///
/// A head is sized in two steps, because a recipe states neither number:
/// `build(inputSizes:)` when the model is assembled (from the aggregator's
/// output at the recipe's image sizes), `setClasses(_:)` when the training
/// split is known (the trainer, or a checkpoint's classifier shape).
public protocol HeadModule: Module {
    /// Creates the layers that do not depend on the number of locations, one set per input.
    func build(inputSizes: [Int])
    /// The number of locations the classifier predicts, once known.
    var classes: Int? { get }
    /// Creates the classifier for `count` locations; throws when it was already made for another count.
    func setClasses(_ count: Int) throws
    /// The size of the retrieval feature made of an input of `inputSize`.
    func featureSize(inputSize: Int) -> Int
    /// Inputs (N, D_i), as many as `build` was given -> per input (feature (N, F), logits (N, classes) once sized).
    func classify(_ inputs: [Tensor]) -> [(feature: Tensor, logits: Tensor?)]
}
