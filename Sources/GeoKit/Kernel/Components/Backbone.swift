import GeoKitCore
import GeoKitData

/// Image batch (N, 3, H, W) -> feature map (N, outputChannels, H/stride, W/stride).
///
/// A backbone is data about itself, as timm's models are: its `stages`
/// (timm's `feature_info`: each stage's name, channels and reduction, in
/// forward order, the last being the output) and its `inputConfiguration`
/// (timm's `default_cfg`: the mean, std, size and interpolation its
/// pretrained weights expect). Attention modules go in after any named
/// stage through `insert(_:at:)`; their keys live under
/// `attention.<stage>.`, so every reference key of the backbone is unchanged.
public protocol BackboneNetwork: Module {
    var stages: [FeatureStage] { get }
    var inputConfiguration: InputConfiguration { get }
    var outputChannels: Int { get }
    var outputStride: Int { get }
    /// The feature map's height and width for an input of `height` x `width`,
    /// so the model builder can check the parts after the backbone before
    /// any image is read.
    func featureMapSize(height: Int, width: Int) -> (height: Int, width: Int)
    /// The map of stage `stage` for an input of `height` x `width`.
    func stageMapSize(_ stage: String, height: Int, width: Int) -> (height: Int, width: Int)
    /// Puts `module` after stage `stage` (one of `stages`), replacing the
    /// module already there; it takes the network's training mode.
    func insert(_ module: AttentionModule, at stage: String) throws
}

/// One stage of a backbone's feature hierarchy.
public struct FeatureStage: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let channels: Int
    /// Downsampling of the stage's map relative to the input.
    public let reduction: Int
    public init(_ name: String, channels: Int, reduction: Int) {
        self.name = name
        self.channels = channels
        self.reduction = reduction
    }
    public var description: String { "\(name) (\(channels) channels, /\(reduction))" }
}

/// What a backbone's pretrained weights expect of an image.
public struct InputConfiguration: Sendable, Equatable {
    public enum Interpolation: String, Sendable { case bilinear, bicubic }
    public let statistics: ChannelStatistics
    /// The (height, width) the weights were trained at.
    public let height: Int, width: Int
    public let interpolation: Interpolation
    public init(statistics: ChannelStatistics, height: Int = 224, width: Int = 224, interpolation: Interpolation = .bilinear) {
        self.statistics = statistics
        self.height = height
        self.width = width
        self.interpolation = interpolation
    }
    /// torchvision's and most of timm's: ImageNet statistics, 224 x 224, bilinear.
    public static let imageNet = InputConfiguration(statistics: .imageNet)
}

extension BackboneNetwork {
    public var outputChannels: Int { stages[stages.count - 1].channels }
    public var outputStride: Int { stages[stages.count - 1].reduction }

    /// ceil(side / outputStride): what a chain of stride-2 convolutions and
    /// poolings padded to keep ceil(side / 2) gives (ResNet's).
    public func featureMapSize(height: Int, width: Int) -> (height: Int, width: Int) {
        stageMapSize(stages[stages.count - 1].name, height: height, width: width)
    }

    public func stageMapSize(_ stage: String, height: Int, width: Int) -> (height: Int, width: Int) {
        let r = stages.first { $0.name == stage }?.reduction ?? outputStride
        return ((height + r - 1) / r, (width + r - 1) / r)
    }

    /// The stage named `name`, or a GeoKitError listing the stages.
    public func stage(named name: String) throws -> FeatureStage {
        guard let stage = stages.first(where: { $0.name == name }) else {
            throw GeoKitError(
                "the backbone has no stage '\(name)'", where: String(describing: type(of: self)),
                remedy: "insert at one of: " + stages.map(\.name).joined(separator: ", "))
        }
        return stage
    }
}
