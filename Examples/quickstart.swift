// GeoKit quickstart: one ResNet-18 shared by both views, GeM pooling, Sample4Geo's symmetric InfoNCE and
// GPS sampler, on GeoKit's synthetic world (generated into ~/.cache/geokit/worlds on first use), the aerial
// tiles polar-transformed so their columns follow the panorama's bearings.
//
//   bash .ci/setup && .build/release/geokit run Examples/quickstart.swift
//
// The world: 2500 locations of the easy difficulty, every fifth held out from the same area (2000 training
// pairs; 500 held-out panoramas searched among 500 tiles); 32 x 128 views keep three epochs within minutes
// on two cores. Examples/lite0-pretrained.swift is the same recipe fine-tuning the real ImageNet
// EfficientNet-Lite0 (docs/first-recipe.md says why the quickstart starts from random weights).
import GeoKit

let recipe = Recipe("quickstart") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.2, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128),
        augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("gem")
    }
    Loss("infonce")
    Sampler("gps")
    Train(epochs: 3, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
