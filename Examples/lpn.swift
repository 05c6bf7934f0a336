// LPN's part-based aggregation: 4 column parts (the partition for polar
// panoramas), each part's descriptor L2-normalised, synthetic world (the quickstart's).
//   .build/release/geokit run Examples/lpn.swift
import GeoKit

let recipe = Recipe("lpn") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18", ["lastStride": 1])
        Aggregator("lpn", ["blocks": 4, "partition": "column", "pool": "avg"])
    }
    Loss("infonce")
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
