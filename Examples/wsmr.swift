// CVM-Net/SAFA's weighted soft-margin ranking loss with a shared ResNet-18
// and average pooling, synthetic world (the quickstart's).
//   .build/release/geokit run Examples/wsmr.swift
import GeoKit

let recipe = Recipe("wsmr") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("avg")
    }
    Loss("wsmr", ["alpha": 10])
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
