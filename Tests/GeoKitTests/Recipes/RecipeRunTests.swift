import GeoKit
import XCTest

/// `geokit run` as users call it, as a child process: bad recipes and bad
/// data end in one clear message and a non-zero exit with no checkpoint;
/// a short training beats the untrained model; `--resume` after an
/// interruption reaches the weights of an uninterrupted run.
final class RecipeRunTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> GeoKitProcess.Result {
        try GeoKitProcess.run(["run"] + arguments, cache: RecipeSandbox.cache)
    }

    private func assertFails(
        _ result: GeoKitProcess.Result, saying phrases: [String], noCheckpointIn directory: URL,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNotEqual(result.status, 0, result.output, file: file, line: line)
        for phrase in phrases { XCTAssertTrue(result.output.contains(phrase), "missing '\(phrase)' in:\n\(result.output)", file: file, line: line) }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("last.safetensors").path),
            "a checkpoint was left behind", file: file, line: line)
        XCTAssertFalse(result.output.contains("Fatal error"), result.output, file: file, line: line)
    }

    func testAnUnknownComponentIsNamedWithTheRegisteredOnes() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("unknown", RecipeSandbox.tinyRecipe(aggregator: "gemm"))
        let out = box.directory("unknown-run")
        let result = try run([file, "--out", out.path])
        assertFails(result, saying: ["unknown aggregator 'gemm'", "gem"], noCheckpointIn: out)
    }

    func testASwiftTypeErrorPointsAtTheRecipesLine() throws {
        let box = try RecipeSandbox()
        let source = RecipeSandbox.tinyRecipe().replacingOccurrences(of: "Train(epochs: 2,", with: "Train(epochs: \"two\",")
        let file = try box.recipe("typo", source)
        let out = box.directory("typo-run")
        let result = try run([file, "--out", out.path])
        let line = source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"two\"") }! + 1
        assertFails(result, saying: ["\(file):\(line):", "error:", "the recipe does not compile"], noCheckpointIn: out)
    }

    func testAMissingDatasetDirectoryIsNamed() throws {
        let box = try RecipeSandbox()
        let missing = box.directory("no-such-cvusa").path
        let file = try box.recipe(
            "missing", RecipeSandbox.tinyRecipe(dataset: "Dataset.cvusa(root: \"\(missing)\", ground: .panorama(32, 128), aerial: .polar(32, 128))"))
        let out = box.directory("missing-run")
        let result = try run([file, "--out", out.path])
        assertFails(result, saying: ["dataset directory does not exist", missing], noCheckpointIn: out)
    }

    func testALossThatBecomesNaNStopsNamingTheStep() throws {
        let box = try RecipeSandbox()
        // A loss defined by the recipe itself: InfoNCE until its third call, then NaN.
        let extra = """
            final class FailingLoss: Module, GeoKit.PairLoss {
                let inner: GeoKit.LossFunction
                var calls = 0
                init(_ inner: GeoKit.LossFunction) { self.inner = inner; super.init(); register("inner", inner) }
                func loss(query: Tensor, reference: Tensor) -> Tensor {
                    calls += 1
                    let value = inner.loss(query: query, reference: reference)
                    return calls >= 3 ? value * Double.nan : value
                }
            }
            let registered: Void = {
                try? Registry.shared.register(.loss, "failing", summary: "InfoNCE, then NaN from the third step") { _ in
                    FailingLoss(try Registry.shared.make(.loss, "infonce"))
                }
            }()
            """
        let source = RecipeSandbox.tinyRecipe(loss: "Loss(\"failing\")", extra: extra)
            .replacingOccurrences(of: "let recipe = Recipe(", with: "let recipe = { _ = registered; return Recipe(")
            .replacingOccurrences(of: "    Evaluate(every: 1)\n}", with: "    Evaluate(every: 1)\n} }()")
        let file = try box.recipe("nan", source)
        let out = box.directory("nan-run")
        let result = try run([file, "--out", out.path])
        assertFails(result, saying: ["the loss became nan at epoch 1, step 3"], noCheckpointIn: out)
    }

    func testTrainingBeatsTheUntrainedModelAndResumeMatchesAnUninterruptedRun() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("tiny", RecipeSandbox.tinyRecipe(epochs: 4))
        let whole = box.directory("whole"), split = box.directory("split")

        let first = try run([file, "--out", whole.path])
        XCTAssertEqual(first.status, 0, first.output)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: whole.appendingPathComponent("metrics.json")))
        let untrained = try XCTUnwrap(summary.untrained?["R@1"]), trained = try XCTUnwrap(summary.final["R@1"])
        XCTAssertGreaterThan(trained, untrained, first.output)
        XCTAssertEqual(summary.history.map(\.epoch), [0, 1, 2, 3, 4])
        for name in ["train.log", "loss.png", "recall.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: whole.appendingPathComponent(name).path), name)
        }

        let interrupted = try run([file, "--out", split.path, "--stop-after", "2"])
        XCTAssertEqual(interrupted.status, 0, interrupted.output)
        let resumed = try run([file, "--out", split.path, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming tiny after epoch 2"), resumed.output)

        let a = try SafeTensors.read(whole.appendingPathComponent("last.safetensors"))
        let b = try SafeTensors.read(split.appendingPathComponent("last.safetensors"))
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
        var worst = 0.0
        for (key, x) in a.tensors {
            let y = b.tensors[key]!
            XCTAssertEqual(x.shape, y.shape, key)
            for (u, v) in zip(x.scalars(as: Double.self), y.scalars(as: Double.self)) { worst = max(worst, abs(u - v)) }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest weight difference between the resumed and the uninterrupted run")
    }
}
