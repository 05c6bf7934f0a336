// LPN's part-based aggregation: 4 column parts (the partition for polar
// panoramas), each part's descriptor L2-normalised, synthetic world.
//   .build/release/geokit run Examples/lpn.swift
import GeoKit

let recipe = Recipe("lpn") {
    Dataset.synthetic(locations: 600, difficulty: "easy", testFraction: 0.2, sameArea: true,
                      ground: .panorama(32, 128), aerial: .polar(32, 128))
    Model(shareWeights: true) {
        Backbone("resnet18", ["lastStride": 1])
        Aggregator("lpn", ["blocks": 4, "partition": "column", "pool": "avg"])
    }
    Loss("infonce")
    Sampler("random")
    Train(epochs: 4, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 2)
}
