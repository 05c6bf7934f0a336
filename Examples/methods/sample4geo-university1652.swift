// Sample4Geo (Deuser et al., ICCV 2023) on University-1652: one ConvNeXt-B shared by the drone and satellite
// views, the symmetric InfoNCE loss (label smoothing 0.1), each location once per batch so no second drone
// image of a location becomes a false negative.
// The paper reports drone->satellite R@1 92.65 and satellite->drone R@1 96.43.
//
// Settings from Sample4Geo's train_university.py: 384 x 384 for both views, 128 pairs per batch, AdamW lr 1e-3
// (weight decay 0.01), cosine schedule with a 0.1-epoch warm-up, ONE epoch, drone and satellite flipped
// together. Evaluation as Sample4Geo's: gallery locations no query has (the distractor satellites) are junk
// (`gallery: .sample4geo`).
// The dataset root and the ImageNet-22k weights (timm's convnext_base.fb_in22k_ft_in1k_384, `geokit convert`)
// are --set-able:
//   .build/release/geokit run Examples/methods/sample4geo-university1652.swift \
//       --set dataset.root=/data/University-1652 --set backbone.weights=convnext_base.safetensors
import GeoKit

let recipe = Recipe("sample4geo-university1652") {
    Dataset.university1652(root: "University-1652", drone: .square(384), satellite: .square(384))
    Model(shareWeights: true) {
        Backbone("convnext_base")
        Aggregator("avgnorm", ["channels": 1024])
    }
    Loss("infonce", ["labelSmoothing": 0.1])
    Sampler("random")
    Train(
        epochs: 1, batchSize: 128, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.1), clipNorm: 100)
    Evaluate(every: 1, gallery: .sample4geo)
}
