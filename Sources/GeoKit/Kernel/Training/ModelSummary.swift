import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// What `geokit run --dry` prints: each component of the assembled model
/// with its parameter count and the FLOPs of one forward pass for one
/// image pair at the recipe's input sizes (convolutions and matrix
/// products, 2 FLOPs per multiply-add), counted on a dummy input.
public struct ModelSummary {
    public struct Row {
        public let section: String
        public let component: String
        public let parameters: Int
        public let flops: Int
        public let outputShape: [Int]
    }
    public let rows: [Row]
    public let totalParameters: Int
    /// What the table does not show (a head's classifier before the training split is known).
    public private(set) var notes: [String] = []

    public init(model: CrossViewModel, dataset d: Dataset) {
        self.init(model: model, groundSize: (d.groundHeight, d.groundWidth), aerialSize: (d.aerialHeight, d.aerialWidth))
    }

    /// The summary for images of these sizes (height, width) as the network sees them.
    public init(model: CrossViewModel, groundSize: (height: Int, width: Int), aerialSize: (height: Int, width: Int)) {
        let groundInput = Tensor(zeros: [1, 3, groundSize.height, groundSize.width])
        let aerialInput = Tensor(zeros: [1, 3, aerialSize.height, aerialSize.width])
        model.eval()
        var rows: [Row] = []
        noGrad {
            for (prefix, branch, input) in model.sharesWeights
                ? [("", model.ground, groundInput), ("(aerial) ", model.aerial, aerialInput)]
                : [("", model.ground, groundInput), ("", model.aerial, aerialInput)]
            {
                let label = model.sharesWeights ? prefix : ""
                let owner = model.sharesWeights ? "" : (branch === model.ground ? "ground." : "aerial.")
                var x = input
                let (features, backboneFlops) = FlopCounter.counting { branch.backbone(x) }
                rows.append(
                    Row(
                        section: label + owner + "backbone", component: Self.name(model, branch.backbone),
                        parameters: label.isEmpty ? branch.backbone.parameterCount : 0, flops: backboneFlops, outputShape: features.shape))
                x = features
                for (i, attention) in branch.attentions.enumerated() {
                    let (y, flops) = FlopCounter.counting { attention(x) }
                    rows.append(
                        Row(
                            section: label + owner + "attention\(i)", component: Self.name(model, attention),
                            parameters: label.isEmpty ? attention.parameterCount : 0, flops: flops, outputShape: y.shape))
                    x = y
                }
                let (descriptor, flops) = FlopCounter.counting { branch.aggregator(x) }
                rows.append(
                    Row(
                        section: label + owner + "aggregator", component: Self.name(model, branch.aggregator),
                        parameters: label.isEmpty ? branch.aggregator.parameterCount : 0, flops: flops, outputShape: descriptor.shape))
                if let head = model.head {
                    let inputs = (branch.aggregator as? PartAggregator)?.parts(x) ?? [descriptor]
                    let (classified, flops) = FlopCounter.counting { head.classify(inputs) }
                    // The views share the head: its parameters count once, on the ground view's row.
                    rows.append(
                        Row(
                            section: label + owner + "head", component: Self.name(model, head),
                            parameters: label.isEmpty && branch === model.ground ? head.parameterCount : 0, flops: flops,
                            outputShape: [1, classified.map { $0.feature.shape[1] }.reduce(0, +)]))
                }
            }
        }
        rows.append(
            Row(
                section: "loss", component: Self.name(model, model.criterion), parameters: model.criterion.parameterCount,
                flops: 0, outputShape: [1]))
        self.rows = rows
        totalParameters = model.parameterCount
        if let head = model.head, head.classes == nil {
            notes.append(
                "\(Self.name(model, head)): the classifier (one output per training location) is sized from the training split when "
                    + "training starts and is not counted here")
        }
        model.train()
    }

    private static func name(_ model: CrossViewModel, _ module: Module) -> String {
        model.components.first { $0.module === module }?.component ?? "\(type(of: module))"
    }

    /// The summary as an aligned text table.
    public var table: String {
        func count(_ n: Int) -> String {
            n >= 1_000_000_000
                ? String(format: "%.2f G", Double(n) / 1e9)
                : n >= 1_000_000
                    ? String(format: "%.2f M", Double(n) / 1e6)
                    : n >= 1000 ? String(format: "%.1f k", Double(n) / 1e3) : "\(n)"
        }
        var lines = [pad("part", 22) + pad("component", 26) + pad("parameters", 14) + pad("FLOPs/image", 14) + "output"]
        for row in rows {
            lines.append(
                pad(row.section, 22) + pad(row.component, 26) + pad(count(row.parameters), 14) + pad(count(row.flops), 14)
                    + row.outputShape.map(String.init).joined(separator: "x"))
        }
        lines.append("total parameters: \(count(totalParameters)) (\(totalParameters)); FLOPs per pair: \(count(rows.map(\.flops).reduce(0, +)))")
        lines += notes
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
