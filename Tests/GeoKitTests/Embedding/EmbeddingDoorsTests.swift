import Foundation
import GeoKit
import XCTest

/// The four doors to one model give the same descriptors of the same
/// images (1e-6): `geokit embed` (recipe + checkpoint), the Swift API
/// (`ExportedModel`), the C API (Examples/embed-c built with cc alone) and
/// the Python client (python/tests, run with python3 -m unittest). And the
/// CLI's export/index/search commands end bad input with one message.
final class EmbeddingDoorsTests: XCTestCase {
    static let recipeSource = """
        import GeoKit

        let recipe = Recipe("doors") {
            Dataset.synthetic(locations: 40, difficulty: .easy, ground: .panorama(32, 64), aerial: .polar(32, 64))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: 1, batchSize: 8, optimizer: .adamW(lr: 1e-3))
        }
        """

    /// A run (deterministic weights written as its checkpoint), its export, and test images.
    struct Setup {
        let root: URL, recipe: String, run: URL, export: URL
        let grounds: [URL], aerials: [URL]
        /// `geokit embed`'s descriptors of `grounds`: every door is compared with these.
        let reference: [Float]
    }

    nonisolated(unsafe) private static var prepared: Setup?

    private func setup() throws -> Setup {
        if let prepared = Self.prepared { return prepared }
        InTreePlugins.load()
        let root = try PluginTestSupport.temporaryDirectory("geokit-doors")
        let recipePath = root.appendingPathComponent("doors.swift").path
        try Self.recipeSource.write(toFile: recipePath, atomically: true, encoding: .utf8)
        let model = try CrossViewModel(recipe: try RecipeCompiler.load(recipePath), loadPretrained: false)
        fillDeterministic(model.ground.backbone)
        let run = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try SafeTensors.write(model.stateDict(), to: run.appendingPathComponent("last.safetensors"))
        // Images of other sizes than the network's, so that every door resizes (and polar-transforms the aerial ones).
        func image(_ h: Int, _ w: Int, _ seed: Int) -> Image {
            Image(height: h, width: w, channels: 3, pixels: (0..<(h * w * 3)).map { UInt8(truncatingIfNeeded: ($0 * (7 + seed) + seed * 31) % 251) })
        }
        let grounds = try (0..<3).map { i -> URL in
            let url = root.appendingPathComponent("ground\(i).png")
            try image(40, 100, i).write(to: url)
            return url
        }
        let aerials = try (0..<2).map { i -> URL in
            let url = root.appendingPathComponent("aerial\(i).jpg")
            try image(70, 70, 10 + i).write(to: url)
            return url
        }
        let export = root.appendingPathComponent("export")
        let exported = try GeoKitProcess.run(["export", run.path, "--recipe", recipePath, "--out", export.path], cache: root)
        XCTAssertEqual(exported.status, 0, exported.output)
        XCTAssertTrue(exported.output.contains("exported doors: backbone:resnet18 aggregator:gem loss:infonce, 512-d to"), exported.output)
        let npy = root.appendingPathComponent("cli.npy")
        let embedded = try GeoKitProcess.run(
            ["embed"] + grounds.map(\.path) + [
                "--recipe", recipePath, "--weights", run.appendingPathComponent("last.safetensors").path, "--out", npy.path
            ],
            cache: root)
        XCTAssertEqual(embedded.status, 0, embedded.output)
        let reference = try NPY.read(npy)
        XCTAssertEqual(reference.shape, [3, 512])
        let setup = Setup(
            root: root, recipe: recipePath, run: run, export: export, grounds: grounds, aerials: aerials, reference: reference.scalars(as: Float.self))
        Self.prepared = setup
        return setup
    }

