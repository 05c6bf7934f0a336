import Foundation
import GeoKit
import XCTest

/// A C plugin whose forward or backward reports a failure ends the run with
/// the plugin's message and exit 1 — in `geokit forward`, in training (the
/// last checkpoint intact) and in process (NaN and a recorded failure) —
/// never the process by a trap.
final class CPluginFailureTests: XCTestCase {
    /// attention:flaky, the identity, failing on purpose at the forward or
    /// backward call number its parameters give (0: never).
    private static let source = """
        #include <geokit.h>
        #include <stdio.h>
        #include <string.h>

        static const geokit_host *host;
        typedef struct { int forward_at, backward_at, forwards, backwards; } flaky_state;

        static int64_t count(const geokit_tensor *t) {
            int64_t n = 1;
            for (int32_t i = 0; i < t->rank; i++) n *= t->shape[i];
            return n;
        }
        static size_t bytes(const geokit_tensor *t) { return (size_t)count(t) * (t->dtype == GEOKIT_FLOAT64 ? 8 : 4); }

        static int32_t fail(const char *call, int number) {
            char message[96];
            snprintf(message, sizeof message, "flaky: %s number %d failed on purpose", call, number);
            host->report_error(message);
            return 1;
        }
        static int32_t flaky_forward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, geokit_tensor *y) {
            (void)p;
            flaky_state *s = self->state;
            s->forwards++;
            if (s->forward_at > 0 && s->forwards >= s->forward_at) return fail("forward", s->forwards);
            memcpy(y->data, x->data, bytes(x));
            return 0;
        }
        static int32_t flaky_backward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, const geokit_tensor *y,
                                      const geokit_tensor *gy, geokit_tensor *gx, geokit_tensor *gp) {
            (void)p; (void)x; (void)y; (void)gp;
            flaky_state *s = self->state;
            s->backwards++;
            if (s->backward_at > 0 && s->backwards >= s->backward_at) return fail("backward", s->backwards);
            memcpy(gx->data, gy->data, bytes(gy));
            return 0;
        }
        static const geokit_attention_vtable flaky_vtable = { flaky_forward, flaky_backward };
        static void destroy(geokit_component *self) { host->free(self->state); host->free(self); }

        GEOKIT_EXPORT geokit_component *flaky_create(int forward_at, int backward_at) {
            geokit_component *self = host->alloc(sizeof *self);
            flaky_state *s = host->alloc(sizeof *s);
            *s = (flaky_state){ forward_at, backward_at, 0, 0 };
            *self = (geokit_component){ .kind = GEOKIT_KIND_ATTENTION, .vtable = &flaky_vtable, .state = s, .destroy = destroy };
            return self;
        }

        GEOKIT_DEFINE_ABI_VERSION()

        GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *h) {
            host = h;
            return host->register_component("attention", "flaky", "flaky_create",
                                            "int fail_forward_at = 0, int fail_backward_at = 0", "the identity, failing on purpose");
        }
        """

    private static let plugin: Result<URL, Error> = Result(catching: {
        let directory = try PluginTestSupport.temporaryDirectory("c-flaky")
        let library = try PluginTestSupport.compileC(source, named: "flaky", in: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("flaky.c"))
        return library
    })

    private func geokit(_ arguments: [String]) throws -> GeoKitProcess.Result {
        let library = try Self.plugin.get()
        return try GeoKitProcess.run(
            arguments, cache: RecipeSandbox.cache,
            environment: ["GEOKIT_PLUGIN_PATH": library.deletingLastPathComponent().path])
    }

