// GeoKit quickstart: one ResNet-18 shared by both views, GeM pooling,
// symmetric InfoNCE and the GPS sampler on GeoKit's synthetic world
// (generated into ~/.cache/geokit/worlds on first use), with the aerial
// tiles polar-transformed so their columns follow the panorama's bearings.
//
//   bash .ci/setup && .build/release/geokit run Examples/quickstart.swift
//
// The world is the easy one (SynthOptions.Difficulty.easy) with held-out
// locations drawn from the training area (sameArea); 32 x 128 views keep
// an epoch over 2400 training pairs near a minute on two cores.
import GeoKit

let recipe = Recipe("quickstart") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.04, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128),
        augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("gem")
    }
    Loss("infonce")
    Sampler("gps")
    Train(epochs: 3, batchSize: 32, optimizer: .adamW(lr: 2e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
