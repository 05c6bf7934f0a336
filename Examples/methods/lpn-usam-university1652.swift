// LPN + USAM on University-1652, as RK-Net's paper evaluates it: LPN (ResNet-50, 4 square-ring
// parts, a ClassBlock per part, instance loss per part) with a USAM after the stem and after
// layer1, the points RK-Net uses on ResNet-50.
// RK-Net's paper reports for LPN + USAM: drone->satellite R@1 77.60 / AP 80.55,
// satellite->drone R@1 86.59 / AP 75.96.
//
// Settings: LPN's run.sh (256x256, three views, batch 8, dropout 0.75, SGD lr 0.001, backbone x0.1, 120 epochs,
// step at 80).
//   .build/release/geokit run Examples/methods/lpn-usam-university1652.swift \
//       --set dataset.root=/data/University-1652 --set backbone.weights=resnet50-imagenet.safetensors
import GeoKit

let recipe = Recipe("lpn-usam-university1652") {
    Dataset.university1652(root: "University-1652", drone: .square(256), satellite: .square(256), views: 3)
    Model(shareWeights: true) {
        Backbone("resnet50", ["lastStride": 1])
        Attention("usam", at: "stem")
        Attention("usam", at: "layer1")
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