    private func assertEndsWithOneMessage(
        _ result: GeoKitProcess.Result, _ expected: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(result.signalled, "ended by a signal:\n\(result.output)", file: file, line: line)
        XCTAssertEqual(result.status, 1, result.output, file: file, line: line)
        let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errors.count, 1, result.output, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(expected) ?? false, "missing '\(expected)' in:\n\(result.output)", file: file, line: line)
    }

    func testInProcessAFailedForwardGivesNaNAndARecordedFailure() throws {
        try PluginLoader.load(try Self.plugin.get().path)
        let flaky = try Registry.shared.make(.attention, "flaky", ["fail_forward_at": .int(2)])
        let x = Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2])
        XCTAssertEqual(flaky(x).scalars(as: Float.self), [1, 2, 3, 4], "the first forward succeeds")
        XCTAssertNoThrow(try ComponentFailure.check())
        XCTAssertTrue(flaky(x).scalars(as: Float.self).allSatisfy(\.isNaN), "a failed forward's output is NaN")
        XCTAssertThrowsError(try ComponentFailure.check()) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "attention:flaky failed in its forward: flaky: forward number 2 failed on purpose")
        }
        XCTAssertNoThrow(try ComponentFailure.check(), "a failure is thrown once")
    }

    func testGeokitForwardEndsWithThePluginsMessageAndWritesNoOutput() throws {
        let box = try RecipeSandbox()
        let input = box.directory("x.npy"), output = box.directory("y.npy")
        try NPY.write(Tensor.randn([2, 3, 4, 4], seed: 1), to: input)
        assertEndsWithOneMessage(
            try geokit([
                "forward", "--component", "attention:flaky", "--set", "fail_forward_at=1",
                "--input", input.path, "--output", output.path
            ]),
            "attention:flaky failed in its forward: flaky: forward number 1 failed on purpose")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))

        let gradOutput = box.directory("gy.npy"), gradInput = box.directory("gx.npy")
        try NPY.write(Tensor.randn([2, 3, 4, 4], seed: 2), to: gradOutput)
        assertEndsWithOneMessage(
            try geokit([
                "forward", "--component", "attention:flaky", "--set", "fail_backward_at=1",
                "--input", input.path, "--output", output.path,
                "--grad-output", gradOutput.path, "--grad-input", gradInput.path
            ]),
            "attention:flaky failed in its backward: flaky: backward number 1 failed on purpose")
        XCTAssertFalse(FileManager.default.fileExists(atPath: gradInput.path), "no gradient is written from a failed backward")
        XCTAssertEqual(
            try NPY.read(output).scalars(as: Float.self), try NPY.read(input).scalars(as: Float.self),
            "the forward before it succeeded and its output is whole")
    }

    func testTrainingEndsAtTheFailedStepWithTheLastCheckpointIntact() throws {
        let box = try RecipeSandbox()
        func recipe(_ name: String, failingAt call: Int) throws -> String {
            try box.recipe(
                name,
                RecipeSandbox.tinyRecipe(name: "flaky").replacingOccurrences(
                    of: "Aggregator(\"gem\")", with: "Attention(\"flaky\", [\"fail_backward_at\": \(call)])\n        Aggregator(\"gem\")"))
        }
        // 72 training pairs in batches of 8: 9 steps an epoch, each running the shared branch's backward twice
        // (ground and aerial), so backward number 19 is the first of epoch 2.
        let failing = box.directory("failing-run")
        assertEndsWithOneMessage(
            try geokit(["run", try recipe("failing", failingAt: 19), "--out", failing.path]),
            "attention:flaky failed in its backward: flaky: backward number 19 failed on purpose, at epoch 2, step 1 of 9")
        let reference = box.directory("reference-run")
        let stopped = try geokit(["run", try recipe("reference", failingAt: 0), "--out", reference.path, "--stop-after", "1"])
        XCTAssertEqual(stopped.status, 0, stopped.output)

        let kept = try SafeTensors.read(failing.appendingPathComponent(Trainer.checkpointName)).tensors
        let expected = try SafeTensors.read(reference.appendingPathComponent(Trainer.checkpointName)).tensors
        XCTAssertEqual(Set(kept.keys), Set(expected.keys))
        XCTAssertFalse(kept.isEmpty)
        for (name, tensor) in expected {
            XCTAssertEqual(kept[name]?.scalars(as: Double.self), tensor.scalars(as: Double.self), "\(name) differs from epoch 1's")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: failing.appendingPathComponent("metrics.json"))) as? [String: Any]
        XCTAssertEqual((summary?["history"] as? [Any])?.count, 2, "metrics.json holds the untrained figures and epoch 1 only")
    }
}
