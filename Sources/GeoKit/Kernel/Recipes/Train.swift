import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// How to train: epochs, batch size (pairs), optimiser, schedule,
/// gradient accumulation, the backbone's learning-rate scale (a second
/// parameter group), the seed every random choice derives from, and how a
/// large contrastive batch is computed: `microBatch` pairs at a time by
/// gradient caching, BatchNorm statistics over every rank (`syncBatchNorm`,
/// under `mpirun`; docs/scale.md). The
/// trainer reads these typed values as they are (`--set train.NAME=VALUE`
/// writes them through `RecipeSetting.table`).
///
/// ```swift
/// Train(epochs: 40, batchSize: 24, optimizer: .adamW(lr: 1e-5, weightDecay: 5e-5), schedule: .cosine(warmupEpochs: 1))
/// Train(epochs: 40, batchSize: 128, microBatch: 8)  // one 128-pair InfoNCE softmax, activations of 8 pairs at a time
/// ```
public struct Train: RecipePart, Sendable {
    public enum Optimizer: Sendable, Equatable {
        case sgd(lr: Double, momentum: Double = 0.9, nesterov: Bool = true, weightDecay: Double = 5e-4)
        case adam(lr: Double, weightDecay: Double = 0)
        case adamW(lr: Double, weightDecay: Double = 0.01)

        /// The name `train.optimizer` spells it with.
        public var name: String {
            switch self {
            case .sgd: "sgd"
            case .adam: "adam"
            case .adamW: "adamw"
            }
        }

        public var lr: Double {
            get {
                switch self {
                case .sgd(let lr, _, _, _), .adam(let lr, _), .adamW(let lr, _): lr
                }
            }
            set {
                switch self {
                case .sgd(_, let m, let n, let wd): self = .sgd(lr: newValue, momentum: m, nesterov: n, weightDecay: wd)
                case .adam(_, let wd): self = .adam(lr: newValue, weightDecay: wd)
                case .adamW(_, let wd): self = .adamW(lr: newValue, weightDecay: wd)
                }
            }
        }

        public var weightDecay: Double {
            get {
                switch self {
                case .sgd(_, _, _, let wd), .adam(_, let wd), .adamW(_, let wd): wd
                }
            }
            set {
                switch self {
                case .sgd(let lr, let m, let n, _): self = .sgd(lr: lr, momentum: m, nesterov: n, weightDecay: newValue)
                case .adam(let lr, _): self = .adam(lr: lr, weightDecay: newValue)
                case .adamW(let lr, _): self = .adamW(lr: lr, weightDecay: newValue)
                }
            }
        }

        /// The optimiser `name` with this one's rate and weight decay (the other values their defaults).
        public func switched(to name: String) -> Optimizer? {
            switch name {
            case "sgd": .sgd(lr: lr, weightDecay: weightDecay)
            case "adam": .adam(lr: lr, weightDecay: weightDecay)
            case "adamw": .adamW(lr: lr, weightDecay: weightDecay)
            default: nil
            }
        }
    }

    public enum Schedule: Sendable, Equatable {
        case constant
        /// Linear warm-up over `warmupEpochs` (fractions allowed), then cosine to 0.
        case cosine(warmupEpochs: Double = 1)
        /// Multiply by `gamma` every `stepEpochs` epochs, after `warmupEpochs` of linear warm-up.
        case step(stepEpochs: Int, gamma: Double = 0.1, warmupEpochs: Double = 0)

        /// The name `train.schedule` spells it with.
        public var name: String {
            switch self {
            case .constant: "constant"
            case .cosine: "cosine"
            case .step: "step"
            }
        }

        /// The warm-up in epochs (none for `constant`).
        public var warmupEpochs: Double? {
            switch self {
            case .constant: nil
            case .cosine(let w), .step(_, _, let w): w
            }
        }
    }

    public var epochs: Int
    public var batchSize: Int
    public var optimizer: Optimizer
    public var schedule: Schedule
    public var accumulate: Int
    public var backboneLRScale: Double
    public var clipNorm: Double
    public var seed: Int
    /// Gradient caching: the loss still sees the whole batch (`batchSize`
    /// pairs, all ranks' together), but each rank holds the activations of
    /// `microBatch` pairs at a time (0: the rank's whole share at once).
    public var microBatch: Int
    /// Synchronised BatchNorm: training batch statistics over the global
    /// batch (all ranks), not each rank's share. No effect in one process.
    public var syncBatchNorm: Bool

    public init(
        epochs: Int, batchSize: Int, optimizer: Optimizer = .adamW(lr: 1e-3), schedule: Schedule = .cosine(),
        accumulate: Int = 1, backboneLRScale: Double = 1, clipNorm: Double = 0, seed: Int = 0, microBatch: Int = 0,
        syncBatchNorm: Bool = false
    ) {
        (self.epochs, self.batchSize, self.optimizer, self.schedule) = (epochs, batchSize, optimizer, schedule)
        (self.accumulate, self.backboneLRScale, self.clipNorm, self.seed) = (accumulate, backboneLRScale, clipNorm, seed)
        (self.microBatch, self.syncBatchNorm) = (microBatch, syncBatchNorm)
    }

    public func apply(to recipe: Recipe) { recipe.train = self }
}
