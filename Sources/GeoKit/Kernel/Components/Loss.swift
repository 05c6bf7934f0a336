import GeoKitCore
import GeoKitData

/// A batch as a loss sees it -> a scalar loss. A metric loss over two
/// views' descriptors conforms to `PairLoss` and writes only
/// `loss(query:reference:)`; a loss that needs labels, parts or logits
/// (`loss:instance`) reads them from the `LossBatch`.
public protocol LossFunction: Module {
    func loss(_ batch: LossBatch) -> Tensor
    /// What the loss reads beyond descriptors, so the model builder can refuse a model that lacks it.
    var needs: LossNeeds { get }
}

/// What a loss needs from the model besides the views' descriptors.
public struct LossNeeds: Sendable, Equatable {
    /// Each view's logits over the training locations (a `Head` in the model).
    public var logits = false
    public init(logits: Bool = false) { self.logits = logits }
}

extension LossFunction {
    public var needs: LossNeeds { LossNeeds() }

    /// The loss of two views' descriptors, row i of each from location i (tests, `geokit forward`).
    public func loss(query: Tensor, reference: Tensor) -> Tensor {
        loss(LossBatch(query: query, reference: reference))
    }
}

/// A loss of the two views' descriptors: `query` holds the ground (or
/// drone) descriptors (N, D), `reference` the aerial ones, row i of each
/// from the same location. The batch's first view is the query, its second the reference.
public protocol PairLoss: LossFunction {
    func loss(query: Tensor, reference: Tensor) -> Tensor
}

extension PairLoss {
    public func loss(_ batch: LossBatch) -> Tensor {
        loss(query: batch.views[0].descriptor, reference: batch.views[1].descriptor)
    }
}

/// One view's outputs for a batch: row i of every tensor is the batch's location i.
public struct ViewOutput {
    /// "ground", "aerial" or "street".
    public let name: String
    /// The retrieval descriptor (N, D).
    public let descriptor: Tensor
    /// The per-part descriptors (N, D_p) when the aggregator yields parts (LPN), else empty.
    public let parts: [Tensor]
    /// The head's logits (N, locations), one per part when the head classifies each part, empty without a head.
    public let logits: [Tensor]

    public init(name: String, descriptor: Tensor, parts: [Tensor] = [], logits: [Tensor] = []) {
        self.name = name
        self.descriptor = descriptor
        self.parts = parts
        self.logits = logits
    }
}

/// Everything a published loss reads about one (global) training batch.
public struct LossBatch {
    /// The views, the query (ground or drone) first, then the reference (aerial), then any third view
    /// (University-1652's street images, through the ground branch); a `PairLoss` reads the first two only.
    public let views: [ViewOutput]
    /// Each row's training location (the class of the instance loss): rows of one location share it
    /// (University-1652's drone images of one building), and rows of different locations differ.
    public let locationIDs: [Int]
    /// Each row's position, when the dataset has location data.
    public let gps: [GPSTable.Position]?

    public init(views: [ViewOutput], locationIDs: [Int], gps: [GPSTable.Position]? = nil) {
        self.views = views
        self.locationIDs = locationIDs
        self.gps = gps
    }

    /// Two views of descriptors only, row i from location i.
    public init(query: Tensor, reference: Tensor) {
        self.init(
            views: [ViewOutput(name: "ground", descriptor: query), ViewOutput(name: "aerial", descriptor: reference)],
            locationIDs: Array(0..<query.shape[0]))
    }
}

extension ViewOutput {
    /// Every tensor of the view, descriptor first, then the parts, then the logits (for gathering and caching).
    public var tensors: [Tensor] { [descriptor] + parts + logits }

    /// `view` with its tensors replaced by `tensors` (as many, in `tensors`' order).
    public static func rebuilt(_ view: ViewOutput, from tensors: [Tensor]) -> ViewOutput {
        let p = view.parts.count
        return ViewOutput(
            name: view.name, descriptor: tensors[0], parts: Array(tensors[1..<(1 + p)]), logits: Array(tensors[(1 + p)...]))
    }
}
