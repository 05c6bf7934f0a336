import GeoKitCore
import GeoKitData

/// The loss of a recipe that adds losses (`Loss("instance") + Loss("infonce", weight: 0.5)`):
/// the weighted sum of its terms, each seeing the whole batch. Each term's
/// parameters are registered under its registry name (`loss.infonce.logit_scale`),
/// so a checkpoint's keys do not depend on the order the recipe lists them in.
public final class WeightedSumLoss: Module, LossFunction {
    public let terms: [(name: String, weight: Double, loss: LossFunction)]

    /// `terms` have distinct names (the recipe builder refuses repeats).
    public init(_ terms: [(name: String, weight: Double, loss: LossFunction)]) {
        self.terms = terms
        super.init()
        for term in terms { register(term.name, term.loss) }
    }

    public var needs: LossNeeds { LossNeeds(logits: terms.contains { $0.loss.needs.logits }) }

    public func loss(_ batch: LossBatch) -> Tensor {
        let weighted = terms.map { term -> Tensor in
            let value = term.loss.loss(batch)
            return term.weight == 1 ? value : value * term.weight
        }
        return weighted.dropFirst().reduce(weighted[0], +)
    }
}
