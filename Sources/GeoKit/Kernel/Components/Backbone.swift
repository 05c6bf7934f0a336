/// Image batch (N, 3, H, W) -> feature map (N, outputChannels, H/stride, W/stride).
public protocol Backbone: Module {
    var outputChannels: Int { get }
    var outputStride: Int { get }
}

extension ResNet: Backbone {}
