// Ablation base: Sample4Geo's batch composition at a size this machine trains in minutes (docs/examples.md,
// "Ablations"). One shared ResNet-18, GeM, symmetric InfoNCE; batches of GPS neighbours, against shuffled
// batches and against dynamic similarity sampling (the GPS table, then look-alikes mined after every
// evaluation, here every epoch), on the ablation world: 2500 synthetic locations, 2000 training pairs, 500
// held-out queries against 500 tiles.
//   .build/release/geokit run Examples/ablations/sample4geo.swift --out runs/ablation-s4g-gps
//   ... --set sampler.name=random --out runs/ablation-s4g-random
//   ... --set sampler.name=dss --set sampler.every=1 --out runs/ablation-s4g-dss
import GeoKit

let recipe = Recipe("ablation-sample4geo") {
    Dataset.synthetic(
        locations: 2500, difficulty: .easy, testFraction: 0.2, sameArea: true,
        ground: .panorama(32, 128), aerial: .polar(32, 128), augment: true, colourJitter: 0.2, erasing: 0.25)
    Model(shareWeights: true) {
        Backbone("resnet18")
        Aggregator("gem")
    }
    Loss("infonce")
    Sampler("gps")
    Train(epochs: 2, batchSize: 32, optimizer: .adamW(lr: 2e-3, weightDecay: 0.01), schedule: .cosine(warmupEpochs: 0.5))
    Evaluate(every: 1)
}
