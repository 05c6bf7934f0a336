// Ablation base: AENet's parts at a size this machine trains in minutes (docs/examples.md, "Ablations").
// Two unshared ResNet-18 (last stride 1; EfficientNetV2-S would take hours here), Triplet Attention after each,
// the attended 512 x 2 x 8 map flattened and L2-normalised, MHNW (alpha 10), on the ablation world: 2500
// synthetic locations, 2000 training pairs, 500 held-out queries against 500 tiles.
//   .build/release/geokit run Examples/ablations/aenet.swift --out runs/ablation-aenet
//   ... --set attention0.name=identity --out runs/ablation-aenet-no-triplet        (Triplet Attention off)
//   ... --set loss.name=wsmr_hard --out runs/ablation-aenet-wsmr-hard             (batch-hard WSMR, eq. 3.1)
import GeoKit

let recipe = Recipe("ablation-aenet") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.2, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: false) {
        Backbone("resnet18", ["lastStride": 1])
        Attention("triplet")
        Aggregator("flatten", ["normalize": true])
    }
    Loss("mhnw", ["alpha": 10])
    Sampler("random")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 1e-3, weightDecay: 5e-5), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 2)
}
