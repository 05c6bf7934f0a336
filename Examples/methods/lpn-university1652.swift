// LPN (Wang et al., "Each Part Matters: Local Patterns Facilitate Cross-view Geo-localization",
// IEEE TCSVT 2021) on University-1652: ResNet-50 (last stride 1), the square-ring partition into
// 4 parts kept as parts, one ClassBlock per part (keys head.classifier0..3.*, as LPN's code names
// them), the instance loss summed over the parts and the three views (drone, satellite, street: LPN's run.sh
// trains with --views=3), SGD.
// The LPN paper reports drone->satellite R@1 75.93 / AP 79.14 and satellite->drone R@1 86.45 /
// AP 74.79 (University-1652, 4 parts).
//
// Settings: 256x256 inputs, batch 8, blocks 4, ResNet-50 last stride 1, shared weights, dropout 0.75 and
// SGD lr 0.001 (backbone x0.1) as LPN's published run.sh trains University-1652 (METHODS.md's table says
// lr 0.01: that is the University-1652 baseline's), 120 epochs with a step at 80. The retrieval descriptor is the four parts' bottleneck
// features, each L2-normalised, concatenated part-major (4 x 512).
//   .build/release/geokit run Examples/methods/lpn-university1652.swift \
//       --set dataset.root=/data/University-1652 --set backbone.weights=resnet50-imagenet.safetensors
import GeoKit

let recipe = Recipe("lpn-university1652") {
    Dataset.university1652(root: "University-1652", drone: .square(256), satellite: .square(256), views: 3)
    Model(shareWeights: true) {
        Backbone("resnet50", ["lastStride": 1])
        Aggregator("lpn", ["blocks": 4, "partition": "ring", "pool": "avg"])
        Head("classblock", ["bottleneck": 512, "dropout": 0.75])
    }
    Loss("instance")
    Sampler("random")
    Train(
        epochs: 120, batchSize: 8, optimizer: .sgd(lr: 0.001, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
        schedule: .step(stepEpochs: 80, gamma: 0.1, warmupEpochs: 5), backboneLRScale: 0.1)
    Evaluate(every: 10)
}
