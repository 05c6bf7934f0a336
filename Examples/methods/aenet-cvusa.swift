// AENet (Xu et al., "AENet: attention efficient network for cross-view image geo-localization",
// Electronic Research Archive 31(7), 2023) on CVUSA: two unshared EfficientNetV2-S branches (one for the
// ground panorama, one for the polar-transformed aerial tile), each followed by Triplet Attention on its
// 1280 x 4 x 16 map, and the multiple-hard-negatives weighted (MHNW) soft-margin loss, alpha 10.
// The paper reports CVUSA R@1 95.97, R@5 98.80, R@10 99.11, R@1% 99.84 (CVACT_val R@1 91.78) and 40.34 M
// parameters. `geokit run --dry` on this file prints 40,355,576: 2 x 20,177,488 (tf_efficientnetv2_s without
// its classifier) + 2 x 300 (Triplet Attention: three 7x7 2->1 convolutions and their BatchNorm pairs), 40.35 M
// as the issue counts it (40.36 M rounded).
//
// Settings as the paper's Table 2 gives them: 128 x 512 inputs, batch 24, AdamW lr 1e-5, weight decay 5e-5,
// ImageNet initialisation. The paper names no epoch count, schedule or augmentation: GeoKit trains 50 epochs at
// a constant rate without augmentation. The descriptor is the Triplet Attention output as a whole, flattened
// and L2-normalised (81,920-d): the paper takes the attended map as the descriptor, and MHNW's alpha 10 suits
// distances between unit vectors.
// The dataset root and the ImageNet weights (timm's tf_efficientnetv2_s, saved with `geokit convert`) are
// --set-able:
//   .build/release/geokit run Examples/methods/aenet-cvusa.swift \
//       --set dataset.root=/data/CVUSA --set backbone.weights=tf_efficientnetv2_s.safetensors
import GeoKit

let recipe = Recipe("aenet-cvusa") {
    Dataset.cvusa(root: "CVUSA", ground: .panorama(128, 512), aerial: .polar(128, 512), augment: false)
    Model(shareWeights: false) {
        Backbone("tf_efficientnetv2_s")
        Attention("triplet")
        Aggregator("flatten", ["normalize": true])
    }
    Loss("mhnw", ["alpha": 10])
    Sampler("random")
    Train(epochs: 50, batchSize: 24, optimizer: .adamW(lr: 1e-5, weightDecay: 5e-5), schedule: .constant)
    Evaluate(every: 5, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
