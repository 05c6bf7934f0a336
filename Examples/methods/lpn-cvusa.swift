// LPN (Wang et al., "Each Part Matters: Local Patterns Facilitate Cross-view Geo-localization",
// IEEE TCSVT 2021) on CVUSA, as LPN's run_cvusa.sh trains it: two unshared VGG16-BN branches, the
// ground panorama cut into 8 horizontal rows and the (not polar-transformed) satellite tile into 8 square
// rings — the per-branch partitions of LPN's `sqr` mode — each part with its own ClassBlock shared by the two
// views, and the instance loss (each training location a class) summed over parts and views.
//
// Settings from run_cvusa.sh / train_cvusa.py: 256 x 256 inputs for both views (the panorama resized, the
// map 512 x 8 x 8), batch 16, blocks 8, dropout 0.5, SGD momentum 0.9 Nesterov, weight decay 5e-4, lr 0.1
// for the ClassBlocks and 0.01 for the backbone, a 5-epoch warm-up, 120 epochs with a step (x0.1) at 80.
// LPN pads, crops and flips each view independently; GeoKit's CVUSA augmentation flips and turns the pair
// together (Sample4Geo's), so it is off here. The retrieval descriptor is the eight parts' bottleneck
// features, each L2-normalised, concatenated (8 x 512).
// The dataset root and the ImageNet weights (torchvision's vgg16_bn, `geokit convert`) are --set-able:
//   .build/release/geokit run Examples/methods/lpn-cvusa.swift \
//       --set dataset.root=/data/CVUSA --set backbone.weights=vgg16_bn.safetensors
import GeoKit

let recipe = Recipe("lpn-cvusa") {
    Dataset.cvusa(root: "CVUSA", ground: .panorama(256, 256), aerial: .square(256), augment: false)
    Model(shareWeights: false) {
        Backbone("vgg16_bn", ["finalPool": true])
        Aggregator("lpn", ["blocks": 8, "pool": "avg"], ground: ["partition": "row"], aerial: ["partition": "ring"])
        Head("classblock", ["bottleneck": 512, "dropout": 0.5])
    }
    Loss("instance")
    Sampler("random")
    Train(
        epochs: 120, batchSize: 16, optimizer: .sgd(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
        schedule: .step(stepEpochs: 80, gamma: 0.1, warmupEpochs: 5), backboneLRScale: 0.1)
    Evaluate(every: 10, metrics: [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
}
