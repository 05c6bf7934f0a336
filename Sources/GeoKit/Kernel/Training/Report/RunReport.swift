import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes

/// The run directory's pictures and `report.html`, rewritten after every
/// epoch: `loss.png`/`.svg` (the loss of every step and each epoch's mean),
/// `recall.png`/`.svg` (the held-out figures per evaluated epoch), and a
/// self-contained page (the SVG curves and PNG pictures inlined as data: URIs)
/// with the recipe, its components with parameters and FLOPs, the curves,
/// the per-epoch table, the untrained baseline, the final figures with the
/// number of queries they rest on, and the retrieval and attention pictures
/// (drawn when the session's last epoch is evaluated).
public final class RunReport {
    public let directory: URL
    /// The run's planned epochs (the page says how far it has come).
    let epochs: Int
    let model: ModelSummary?
    let settings: [String]
    /// e.g. ["ground -> aerial": (queries, gallery)].
    let queries: [(name: String, queries: Int, gallery: Int)]
    /// The figures' names in the recipe's order (`Evaluate.names`), for the tables and the recall plot's legend.
    let order: [String]
    public private(set) var retrieval: Image?
    public private(set) var attention: Image?

    public static let fileName = "report.html"

    public init(
        directory: URL, epochs: Int, model: ModelSummary?, settings: [String], queries: [(name: String, queries: Int, gallery: Int)],
        order: [String]
    ) {
        self.order = order
        self.directory = directory
        self.epochs = epochs
        self.model = model
        self.settings = settings
        self.queries = queries
    }

    /// The report of the run a trainer is about to train: its model summary (one forward per view at the data's
    /// sizes), its settings, the query counts, the figures in `order`.
    convenience init(epochs: Int, settings: [String], directory: URL, model: CrossViewModel, data: TrainingData, order: [String]) throws {
        let summary = ModelSummary(model: model, groundSize: data.input.groundSize, aerialSize: data.input.aerialSize)
        try ComponentFailure.check()
        let counts: [(String, Int, Int)] =
            data.university.map { $0.directions.map { ($0.name, $0.queries.count, $0.gallery.count) } }
            ?? [("ground -> aerial", data.test.count, data.test.count)]
        self.init(directory: directory, epochs: epochs, model: summary, settings: settings, queries: counts, order: order)
    }

    /// Draws the retrieval and attention pictures of `model` on the held-out split (kept for later rewrites).
    public func drawPictures(model: CrossViewModel, data: TrainingData, seed: UInt64) throws {
        retrieval = try model.heldOutRetrieval(data, seed: seed).png()
        attention = AttentionPicture.render(try model.heldOutAttention(data, seed: seed))
        try AtomicFile.write(PNG.encode(retrieval!), to: directory.appendingPathComponent("retrieval.png"))
        try AtomicFile.write(PNG.encode(attention!), to: directory.appendingPathComponent("attention.png"))
    }

