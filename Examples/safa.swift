// SAFA's spatial-aware aggregation (8 heads) on polar-aligned views, two
// unshared branches, weighted soft-margin ranking loss, synthetic world (the quickstart's).
// ResNet-18 with lastStride 1 gives 2 x 8 feature maps at 32 x 128.
//   .build/release/geokit run Examples/safa.swift
import GeoKit

let recipe = Recipe("safa") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: false) {
        Backbone("resnet18", ["lastStride": 1])
        Aggregator("safa", ["heads": 8, "height": 2, "width": 8])
    }
    Loss("wsmr", ["alpha": 10])
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adam(lr: 1e-3), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
