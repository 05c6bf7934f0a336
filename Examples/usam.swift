// RK-Net's USAM (Unit Subtraction Attention Module) inserted after the
// ResNet stem and after layer1, on the quickstart's synthetic world, symmetric InfoNCE.
//   .build/release/geokit run Examples/usam.swift
import GeoKit

let recipe = Recipe("usam") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Attention("usam", at: "stem")
        Attention("usam", at: "layer1")
        Aggregator("avg")
    }
    Loss("infonce")
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
