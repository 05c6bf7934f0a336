import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// How to train: epochs, batch size (pairs), optimiser, schedule,
/// gradient accumulation, the backbone's learning-rate scale (a second
/// parameter group) and the seed every random choice derives from.
///
/// ```swift
/// Train(epochs: 40, batchSize: 24, optimizer: .adamW(lr: 1e-5, weightDecay: 5e-5), schedule: .cosine(warmupEpochs: 1))
/// ```
public struct Train: RecipePart {
    public enum Optimizer: Sendable {
        case sgd(lr: Double, momentum: Double = 0.9, nesterov: Bool = true, weightDecay: Double = 5e-4)
        case adam(lr: Double, weightDecay: Double = 0)
        case adamW(lr: Double, weightDecay: Double = 0.01)
    }
    public enum Schedule: Sendable {
        case constant
        /// Linear warm-up over `warmupEpochs` (fractions allowed), then cosine to 0.
        case cosine(warmupEpochs: Double = 1)
        /// Multiply by `gamma` every `stepEpochs` epochs, after `warmupEpochs` of linear warm-up.
        case step(stepEpochs: Int, gamma: Double = 0.1, warmupEpochs: Double = 0)
    }

    private var values: [(String, ParameterValue)] = []

    public init(epochs: Int, batchSize: Int, optimizer: Optimizer = .adamW(lr: 1e-3), schedule: Schedule = .cosine(),
                accumulate: Int = 1, backboneLRScale: Double = 1, clipNorm: Double = 0, seed: Int = 0) {
        values = [("epochs", .int(epochs)), ("batchSize", .int(batchSize)), ("accumulate", .int(accumulate)),
                  ("backboneLRScale", .double(backboneLRScale)), ("clipNorm", .double(clipNorm)), ("seed", .int(seed))]
        switch optimizer {
        case .sgd(let lr, let momentum, let nesterov, let wd):
            values += [("optimizer", .string("sgd")), ("lr", .double(lr)), ("momentum", .double(momentum)),
                       ("nesterov", .bool(nesterov)), ("weightDecay", .double(wd))]
        case .adam(let lr, let wd):
            values += [("optimizer", .string("adam")), ("lr", .double(lr)), ("weightDecay", .double(wd))]
        case .adamW(let lr, let wd):
            values += [("optimizer", .string("adamw")), ("lr", .double(lr)), ("weightDecay", .double(wd))]
        }
        switch schedule {
        case .constant:
            values += [("schedule", .string("constant")), ("warmupEpochs", .double(0))]
        case .cosine(let warmup):
            values += [("schedule", .string("cosine")), ("warmupEpochs", .double(warmup))]
        case .step(let every, let gamma, let warmup):
            values += [("schedule", .string("step")), ("stepEpochs", .int(every)), ("gamma", .double(gamma)),
                       ("warmupEpochs", .double(warmup))]
        }
    }

    public func contribute(to settings: inout RecipeSettings) {
        for (key, value) in values { settings["train.\(key)"] = value }
    }
}
