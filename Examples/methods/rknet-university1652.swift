// RK-Net (Lin et al., "Joint Representation Learning and Keypoint Detection for Cross-view
// Geo-localization", IEEE TIP 2022) on University-1652: ResNet-50 with a USAM after the stem
// (conv1-bn1-relu, before the max-pool) and one after layer1, average pooling, a ClassBlock
// shared by the drone, satellite and street views (three-view training, as the University-1652
// baseline's code RK-Net builds on), the instance loss (each location a class), SGD.
// The paper reports drone->satellite R@1 66.13 / AP 70.23, satellite->drone R@1 80.17 / AP 65.76.
//
// Settings (METHODS.md "Training settings"): 256x256 inputs, batch 8, SGD momentum 0.9 with
// Nesterov, lr 0.01 for the new layers and 0.001 for the backbone, 140 epochs, warm-up 5
// (GeoKit's step schedule at epoch 80 stands in for the reference's step decay).
// The dataset root and the ImageNet weights are --set-able:
//   .build/release/geokit run Examples/methods/rknet-university1652.swift \
//       --set dataset.root=/data/University-1652 --set backbone.weights=resnet50-imagenet.safetensors
import GeoKit

let recipe = Recipe("rknet-university1652") {
    Dataset.university1652(root: "University-1652", drone: .square(256), satellite: .square(256), views: 3)
    Model(shareWeights: true) {
        Backbone("resnet50", ["lastStride": 1])
        Attention("usam", at: "stem")
        Attention("usam", at: "layer1")
        Aggregator("avg")
        Head("classblock", ["bottleneck": 512, "dropout": 0.5])
    }
    Loss("instance")
    Sampler("random")
    Train(
        epochs: 140, batchSize: 8, optimizer: .sgd(lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
        schedule: .step(stepEpochs: 80, gamma: 0.1, warmupEpochs: 5), backboneLRScale: 0.1)
    Evaluate(every: 10)
}