    /// Takes up the pictures an earlier session of the run drew (a resumed run), until they are drawn again.
    public func reloadPictures() {
        func read(_ name: String) -> Image? {
            (FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)).flatMap { try? PNG.decode($0) }
        }
        (retrieval, attention) = (read("retrieval.png"), read("attention.png"))
    }

    /// The loss plot: every step (thin) and each epoch's mean, against epochs.
    public static func lossPlot(_ history: [EpochRecord]) -> LinePlot {
        let trained = history.filter { $0.epoch > 0 }
        let steps = trained.flatMap { record -> [(x: Double, y: Double)] in
            let losses = record.stepLosses ?? []
            return losses.enumerated().map { (Double(record.epoch - 1) + Double($0.offset + 1) / Double(losses.count), $0.element) }
        }
        let means = trained.compactMap { r in r.loss.map { (x: Double(r.epoch), y: $0) } }
        var series = [LinePlot.Series("epoch mean", means)]
        if !steps.isEmpty { series.insert(LinePlot.Series("step", steps, thin: true), at: 0) }
        return LinePlot(title: "training loss", xLabel: "epoch", yLabel: "loss", series: series)
    }

    /// The names of the figures in `history`: those of `order` first, in its order, then any others sorted.
    static func names(_ history: [EpochRecord], order: [String]) -> [String] {
        let present = Set(history.flatMap { $0.metrics?.keys.map { $0 } ?? [] })
        return order.filter(present.contains) + present.subtracting(order).sorted()
    }

    /// The held-out figures per evaluated epoch (epoch 0: untrained), in `order`.
    public static func recallPlot(_ history: [EpochRecord], order: [String] = []) -> LinePlot {
        let names = names(history, order: order)
        let series = names.map { name in
            LinePlot.Series(name, history.compactMap { r in r.metrics?[name].map { (x: Double(r.epoch), y: $0) } })
        }
        return LinePlot(title: "held-out retrieval", xLabel: "epoch", yLabel: "percent", series: series)
    }

    /// Rewrites the plots and report.html for `summary`.
    public func write(_ summary: RunSummary) throws {
        let loss = Self.lossPlot(summary.history), recall = Self.recallPlot(summary.history, order: order)
        try loss.write(to: directory.appendingPathComponent("loss"))
        try recall.write(to: directory.appendingPathComponent("recall"))
        try AtomicFile.write(Data(html(summary, loss: loss.svg(), recall: recall.svg()).utf8), to: directory.appendingPathComponent(Self.fileName))
    }

    func html(_ summary: RunSummary, loss: Data, recall: Data) throws -> String {
        func e(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func image(_ data: Data, _ type: String, _ alt: String) -> String {
            "<img alt=\"\(alt)\" src=\"data:\(type);base64,\(data.base64EncodedString())\">"
        }
        func count(_ n: Int) -> String {
            n >= 1_000_000_000
                ? String(format: "%.2f G", Double(n) / 1e9)
                : n >= 1_000_000 ? String(format: "%.2f M", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1f k", Double(n) / 1e3) : "\(n)"
        }
        let metricNames = Self.names(summary.history, order: order)
        let last = summary.history.last?.epoch ?? 0
        var page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>GeoKit run \(e(summary.recipe))</title>
            <style>
            body { font-family: "DejaVu Sans", sans-serif; margin: 24px; color: #222; max-width: 1200px; }
            table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
            td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
            th { background: #f2f2f2; } td.l, th.l { text-align: left; }
            tr.baseline td { background: #fff6df; } pre { background: #f7f7f7; padding: 8px; font-size: 12px; overflow-x: auto; }
            img { max-width: 100%; border: 1px solid #ddd; margin: 4px 0; }
            .curves img { width: 48%; }
            </style></head><body>
            <h1>Run report: \(e(summary.recipe))</h1>
            <p>Epoch \(last) of \(epochs); \(String(format: "%.1f", summary.trainingSeconds)) s of training. Components: \(e(summary.components.joined(separator: ", "))).\
            \(summary.recipeFile.map { " Recipe file: <code>\(e($0))</code>" } ?? "")\((summary.overrides ?? []).isEmpty ? "" : " with --set " + e(summary.overrides!.joined(separator: " ")))</p>

            """
        page += "<h2>Final figures</h2>\n"
        if summary.final.isEmpty {
            page += "<p>No epoch evaluated yet.</p>\n"
        } else {
            let resting = queries.map { "\($0.name): \($0.queries) queries against \($0.gallery) gallery images" }.joined(separator: "; ")
            page += "<p>Held-out split, \(e(resting)); figures in percent.</p>\n<table><tr><th class=\"l\"></th>"
            let names = metricNames.filter { summary.final[$0] != nil }
            page += names.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n<tr><td class=\"l\">final</td>"
            page += names.map { String(format: "<td>%.2f</td>", summary.final[$0]!) }.joined() + "</tr>\n"
            if let untrained = summary.untrained {
                page += "<tr class=\"baseline\"><td class=\"l\">untrained</td>"
                page += names.map { untrained[$0].map { String(format: "<td>%.2f</td>", $0) } ?? "<td></td>" }.joined() + "</tr>\n"
            }
            page += "</table>\n"
        }
        page += "<h2>Curves</h2>\n<div class=\"curves\">" + image(loss, "image/svg+xml", "training loss") + " "
        page += image(recall, "image/svg+xml", "held-out retrieval") + "</div>\n"
        page +=
            "<h2>Per epoch</h2>\n<p>Epoch 0 is the untrained model (the baseline).</p>\n<table id=\"epochs\"><tr><th>epoch</th><th>loss</th><th>learning rate</th><th>seconds</th>"
        page += metricNames.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
        for record in summary.history {
            page += "<tr class=\"\(record.epoch == 0 ? "baseline" : "epoch")\"><td>\(record.epoch)</td>"
            page += "<td>\(record.loss.map { String(format: "%.4f", $0) } ?? "")</td>"
            page += "<td>\(record.learningRate.map { String(format: "%.3g", $0) } ?? "")</td>"
            page += "<td>\(record.seconds.map { String(format: "%.1f", $0) } ?? "")</td>"
            page += metricNames.map { name in "<td>\(record.metrics?[name].map { String(format: "%.2f", $0) } ?? "")</td>" }.joined() + "</tr>\n"
        }
        page += "</table>\n"
        let pictures: [(title: String, id: String, picture: Image?, caption: String)] = [
            (
                "Retrieval", "retrieval", retrieval,
                "Held-out ground queries (fixed by the recipe's seed) and their top 5 aerial references: rank, descriptor distance, the true reference framed in green, ground distance from the query where GPS is known."
            ),
            (
                "Attention", "attention", attention,
                "One held-out location, ground and aerial view as the network sees them: the class-activation map of the final feature map, then each attention component's own map."
            )
        ]
        for section in pictures {
            page += "<h2>\(section.title)</h2>\n"
            if let picture = section.picture {
                page += "<p>\(section.caption)</p>\n" + image(try PNG.encode(picture), "image/png", section.id) + "\n"
            } else {
                page += "<p>Drawn when the session's last epoch has been evaluated.</p>\n"
            }
        }
        if let model {
            page +=
                "<h2>Model</h2>\n<table><tr><th class=\"l\">part</th><th class=\"l\">component</th><th>parameters</th><th>FLOPs/image</th><th class=\"l\">output</th></tr>\n"
            for row in model.rows {
                page += "<tr><td class=\"l\">\(e(row.section))</td><td class=\"l\">\(e(row.component))</td><td>\(count(row.parameters))</td>"
                page += "<td>\(count(row.flops))</td><td class=\"l\">\(row.outputShape.map(String.init).joined(separator: "x"))</td></tr>\n"
            }
            page += "</table>\n<p>\(count(model.totalParameters)) parameters; \(count(model.rows.map(\.flops).reduce(0, +))) FLOPs per image pair.</p>\n"
        }
        if !settings.isEmpty { page += "<h2>Recipe values</h2>\n<pre>" + e(settings.joined(separator: "\n")) + "</pre>\n" }
        return page + "</body></html>\n"
    }
}
