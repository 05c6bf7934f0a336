// Sample4Geo (Deuser et al., "Sample4Geo: Hard Negative Sampling For Cross-View Geo-Localisation",
// ICCV 2023) on CVUSA: one ConvNeXt-B shared by both views (timm's pooled embedding: average pooling then
// head.norm), the symmetric InfoNCE loss with a learnable temperature and label smoothing 0.1, batches of
// geographic neighbours first and, after every evaluation, of look-alike neighbours (dynamic similarity
// sampling, `sampler:dss`).
// The paper reports CVUSA R@1 98.68 (R@1% as its code counts it, `.recallPercent(1, .sample4geo)`).
//
// Settings from Sample4Geo's train_cvusa.py: ground 140 x 768 (the panorama's 224:1232 ratio at twice the
// aerial size), aerial 384 x 384 unpolarised, 128 pairs per batch, AdamW lr 1e-3 (weight decay 0.01, torch's
// default), cosine schedule with 1 warm-up epoch, 40 epochs, evaluation and re-mining every 4 epochs,
// neighbour range 128 and selection 64; ground and aerial flipped together and turned together (the panorama
// rolled to match). Gradients are clipped to norm 100 (clip_grad) as the reference does.
// The dataset root and the ImageNet-22k weights (timm's convnext_base.fb_in22k_ft_in1k_384, `geokit convert`)
// are --set-able:
//   .build/release/geokit run Examples/methods/sample4geo-cvusa.swift \
//       --set dataset.root=/data/CVUSA --set backbone.weights=convnext_base.safetensors
import GeoKit

let recipe = Recipe("sample4geo-cvusa") {
    Dataset.cvusa(root: "CVUSA", ground: .panorama(140, 768), aerial: .square(384), augment: true)
    Model(shareWeights: true) {
        Backbone("convnext_base")
        Aggregator("avgnorm", ["channels": 1024])
    }
    Loss("infonce", ["labelSmoothing": 0.1])
    Sampler("dss", ["range": 128, "select": 64, "every": 4])
    Train(
        epochs: 40, batchSize: 128, optimizer: .adamW(lr: 1e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 1), clipNorm: 100)
    Evaluate(every: 4, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1, .sample4geo)])
}
