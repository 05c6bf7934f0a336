// GeoKit quickstart: a ResNet-18 shared by both views, GeM pooling,
// symmetric InfoNCE and the GPS sampler on the synthetic world (generated
// into ~/.cache/geokit/worlds on first use), polar-transformed aerial input.
//
//   bash .ci/setup && .build/release/geokit run Examples/quickstart.swift
import GeoKit

let recipe = Recipe("quickstart") {
    Dataset.synthetic(locations: 500, difficulty: "medium", ground: .panorama(64, 256), aerial: .polar(64, 256))
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("gem")
    }
    Loss("infonce")
    Sampler("gps")
    Train(epochs: 8, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 1))
    Evaluate(every: 2, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
