// AENet's multiple-hard-negatives weighting loss (symmetric) with a shared
// ResNet-18 and GeM, GPS-sampled batches, synthetic world (the quickstart's).
//   .build/release/geokit run Examples/mhnw.swift
import GeoKit

let recipe = Recipe("mhnw") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("gem")
    }
    Loss("mhnw", ["alpha": 10, "symmetric": true])
    Sampler("gps")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 5e-5), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
