import GeoKit
import XCTest

final class ScheduleTests: XCTestCase {
    /// Fixture case -> the same schedule here (Tests/reference/fixtures_optim.py).
    static let schedules: [(String, LearningRateSchedule)] = [
        ("cosine", CosineWithWarmup(warmupSteps: 5, totalSteps: 30)),
        ("cosine_min", CosineWithWarmup(warmupSteps: 5, totalSteps: 30, minMultiplier: 0.1)),
        ("cosine_no_warmup", CosineWithWarmup(warmupSteps: 0, totalSteps: 30)),
        ("step", StepDecay(stepSize: 7, gamma: 0.5)),
        ("poly", PolynomialDecay(warmupSteps: 4, totalSteps: 25, power: 2, endMultiplier: 1e-3 / 0.5))
    ]

    func testMultipliersMatchTorchAndTransformers() throws {
        let f = try Fixture("optim")
        for (name, schedule) in Self.schedules {
            let expected = try f.tensor("schedule/\(name)").scalars(as: Double.self)
            for (step, value) in expected.enumerated() {
                XCTAssertEqual(schedule.multiplier(step: step), value, accuracy: 1e-12, "\(name) step \(step)")
            }
        }
    }

    func testSchedulerScalesEachGroupsBaseRate() {
        let sgd = SGD([
            ParameterGroup(parameters: [Tensor.zeros([1]).requiringGrad()], learningRate: 0.01),
            ParameterGroup(parameters: [Tensor.zeros([1]).requiringGrad()], learningRate: 0.1)
        ])
        let scheduler = LearningRateScheduler(sgd, schedule: StepDecay(stepSize: 2, gamma: 0.1))
        scheduler.apply(step: 3)
        XCTAssertEqual(sgd.groups[0].learningRate, 0.001, accuracy: 1e-15)
        XCTAssertEqual(sgd.groups[1].learningRate, 0.01, accuracy: 1e-15)
        scheduler.apply(step: 0)
        XCTAssertEqual(sgd.groups.map(\.learningRate), [0.01, 0.1])
    }

    func testCosineHoldsItsMinimumAfterTheEnd() {
        let schedule = CosineWithWarmup(warmupSteps: 2, totalSteps: 10, minMultiplier: 0.05)
        XCTAssertEqual(schedule.multiplier(step: 10), 0.05, accuracy: 1e-12)
        XCTAssertEqual(schedule.multiplier(step: 50), 0.05, accuracy: 1e-12)
    }
}