    private func assertSame(_ values: [Float], _ reference: [Float], _ door: String, line: UInt = #line) {
        XCTAssertEqual(values.count, reference.count, door, line: line)
        let worst = zip(values, reference).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-6, "\(door) differs from geokit embed by \(worst)", line: line)
        // Not a degenerate model: the three images have different descriptors.
        XCTAssertNotEqual(Array(reference[0..<512]), Array(reference[512..<1024]), line: line)
    }

    func testSwiftAPIGivesGeokitEmbedsDescriptors() throws {
        let s = try setup()
        let model = try ExportedModel.load(s.export)
        assertSame(try model.embed(files: s.grounds, view: .ground).scalars(as: Float.self), s.reference, "ExportedModel.embed(files:)")
        let images = try s.grounds.map { try Image(contentsOf: $0) }
        assertSame(try model.embed(images: images, view: .ground).scalars(as: Float.self), s.reference, "ExportedModel.embed(images:)")
    }

    func testCExampleBuiltWithCcAloneGivesGeokitEmbedsDescriptorsAndSearches() throws {
        let s = try setup()
        let build = GeoKitProcess.buildDirectory
        let program = s.root.appendingPathComponent("embed-c")
        let compiled = try PluginTestSupport.tool(
            "cc",
            [
                "-Wall", "-Wextra", "-Werror", PluginTestSupport.repositoryRoot.appendingPathComponent("Examples/embed-c/main.c").path,
                "-I" + PluginTestSupport.includeDirectory.path, "-L" + build.path, "-lGeoKit", "-Wl,-rpath," + build.path, "-o", program.path
            ])
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let index = s.root.appendingPathComponent("c.gkindex")
        let ran = try PluginTestSupport.run(
            program, [s.export.path, index.path, "--gallery"] + s.aerials.map(\.path) + ["--queries"] + s.grounds.map(\.path))
        XCTAssertEqual(ran.status, 0, ran.stderr + ran.stdout)
        let lines = ran.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "descriptor size 512")
        let values = lines.filter { $0.hasPrefix("descriptor ") && $0.contains(":") }.flatMap {
            $0.split(separator: " ").dropFirst(2).map { Float(String($0))! }
        }
        assertSame(values, s.reference, "the C API")
        // The index the C program saved is the file format geokit reads, holding the two gallery paths as ids.
        let saved = try GalleryIndex.load(from: index)
        XCTAssertEqual(saved.ids, s.aerials.map(\.path))
        for (q, ground) in s.grounds.enumerated() {
            let expected = try saved.search(Array(s.reference[(q * 512)..<((q + 1) * 512)]), k: 1)[0][0]
            XCTAssertTrue(lines.contains { $0.hasPrefix("query \(ground.path): top \(saved.ids[expected.index]) score ") }, ran.stdout)
        }
        XCTAssertTrue(
            lines.contains(
                "expected failure: cannot read the gallery index (/nonexistent/gallery.gkindex). check the path (geokit index build --out writes one)"),
            ran.stdout)
    }

    /// docs/embedding.md's C program, compiled in an empty directory with the command the docs give.
    func testTheDocsCProgramBuildsFromAnEmptyDirectoryAndPrintsTheDescriptor() throws {
        let s = try setup()
        let doc = try String(contentsOf: PluginTestSupport.repositoryRoot.appendingPathComponent("docs/embedding.md"), encoding: .utf8)
        let program = try XCTUnwrap(doc.components(separatedBy: "```c\n").dropFirst().first?.components(separatedBy: "```").first)
        let empty = try PluginTestSupport.temporaryDirectory("geokit-doc-c")
        defer { try? FileManager.default.removeItem(at: empty) }
        try program.write(to: empty.appendingPathComponent("hello.c"), atomically: true, encoding: .utf8)
        let build = GeoKitProcess.buildDirectory.path
        let compiled = try PluginTestSupport.tool(
            "cc", ["hello.c", "-I", PluginTestSupport.includeDirectory.path, "-L", build, "-lGeoKit", "-Wl,-rpath," + build, "-o", "hello"], in: empty)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let ran = try PluginTestSupport.run(empty.appendingPathComponent("hello"), [s.export.path, s.grounds[0].path])
        XCTAssertEqual(ran.stdout, String(format: "512 values, first %f\n", s.reference[0]), ran.stderr)
    }

    func testPythonClientTestsPassAndGiveGeokitEmbedsDescriptors() throws {
        let s = try setup()
        let pixels = try s.grounds.map { try Image(contentsOf: $0) }
        let stacked = Tensor(pixels.flatMap { $0.pixels.map(Float.init) }, shape: [3, 40, 100, 3])
        try NPY.write(stacked, to: s.root.appendingPathComponent("pixels.npy"))
        let ran = try PluginTestSupport.tool(
            "python3", ["-m", "unittest", "discover", "-v", "-s", "python/tests"],
            environment: [
                "GEOKIT_LIBRARY": GeoKitProcess.buildDirectory.appendingPathComponent("libGeoKit.so").path,
                "GEOKIT_TEST_EXPORT": s.export.path, "GEOKIT_TEST_GROUND": s.grounds.map(\.path).joined(separator: ":"),
                "GEOKIT_TEST_EXPECTED": s.root.appendingPathComponent("cli.npy").path,
                "GEOKIT_TEST_PIXELS": s.root.appendingPathComponent("pixels.npy").path, "PYTHONPATH": "python"
            ], in: PluginTestSupport.repositoryRoot)
        XCTAssertEqual(ran.status, 0, ran.stderr)
        XCTAssertTrue(ran.stderr.contains("\nOK\n") || ran.stderr.hasSuffix("\nOK\n"), ran.stderr)
        XCTAssertFalse(ran.stderr.contains("skipped"), "a Python test was skipped: \(ran.stderr)")
        XCTAssertTrue(ran.stderr.contains("test_files_match_geokit_embed"), ran.stderr)
    }

    /// Bad input to export, index build and search --index: exit 1 and one message, never a signal.
    func testBadInputToTheCommandsIsOneMessageAndExitOne() throws {
        let s = try setup()
        let corrupt = s.root.appendingPathComponent("corrupt.gkindex")
        try Data("GKINDEX\0\u{1}\0\0\0".utf8).write(to: corrupt)
        let notExport = s.root.appendingPathComponent("empty-dir")
        try FileManager.default.createDirectory(at: notExport, withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (
                ["export", s.root.appendingPathComponent("absent").path, "--recipe", s.recipe, "--out", s.root.appendingPathComponent("x").path],
                "Error: the run does not exist"
            ),
            (
                ["search", s.grounds[0].path, "--index", corrupt.path, "--model", s.export.path],
                "Error: not a valid gallery index: shorter than its 20-byte start"
            ),
            (["search", s.grounds[0].path, "--index", corrupt.path], "Error: --index needs --model"),
            (
                ["index", "build", "--model", notExport.path, "--gallery", s.root.path, "--out", s.root.appendingPathComponent("y.gkindex").path],
                "Error: not an exported model: no readable config.json"
            ),
            (
                [
                    "index", "build", "--model", s.export.path, "--gallery", s.root.path, "--kind", "ivfpq", "--out",
                    s.root.appendingPathComponent("z.gkindex").path
                ],
                "Error: ivfpq trains on the first descriptors added: 5 given, at least 1024 needed"
            ),
            (
                ["index", "build", "--model", s.export.path, "--gallery", s.root.path, "--kind", "hnsw", "--params", "ef=3", "--out", "q.gkindex"],
                "Error: index parameter 'ef=3' is not NAME=INTEGER"
            ),
            (["search", s.grounds[0].path, "--gallery", s.root.path], "Error: no recipe given")
        ]
        for (arguments, message) in cases {
            let result = try GeoKitProcess.run(arguments, cache: s.root)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.output)")
            XCTAssertFalse(result.signalled, "\(arguments)")
            XCTAssertTrue(result.output.hasPrefix(message), "\(arguments): expected '\(message)', got \(result.output)")
            XCTAssertEqual(result.output.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, "one message: \(result.output)")
        }
    }

    /// geokit index build + search --index on a folder of aerial images with a gps.csv: the hits are the
    /// Swift API's, with their positions and distances in metres from --query-gps.
    func testIndexBuildAndSearchJSONReportMetresWhereGPSIsKnown() throws {
        let s = try setup()
        let gallery = s.root.appendingPathComponent("gallery")
        try FileManager.default.createDirectory(at: gallery, withIntermediateDirectories: true)
        for aerial in s.aerials { try FileManager.default.copyItem(at: aerial, to: gallery.appendingPathComponent(aerial.lastPathComponent)) }
        try "split,id,latitude,longitude\ntest,aerial0.jpg,37.001,-95.002\n".write(
            to: gallery.appendingPathComponent("gps.csv"), atomically: true, encoding: .utf8)
        let file = s.root.appendingPathComponent("g.gkindex")
        let built = try GeoKitProcess.run(["index", "build", "--model", s.export.path, "--gallery", gallery.path, "--out", file.path], cache: s.root)
        XCTAssertEqual(built.status, 0, built.output)
        XCTAssertTrue(built.output.contains("indexed 2 aerial references of \(gallery.path) (images, 1 with GPS) as exact into"), built.output)
        let searched = try GeoKitProcess.run(
            ["search", s.grounds[1].path, "--index", file.path, "--model", s.export.path, "-k", "5", "--json", "--query-gps", "37,-95"], cache: s.root)
        XCTAssertEqual(searched.status, 0, searched.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(searched.output.utf8)) as? [String: Any], searched.output)
        let hits = try XCTUnwrap(json["hits"] as? [[String: Any]])
        XCTAssertEqual(json["references"] as? Int, 2)
        let model = try ExportedModel.load(s.export)
        let references = try model.embed(files: s.aerials, view: .aerial).scalars(as: Float.self)
        let query = Array(s.reference[512..<1024])
        let scores = (0..<2).map { r in zip(query, references[(r * 512)..<((r + 1) * 512)]).map { Double($0 * $1) }.reduce(0, +) }
        let order = scores[0] >= scores[1] ? ["aerial0.jpg", "aerial1.jpg"] : ["aerial1.jpg", "aerial0.jpg"]
        XCTAssertEqual(hits.compactMap { $0["id"] as? String }, order, "k 5 of a 2-image gallery: both, best first")
        for hit in hits {
            let r = hit["id"] as? String == "aerial0.jpg" ? 0 : 1
            XCTAssertEqual(try XCTUnwrap(hit["score"] as? Double), scores[r], accuracy: 1e-5)
            if r == 0 {
                let metres = GeoPosition(latitude: 37, longitude: -95).metres(to: GeoPosition(latitude: 37.001, longitude: -95.002))
                XCTAssertEqual(try XCTUnwrap(hit["metres"] as? Double), metres, accuracy: 1e-6)
                XCTAssertEqual(metres, 210, accuracy: 5, "0.001 deg north, 0.002 deg west at 37 N: about 210 m")
            } else {
                XCTAssertNil(hit["metres"], "no GPS for aerial1.jpg")
            }
        }
    }
}
