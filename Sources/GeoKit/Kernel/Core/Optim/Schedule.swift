import Foundation

/// A learning-rate schedule as a multiplier of each group's base rate, so
/// groups with different rates (backbone and head) keep their ratio.
/// `step` counts optimiser steps from 0: step k uses multiplier(step: k),
/// as torch's LambdaLR does before its k-th `scheduler.step()`.
public protocol LearningRateSchedule {
    func multiplier(step: Int) -> Double
}

/// Applies a schedule to an optimiser: it remembers each group's rate at
/// creation as the base, and `apply(step:)` sets rate = base * multiplier.
///
/// ```swift
/// let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-3)
/// let scheduler = LearningRateScheduler(optimizer, schedule: CosineWithWarmup(warmupSteps: 500, totalSteps: 20_000))
/// for step in 0..<20_000 {
///     scheduler.apply(step: step)
///     ... backward ...
///     optimizer.step()
/// }
/// ```
public final class LearningRateScheduler {
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    public let baseRates: [Double]

    public init(_ optimizer: Optimizer, schedule: LearningRateSchedule) {
        self.optimizer = optimizer
        self.schedule = schedule
        baseRates = optimizer.groups.map(\.learningRate)
    }

    /// Sets every group's rate for optimiser step `step`; returns the multiplier used.
    @discardableResult
    public func apply(step: Int) -> Double {
        require(
            optimizer.groups.count == baseRates.count,
            "GeoKit: LearningRateScheduler: the optimiser has \(optimizer.groups.count) groups, the scheduler was made for \(baseRates.count)")
        let factor = schedule.multiplier(step: step)
        for i in optimizer.groups.indices { optimizer.groups[i].learningRate = baseRates[i] * factor }
        return factor
    }
}

/// Linear warm-up from 0 over `warmupSteps`, then half a cosine down to
/// `minMultiplier` at `totalSteps` (held there afterwards). With
/// minMultiplier 0 this is transformers' get_cosine_schedule_with_warmup,
/// otherwise its get_cosine_with_min_lr_schedule_with_warmup.
public struct CosineWithWarmup: LearningRateSchedule {
    public let warmupSteps: Int
    public let totalSteps: Int
    public let minMultiplier: Double

    public init(warmupSteps: Int, totalSteps: Int, minMultiplier: Double = 0) {
        require(
            warmupSteps >= 0 && totalSteps > warmupSteps,
            "GeoKit: CosineWithWarmup needs 0 <= warmupSteps < totalSteps, got \(warmupSteps) and \(totalSteps)")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minMultiplier = minMultiplier
    }

    public func multiplier(step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = min(1, Double(step - warmupSteps) / Double(totalSteps - warmupSteps))
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return max(0, minMultiplier + (1 - minMultiplier) * cosine)
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (torch's StepLR).
public struct StepDecay: LearningRateSchedule {
    public let stepSize: Int
    public let gamma: Double

    public init(stepSize: Int, gamma: Double = 0.1) {
        require(stepSize > 0, "GeoKit: StepDecay needs stepSize > 0, got \(stepSize)")
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func multiplier(step: Int) -> Double { pow(gamma, Double(step / stepSize)) }
}

/// Linear warm-up from 0, then (1 - end) * remaining^power + end, reaching
/// `endMultiplier` at `totalSteps` and staying there: transformers'
/// get_polynomial_decay_schedule_with_warmup with lr_end = endMultiplier * lr.
public struct PolynomialDecay: LearningRateSchedule {
    public let warmupSteps: Int
    public let totalSteps: Int
    public let power: Double
    public let endMultiplier: Double

    public init(warmupSteps: Int, totalSteps: Int, power: Double = 1, endMultiplier: Double = 0) {
        require(
            warmupSteps >= 0 && totalSteps > warmupSteps,
            "GeoKit: PolynomialDecay needs 0 <= warmupSteps < totalSteps, got \(warmupSteps) and \(totalSteps)")
        require(endMultiplier < 1, "GeoKit: PolynomialDecay: endMultiplier must be below 1 (the rate decays), got \(endMultiplier)")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.power = power
        self.endMultiplier = endMultiplier
    }

    public func multiplier(step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        if step > totalSteps { return endMultiplier }
        let remaining = 1 - Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return (1 - endMultiplier) * pow(remaining, power) + endMultiplier
    }
}
