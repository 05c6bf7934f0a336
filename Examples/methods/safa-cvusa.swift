// SAFA (Shi et al., "Spatial-Aware Feature Aggregation for Cross-View Image based Geo-Localization",
// NeurIPS 2019) on CVUSA: two unshared VGG16 branches (ground panorama; polar-transformed aerial tile),
// SAFA's 2x2 max-pool before its aggregator (`finalPool`), spatial-aware aggregation with K = 8 position
// embeddings, and the weighted soft-margin ranking loss (alpha 10).
// SAFA reports CVUSA R@1 89.84, R@5 96.93, R@10 98.14, R@1% 99.64 (R@1% as SAFA's code counts it,
// `.recallPercent(1, .safa)`).
//
// Settings (METHODS.md "Training settings"): 128 x 512 inputs (the map is 512 x 4 x 16), batch 32, Adam
// lr 1e-5, ImageNet initialisation. SAFA's code trains until the validation recall stops improving; GeoKit
// trains 100 epochs and keeps the best checkpoint by R@1 (best.safetensors). No augmentation, as SAFA.
// The dataset root and the ImageNet weights (torchvision's vgg16, `geokit convert`) are --set-able:
//   .build/release/geokit run Examples/methods/safa-cvusa.swift \
//       --set dataset.root=/data/CVUSA --set backbone.weights=vgg16.safetensors
import GeoKit

let recipe = Recipe("safa-cvusa") {
    Dataset.cvusa(root: "CVUSA", ground: .panorama(128, 512), aerial: .polar(128, 512), augment: false)
    Model(shareWeights: false) {
        Backbone("vgg16", ["finalPool": true])
        Aggregator("safa", ["heads": 8, "height": 4, "width": 16])
    }
    Loss("wsmr", ["alpha": 10])
    Sampler("random")
    Train(epochs: 100, batchSize: 32, optimizer: .adam(lr: 1e-5), schedule: .constant)
    Evaluate(every: 5, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1, .safa)])
}
