import GeoKit
import XCTest

final class OptimizerTests: XCTestCase {
    static let steps = 6
    static let parameterCount = 3

    /// The optimisers of Tests/reference/fixtures_optim.py, over two groups
    /// (p0, p1 | p2); keep in sync with its OPTIMIZERS.
    static let optimizers: [(String, ([Tensor]) -> Optimizer)] = [
        (
            "sgd_nesterov",
            { p in
                SGD(
                    [
                        ParameterGroup(parameters: [p[0], p[1]], learningRate: 0.1, weightDecay: 0.01),
                        ParameterGroup(parameters: [p[2]], learningRate: 0.03, weightDecay: 0.01)
                    ],
                    momentum: 0.9, nesterov: true)
            }
        ),
        (
            "sgd_dampening",
            { p in
                SGD(
                    [
                        ParameterGroup(parameters: [p[0], p[1]], learningRate: 0.1),
                        ParameterGroup(parameters: [p[2]], learningRate: 0.03)
                    ],
                    momentum: 0.8, dampening: 0.1)
            }
        ),
        (
            "adam",
            { p in
                Adam([
                    ParameterGroup(parameters: [p[0], p[1]], learningRate: 0.01, weightDecay: 0.1),
                    ParameterGroup(parameters: [p[2]], learningRate: 0.003, weightDecay: 0.1)
                ])
            }
        ),
        (
            "adamw",
            { p in
                AdamW(
                    [
                        ParameterGroup(parameters: [p[0], p[1]], learningRate: 0.01, weightDecay: 0.05),
                        ParameterGroup(parameters: [p[2]], learningRate: 0.003, weightDecay: 0.2)
                    ],
                    betas: (0.8, 0.99), eps: 1e-6)
            }
        )
    ]

    private func initialParameters(_ f: Fixture) throws -> [Tensor] {
        try (0..<Self.parameterCount).map { try f.tensor("init/p\($0)").copy().requiringGrad() }
    }

    /// Sets the fixture's gradients for `step` (nil where the fixture has none).
    private func setGradients(_ parameters: [Tensor], step: Int, _ f: Fixture) {
        for (i, p) in parameters.enumerated() { p.grad = f.contents["grad/step\(step)/p\(i)"]?.copy() }
    }

    func testOptimizersMatchPyTorchStepByStep() throws {
        let f = try Fixture("optim")
        for (name, make) in Self.optimizers {
            let parameters = try initialParameters(f)
            let optimizer = make(parameters)
            for step in 0..<Self.steps {
                setGradients(parameters, step: step, f)
                optimizer.step()
                for (i, p) in parameters.enumerated() {
                    assertClose(p, try f.tensor("\(name)/step\(step)/p\(i)"), tolerance: 1e-5, "\(name) step \(step) p\(i)")
                }
            }
        }
    }

    func testResumingFromAStateDictMatchesNeverStopping() throws {
        let f = try Fixture("optim")
        for (name, make) in Self.optimizers {
            let straight = try initialParameters(f)
            let straightOptimizer = make(straight)
            for step in 0..<Self.steps {
                setGradients(straight, step: step, f)
                straightOptimizer.step()
            }

            let first = try initialParameters(f)
            let firstOptimizer = make(first)
            for step in 0..<3 {
                setGradients(first, step: step, f)
                firstOptimizer.step()
            }
            // Through a safetensors file's bytes, as a checkpoint would go.
            let saved = try SafeTensors.decode(
                SafeTensors.encode(
                    firstOptimizer.stateDict().map { NamedTensor($0.key, $0.value) })
            ).tensors
            let resumed = first.map { $0.copy().requiringGrad() }
            let resumedOptimizer = make(resumed)
            try resumedOptimizer.loadStateDict(saved)
            for step in 3..<Self.steps {
                setGradients(resumed, step: step, f)
                resumedOptimizer.step()
            }
            for (a, b) in zip(resumed, straight) {
                XCTAssertLessThanOrEqual(relativeError(a, b), 1e-7, name)
            }
        }
    }

    func testStateDictKeysFollowTorchNumbering() {
        let p = [Tensor.zeros([2]).requiringGrad(), Tensor.zeros([3]).requiringGrad()]
        let adam = Adam([
            ParameterGroup(parameters: [p[0]], learningRate: 0.1),
            ParameterGroup(parameters: [p[1]], learningRate: 0.2)
        ])
        for t in p { t.grad = Tensor.ones(t.shape) }
        adam.step()
        XCTAssertEqual(adam.stateDict().keys.sorted(), ["0.exp_avg", "0.exp_avg_sq", "0.step", "1.exp_avg", "1.exp_avg_sq", "1.step"])
        XCTAssertEqual(adam.stateDict()["1.step"]?.item, 1)

        let sgd = SGD(parameters: p, learningRate: 0.1, momentum: 0.9)
        XCTAssertTrue(sgd.stateDict().isEmpty, "no momentum buffer before the first step")
        sgd.step()
        // torch's first momentum buffer is the gradient itself (here the ones set above).
        XCTAssertEqual(sgd.stateDict()["1.momentum_buffer"]?.shape, [3])
        XCTAssertEqual(sgd.stateDict()["1.momentum_buffer"]?.scalars(as: Float.self), [1, 1, 1])
    }

    func testLoadingAMismatchedStateThrowsNamingEachProblem() {
        let p = [Tensor.zeros([2]).requiringGrad(), Tensor.zeros([3]).requiringGrad()]
        let adam = Adam(parameters: p, learningRate: 0.1)
        let bad: [String: Tensor] = [
            "0.step": Tensor(scalar: 1), "0.exp_avg": Tensor.zeros([5]), "0.exp_avg_sq": Tensor.zeros([2]),
            "1.step": Tensor(scalar: 1), "7.step": Tensor(scalar: 1), "0.velocity": Tensor.zeros([2])
        ]
        XCTAssertThrowsError(try adam.loadStateDict(bad)) { error in
            let message = String(describing: error)
            for part in ["0.exp_avg has shape [5]", "7.step", "0.velocity", "1.exp_avg", "1.exp_avg_sq"] {
                XCTAssertTrue(message.contains(part), "\(part) not in: \(message)")
            }
        }
    }

    func testZeroGradDropsGradientsAndStepSkipsThem() {
        let p = Tensor([1, 2] as [Float], shape: [2]).requiringGrad()
        let sgd = SGD(parameters: [p], learningRate: 0.5)
        p.grad = Tensor([1, 1] as [Float], shape: [2])
        sgd.step()
        XCTAssertEqual(p.scalars(as: Float.self), [0.5, 1.5])
        sgd.zeroGrad()
        XCTAssertNil(p.grad)
        sgd.step()
        XCTAssertEqual(p.scalars(as: Float.self), [0.5, 1.5])
    }

    func testOptimizersUpdateFloat64Parameters() {
        let p = Tensor([1, -2] as [Double], shape: [2]).requiringGrad()
        let adamW = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        p.grad = Tensor([3, -4] as [Double], shape: [2])
        adamW.step()
        // First AdamW step: p * (1 - lr wd) - lr * sign(g) (up to eps).
        XCTAssertEqual(p.scalars(as: Double.self)[0], 1 * 0.95 - 0.1, accuracy: 1e-7)
        XCTAssertEqual(p.scalars(as: Double.self)[1], -2 * 0.95 + 0.1, accuracy: 1e-7)
    }
}
