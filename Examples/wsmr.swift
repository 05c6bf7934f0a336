// CVM-Net/SAFA's weighted soft-margin ranking loss with a shared ResNet-18
// and average pooling, synthetic world.
//   .build/release/geokit run Examples/wsmr.swift
import GeoKit

let recipe = Recipe("wsmr") {
    Dataset.synthetic(locations: 600, difficulty: "easy", testFraction: 0.2, sameArea: true,
                      ground: .panorama(32, 128), aerial: .polar(32, 128))
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("avg")
    }
    Loss("wsmr", ["alpha": 10])
    Sampler("random")
    Train(epochs: 4, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 2)
}
