import GeoKit
import XCTest

/// Bad input on the command line, in a recipe or in a component's settings,
/// through the built `geokit` as users run it: each case exits with status 1
/// by itself (no signal), prints exactly one error naming what is wrong, and
/// leaves no file behind.
final class BadInputTests: XCTestCase {
    /// One sandbox for the class: the tiny recipe is compiled once per process.
    private static let box: RecipeSandbox = try! RecipeSandbox()
    private static let tiny: String = try! box.recipe("tiny", RecipeSandbox.tinyRecipe())

    private func geokit(_ arguments: [String]) throws -> GeoKitProcess.Result {
        try GeoKitProcess.run(arguments, cache: RecipeSandbox.cache)
    }

    /// `assertRefused`, and none of `absent` on disk.
    private func assertRefused(
        _ result: GeoKitProcess.Result, saying phrases: [String], leaving absent: [URL] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        GeoKitTests.assertRefused(result, saying: phrases, file: file, line: line)
        for url in absent {
            XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "\(url.path) was left behind", file: file, line: line)
        }
    }

    private func array(_ shape: [Int], _ name: String) throws -> String {
        let url = Self.box.directory("\(name).npy")
        try NPY.write(Tensor.randn(shape, seed: 3), to: url)
        return url.path
    }

    // MARK: recipes

    func testRecipeValuesOutsideTheirRangesAreRefusedNamingTheValue() throws {
        let cases: [(String, String)] = [
            ("dataset.aerialSize=0", "dataset.aerialSize must be an int in [1, 8192], got '0'"),
            ("dataset.groundHeight=100000", "dataset.groundHeight must be an int in [1, 8192], got '100000'"),
            ("train.lr=nan", "train.lr must be a number in (0, 10], got 'nan'"),
            ("train.lr=-0.1", "train.lr must be a number in (0, 10], got '-0.1'"),
            ("evaluate.metrics=R@0", "R@0: K must be in [1, 1000000], got 0"),
            ("evaluate.metrics=R@1,R@5,R@1", "Evaluate(metrics:) lists R@1 twice"),
            ("evaluate.metrics=R@1,mAP", "evaluate.metrics must be a comma-separated list of R@K, R@P% and AP, got 'R@1,mAP'"),
            ("train.epochs=0", "train.epochs must be an int in [1, 100000], got '0'"),
            ("train.epochs=2.5", "train.epochs must be an int in [1, 100000], got '2.5'"),
            ("train.batchSize=1", "train.batchSize must be an int in [2, 65536], got '1'"),
            ("train.accumulate=0", "train.accumulate must be an int in [1, 1024], got '0'"),
            ("train.clipNorm=inf", "train.clipNorm must be a number >= 0, got 'inf'"),
            ("train.warmupEpochs=-1", "train.warmupEpochs must be a number >= 0, got '-1'"),
            ("dataset.testFraction=1", "dataset.testFraction must be a number in (0, 1), got '1'"),
            ("dataset.locations=1", "dataset.locations must be an int in [2, 1000000], got '1'"),
            ("dataset.erasing=1.5", "dataset.erasing must be a number in [0, 1], got '1.5'"),
            ("dataset.sameArea=perhaps", "dataset.sameArea must be true or false, got 'perhaps'"),
            ("dataset.difficulty=extreme", "dataset.difficulty must be one of easy, medium, hard, got 'extreme'"),
            ("dataset.layout=grid", "dataset.layout must be one of cvusa, university, cvact, vigor, got 'grid'"),
            ("train.optimizer=adagrad", "train.optimizer must be one of sgd, adam, adamw, got 'adagrad'"),
            ("train.momentum=0.5", "train.momentum does not apply to recipe tiny (it exists with optimizer .sgd)"),
            ("train.epoch=2", "recipe tiny has no value 'train.epoch'"),
            ("aggregator.p=nan", "aggregator.p must be a number in (0, 64], got 'nan'"),
            ("loss.labelSmoothing=2", "loss.labelSmoothing must be a number in [0, 1], got '2'")
        ]
        for (assignment, expected) in cases {
            let out = Self.box.directory("range-\(assignment.prefix(while: { $0 != "=" }))")
            let result = try geokit(["run", Self.tiny, "--set", assignment, "--out", out.path])
            assertRefused(result, saying: [expected, "recipe tiny", "--set " + assignment.prefix(while: { $0 != "=" })], leaving: [out])
        }
    }

    func testARecipeBatchOfOneIsRefusedBeforeTraining() throws {
        let file = try Self.box.recipe(
            "batch1",
            RecipeSandbox.tinyRecipe(name: "batch1")
                .replacingOccurrences(of: "batchSize: 8", with: "batchSize: 1"))
        let out = Self.box.directory("batch1-run")
        assertRefused(try geokit(["run", file, "--out", out.path]), saying: ["train.batchSize must be in [2, 65536], got 1"], leaving: [out])
    }

    func testSAFAOnTheMapOfAnotherSizeIsRefusedByTheModelBuilder() throws {
        // 32x128 images give resnet18 a 1x4 map; safa is built for 4x16 by default.
        let file = try Self.box.recipe("safa", RecipeSandbox.tinyRecipe(name: "safa", aggregator: "safa", loss: "Loss(\"wsmr\")"))
        let out = Self.box.directory("safa-run")
        assertRefused(
            try geokit(["run", file, "--out", out.path]),
            saying: ["aggregator:safa was built for 4x16 feature maps, got 1x4 maps", "32x128 images", "set height=1 width=4"],
            leaving: [out])
        let fixed = try geokit(["run", file, "--dry", "--set", "aggregator.height=1", "--set", "aggregator.width=4"])
        XCTAssertEqual(fixed.status, 0, fixed.output)
    }

    func testTheSyntheticWorldsLimitsNameRecipeValuesNotSynthFlags() throws {
        let out = Self.box.directory("pano-run")
        let result = try geokit(["run", Self.tiny, "--set", "dataset.groundHeight=4", "--out", out.path])
        assertRefused(
            result,
            saying: [
                "panorama size 4x128 is outside 8...2048 x 16...8192", "dataset.groundHeight",
                "--set dataset.groundHeight=128"
            ], leaving: [out])
        XCTAssertFalse(result.output.contains("--pano-size"), result.output)
    }

    func testRunOutAtAFileIsRefusedWithAMessage() throws {
        let file = Self.box.directory("not-a-directory")
        try Data("x".utf8).write(to: file)
        assertRefused(try geokit(["run", Self.tiny, "--out", file.path]), saying: ["the run directory is an existing file", file.path])
        assertRefused(
            try geokit(["run", Self.tiny, "--out", file.appendingPathComponent("run").path]),
            saying: ["the run directory cannot be created: \(file.path) is a file"])
        assertRefused(try geokit(["run", Self.tiny, "--stop-after", "0"]), saying: ["--stop-after must be >= 1, got 0"])
    }

    func testAccumulatingMoreBatchesThanAnEpochHasIsRefused() throws {
        // 72 training pairs in batches of 8: 9 batches, so accumulating 10 would never step the optimiser.
        let out = Self.box.directory("accumulate-run")
        assertRefused(
            try geokit(["run", Self.tiny, "--set", "train.accumulate=10", "--out", out.path]),
            saying: ["train.accumulate is 10, but an epoch has only 9 batches of 8"],
            leaving: [out.appendingPathComponent("last.safetensors"), out.appendingPathComponent("metrics.json")])
    }

    // MARK: components through geokit forward

    func testComponentSettingsAndInputShapesAreRefusedByTheForwardContract() throws {
        let map = try array([2, 8, 4, 16], "map4x16"), square = try array([2, 8, 4, 4], "map4x4")
        let cases: [(String, [String], String, [String])] = [
            ("aggregator:lpn", ["blocks=1000"], map, ["aggregator:lpn parameter 'blocks' must be in [1, 32], got 1000"]),
            ("aggregator:lpn", ["blocks=-2"], map, ["aggregator:lpn parameter 'blocks' must be in [1, 32], got -2"]),
            (
                "aggregator:lpn", ["blocks=3"], map,
                [
                    "aggregator:lpn cannot cut a 4x16 map into 3 rings (ring step 0 rows, 2 columns)",
                    "use at most 2 blocks"
                ]
            ),
            ("aggregator:lpn", ["blocks=2"], map, []),
            ("aggregator:lpn", ["blocks=17", "partition=column"], map, ["aggregator:lpn cannot cut a 4x16 map into 17 columns"]),
            ("aggregator:lpn", ["blocks=16", "partition=column"], map, []),
            ("aggregator:safa", ["heads=2"], square, ["aggregator:safa was built for 4x16 feature maps, got 4x4 maps", "set height=4 width=4"]),
            ("aggregator:safa", ["heads=0"], map, ["aggregator:safa parameter 'heads' must be in [1, 64], got 0"]),
            ("aggregator:safa", ["height=100", "width=100"], map, ["aggregator:safa needs a map of 2 to 4096 positions, got 100x100"]),
            ("aggregator:gem", ["p=nan"], map, ["aggregator:gem parameter 'p' must be in (0, 64], got nan"]),
            ("aggregator:gem", ["channels=3"], map, ["aggregator:gem was built for 3 channels (one p each), the input has 8"]),
            ("attention:usam", ["polish=maybe"], map, ["attention:usam parameter 'polish' must be bool, got 'maybe'"])
        ]
        for (component, settings, input, expected) in cases {
            let output = Self.box.directory("forward-out.npy")
            let result = try geokit(
                ["forward", "--component", component] + settings.flatMap { ["--set", $0] }
                    + ["--input", input, "--output", output.path])
            if expected.isEmpty {
                XCTAssertEqual(result.status, 0, "\(component) \(settings): \(result.output)")
                try FileManager.default.removeItem(at: output)
            } else {
                assertRefused(result, saying: expected, leaving: [output])
            }
        }
    }

    func testEveryBatchLossRefusesFewerThanTwoPairs() throws {
        let one = try array([1, 8], "one-pair"), other = try array([1, 8], "one-pair-b")
        for loss in ["wsmr", "wsmr_hard", "mhnw", "infonce"] {
            let output = Self.box.directory("loss-\(loss).npy")
            let result = try geokit(["forward", "--component", "loss:\(loss)", "--input", one, "--input2", other, "--output", output.path])
            assertRefused(result, saying: ["loss:\(loss) needs at least 2 pairs in a batch", "got 1"], leaving: [output])
        }
    }

    /// A checkpoint whose BatchNorm counter was damaged to NaN: `--resume` refuses it before
    /// training (it used to train an epoch and then trap writing the counter), and the file is kept.
    func testResumingFromACheckpointWithANaNCounterIsRefused() throws {
        let out = Self.box.directory("nan-counter")
        let first = try geokit(["run", Self.tiny, "--out", out.path, "--stop-after", "1"])
        XCTAssertEqual(first.status, 0, first.output)
        let checkpoint = out.appendingPathComponent("last.safetensors")
        let contents = try SafeTensors.read(checkpoint)
        let key = "backbone.bn1.num_batches_tracked"
        XCTAssertNotNil(contents[key])
        let damaged = contents.tensors.sorted { $0.key < $1.key }.map { name, tensor in
            NamedTensor(name, name == key ? Tensor(scalar: .nan) : tensor)
        }
        try SafeTensors.write(damaged, metadata: contents.metadata, to: checkpoint)
        let before = try Data(contentsOf: checkpoint)
        let resumed = try geokit(["run", Self.tiny, "--out", out.path, "--resume"])
        assertRefused(resumed, saying: ["integer buffer \(key) holds nan, not a whole number"])
        XCTAssertEqual(try Data(contentsOf: checkpoint), before, "the checkpoint is left as it was")
    }

    // MARK: other commands' options

    func testNumericOptionsOfTheCommandsAreChecked() throws {
        let image = Self.box.directory("aerial.png")
        try Image(height: 16, width: 16, channels: 3, value: 90).write(to: image)
        let polar = Self.box.directory("polar.png"), sheet = Self.box.directory("sheet.png")
        let missing = Self.box.directory("absent").path
        let cases: [([String], [String], [URL])] = [
            (["polar", image.path, polar.path, "--size", "100000x100000"], ["--size 100000x100000: each side must be in 1...8192"], [polar]),
            (["polar", image.path, polar.path, "--size", "-5x10"], ["--size -5x10: each side must be in 1...8192"], [polar]),
            (["polar", image.path, polar.path, "--size", "64"], ["--size must look like HxW with integers, got '64'"], [polar]),
            (["polar", missing, polar.path], ["the input image does not exist", missing], [polar]),
            (["polar", image.path, Self.box.root.path], ["the output image is a directory, a file is expected"], []),
            (["search", image.path, "--gallery", missing, "--recipe", Self.tiny, "-k", "-2"], ["-k must be >= 1, got -2"], []),
            (["search", image.path, "--gallery", missing, "--recipe", Self.tiny, "-k", "0"], ["-k must be >= 1, got 0"], []),
            (["synth", "--out", missing, "--locations", "-1"], ["--locations must be in [2, 1000000], got -1"], [URL(fileURLWithPath: missing)]),
            (["synth", "--out", missing, "--pano-size", "0x512"], ["--pano-size 0x512: each side must be in 1...8192"], [URL(fileURLWithPath: missing)]),
            (["synth", "--out", missing, "--aerial-size", "0"], ["aerial size 0 is outside 16...4096"], [URL(fileURLWithPath: missing)]),
            (["bench", "--quick", "--threads", "0"], ["--threads must be in [1, 1024], got 0"], []),
            (["bench", "--quick", "--steps", "-3"], ["--steps must be in [1, 100000], got -3"], []),
            (["loader-bench", missing, "--batch-size", "0"], ["--batch-size must be in [1, 65536], got 0"], []),
            (["pixel-baseline", missing, "--limit", "-1"], ["--limit must be >= 0, got -1"], []),
            (["pixel-baseline", missing, "--thumbnail", "0x0"], ["--thumbnail 0x0: each side must be in 1...8192"], []),
            (["synth-preview", sheet.path, "--count", "0"], ["--count must be in [1, 32], got 0"], [sheet]),
            (
                ["embed", missing, "--recipe", Self.tiny, "--out", Self.box.directory("e.npy").path], ["the image does not exist", missing],
                [Self.box.directory("e.npy")]
            )
        ]
        for (arguments, expected, absent) in cases {
            assertRefused(try geokit(arguments), saying: expected, leaving: absent)
        }
    }

    /// A command-line mistake ArgumentParser catches (a value that is no number, an unknown
    /// option or subcommand) exits 1 as well, with its one message; --help exits 0.
    func testCommandLineMistakesExitOneAndHelpExitsZero() throws {
        let cases: [([String], String)] = [
            (["search", "x.png", "--gallery", "g", "-k", "abc"], "The value 'abc' is invalid for '-k <k>'"),
            (["plugins", "--bogus"], "Unknown option '--bogus'"),
            (["frobnicate"], "Unexpected argument 'frobnicate'")
        ]
        for (arguments, phrase) in cases {
            assertRefused(try geokit(arguments), saying: [phrase])
        }
        let help = try geokit(["run", "--help"])
        XCTAssertEqual(help.status, 0, help.output)
        XCTAssertTrue(help.output.contains("USAGE: geokit run"), help.output)
    }
}
