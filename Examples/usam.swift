// RK-Net's USAM (Unit Subtraction Attention Module) inserted after the
// ResNet stem and after layer1, on the synthetic world, symmetric InfoNCE.
//   .build/release/geokit run Examples/usam.swift
import GeoKit

let recipe = Recipe("usam") {
    Dataset.synthetic(locations: 600, difficulty: "easy", testFraction: 0.2, sameArea: true,
                      ground: .panorama(32, 128), aerial: .polar(32, 128))
    Model(shareWeights: true) {
        Backbone("resnet18")
        Attention("usam", at: "stem")
        Attention("usam", at: "layer1")
        Aggregator("avg")
    }
    Loss("infonce")
    Sampler("random")
    Train(epochs: 4, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 2)
}
