// SAFA + USAM on University-1652, as RK-Net's paper evaluates it: VGG16 (conv5_3 and SAFA's 2x2 max-pool,
// /32: an 8x8 map at 256x256) with a USAM
// after its first and second convolution blocks (block1, block2: GeoKit's VGG analogue of RK-Net's
// "after the stem, before the max-pool" and "after layer1"; see docs/methods.md), SAFA's 8-head
// spatial-aware aggregation, a ClassBlock on the SAFA descriptor and the instance loss, as RK-Net
// trains every University-1652 variant.
// RK-Net's paper reports for SAFA + USAM: drone->satellite R@1 72.19 / AP 75.79,
// satellite->drone R@1 83.23 / AP 71.77.
//
// Settings: 256x256, batch 8, SGD lr 0.01 (backbone 0.001), 120 epochs with a step at 80.
//   .build/release/geokit run Examples/methods/safa-usam-university1652.swift \
//       --set dataset.root=/data/University-1652 --set backbone.weights=vgg16-imagenet.safetensors
import GeoKit

let recipe = Recipe("safa-usam-university1652") {
    Dataset.university1652(root: "University-1652", drone: .square(256), satellite: .square(256))
    Model(shareWeights: true) {
        Backbone("vgg16", ["finalPool": true])
        Attention("usam", at: "block1")
        Attention("usam", at: "block2")
        Aggregator("safa", ["heads": 8, "height": 8, "width": 8])
        Head("classblock", ["bottleneck": 512, "dropout": 0.5])
    }
    Loss("instance")
    Sampler("random")
    Train(
        epochs: 120, batchSize: 8, optimizer: .sgd(lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
        schedule: .step(stepEpochs: 80, gamma: 0.1, warmupEpochs: 5), backboneLRScale: 0.1)
    Evaluate(every: 10)
}
