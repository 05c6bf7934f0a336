/// Image batch (N, 3, H, W) -> feature map (N, outputChannels, H/stride, W/stride).
public protocol Backbone: Module {
    var outputChannels: Int { get }
    var outputStride: Int { get }
    /// The feature map's height and width for an input of `height` x `width`,
    /// so the model builder can check the parts after the backbone before
    /// any image is read.
    func featureMapSize(height: Int, width: Int) -> (height: Int, width: Int)
}

extension Backbone {
    /// ceil(side / outputStride): what a chain of stride-2 convolutions and
    /// poolings padded to keep ceil(side / 2) gives (ResNet's).
    public func featureMapSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + outputStride - 1) / outputStride, (width + outputStride - 1) / outputStride)
    }
}

extension ResNet: Backbone {}
