// Ablation base: RK-Net's USAM at a size this machine trains in minutes (docs/examples.md, "Ablations").
// One shared ResNet-18 with USAM after the stem and after layer1 (RK-Net's two points), average pooling and
// InfoNCE (the instance loss needs far more than two epochs over 2000 classes), on the ablation world:
// 2500 synthetic locations, 2000 training pairs, 500 held-out queries against 500 tiles.
//   .build/release/geokit run Examples/ablations/rknet.swift --out runs/ablation-rknet
//   ... --set attention0.name=identity --set attention1.name=identity --out runs/ablation-rknet-no-usam
import GeoKit

let recipe = Recipe("ablation-rknet") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.2, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Attention("usam", at: "stem")
        Attention("usam", at: "layer1")
        Aggregator("avg")
    }
    Loss("infonce")
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 2e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 2)
}
