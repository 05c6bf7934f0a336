// AENet's Triplet Attention after the backbone, two unshared branches
// (ground and aerial), MHNW loss, on the synthetic world (the quickstart's).
//   .build/release/geokit run Examples/triplet.swift
import GeoKit

let recipe = Recipe("triplet") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: false) {
        Backbone("resnet18", ["lastStride": 1])
        Attention("triplet")
        Aggregator("avg")
    }
    Loss("mhnw", ["alpha": 10])
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 5e-5), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
