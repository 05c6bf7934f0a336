import GeoKit
import XCTest

/// A tiny run's report.html and pictures, as a person would open them.
final class RunReportTests: XCTestCase {
    private func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-report-\(name)-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// 40 locations (30 training, 10 test), 2 epochs of 7 batches of 4.
    private func tinyRun() throws -> URL {
        InTreePlugins.load()
        let recipe = Recipe("report") {
            Dataset.synthetic(
                locations: 40, difficulty: .easy, testFraction: 0.25, sameArea: true, ground: .panorama(32, 128), aerial: .polar(32, 128))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: 2, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
        try recipe.override(["dataset.root=\(temporaryDirectory("world").path)"])
        let directory = temporaryDirectory("run")
        try Trainer(recipe: recipe, directory: directory).run()
        return directory
    }

    /// The data: URIs of `type` in the page, decoded.
    private func inlined(_ page: String, _ type: String) -> [Data] {
        page.components(separatedBy: "src=\"data:\(type);base64,").dropFirst().compactMap { part in
            Data(base64Encoded: String(part.prefix { $0 != "\"" }))
        }
    }

    func testTheReportHoldsTheTablesCurvesAndPicturesOfTheRun() throws {
        let directory = try tinyRun()
        let page = try String(contentsOf: directory.appendingPathComponent(RunReport.fileName), encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"epoch\">").count - 1, 2, "one row per trained epoch")
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"baseline\">").count - 1, 2, "the untrained row, in the per-epoch and final tables")
        XCTAssertTrue(page.contains("ground -&gt; aerial: 10 queries against 10 gallery images"), "the final figures say what they rest on")
        XCTAssertTrue(page.contains("backbone:resnet18") && page.contains("FLOPs/image"), "the model table")
        XCTAssertTrue(page.contains("train.epochs = 2"), "the recipe's values")
        let svgs = inlined(page, "image/svg+xml").map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(svgs.count, 2, "the loss and recall curves")
        XCTAssertTrue(svgs.allSatisfy { $0.contains("<svg") })
        let pngs = try inlined(page, "image/png").map { try PNG.decode($0) }
        XCTAssertEqual(pngs.count, 2, "the retrieval and attention pictures")
        // The retrieval picture: 4 queries (of 10), each a row of the query and its top 5.
        let retrieval = pngs[0]
        let rowHeight = 16 + Int(RetrievalPicture.tileHeight) + 16 + Int(RetrievalPicture.gap)
        XCTAssertEqual(retrieval.height, Int(RetrievalPicture.gap) + 4 * rowHeight)
        for r in 0..<4 {
            let centre = Int(RetrievalPicture.gap) + r * rowHeight + 16 + Int(RetrievalPicture.tileHeight) / 2
            XCTAssertEqual(ImageChecks.runs(retrieval, row: centre), 6, "row \(r): query and top 5")
        }
        XCTAssertEqual(pngs[1].height, 2 * (18 + 128 + 10) + 10, "the attention picture has a ground and an aerial row")
        for name in ["loss.png", "recall.png", "retrieval.png", "attention.png"] {
            let image = try PNG.decode(Data(contentsOf: directory.appendingPathComponent(name)))
            XCTAssertGreaterThan(image.width * image.height, 0, name)
        }
        let loss = try PNG.decode(Data(contentsOf: directory.appendingPathComponent("loss.png")))
        XCTAssertEqual([loss.width, loss.height], [560, 340])
    }

    func testMetricsJSONRecordsTheLossOfEveryStep() throws {
        let directory = try tinyRun()
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: directory.appendingPathComponent("metrics.json")))
        let trained = summary.history.filter { $0.epoch > 0 }
        XCTAssertEqual(trained.map { $0.stepLosses?.count }, [7, 7], "30 pairs make 7 batches of 4 per epoch")
        for record in trained {
            let steps = try XCTUnwrap(record.stepLosses)
            XCTAssertEqual(steps.reduce(0, +) / Double(steps.count), try XCTUnwrap(record.loss), accuracy: 1e-9, "the epoch loss is their mean")
        }
        let plot = RunReport.lossPlot(summary.history)
        XCTAssertEqual(plot.series.map(\.name), ["step", "epoch mean"])
        XCTAssertEqual(plot.series[0].points.count, 14)
        XCTAssertEqual(plot.series[0].points.last?.x, 2, "the last step of epoch 2 sits at x = 2")
    }
}
