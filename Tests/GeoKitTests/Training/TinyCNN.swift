import GeoKit

/// A four-class toy problem (8x8 images of a horizontal bar, a vertical bar,
/// a diagonal or a centred blob, at random positions and under noise) and a
/// small CNN for it: enough to show the engine learns, fast enough for CI.
struct TinyCNNTask {
    var generator: RandomGenerator

    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }

    mutating func batch(_ n: Int) -> (images: Tensor, labels: [Int]) {
        let images = Tensor.zeros([n, 1, 8, 8])
        let p = images.pointer(Float.self)
        var labels: [Int] = []
        for i in 0..<n {
            let label = Int(generator.next() % 4)
            let offset = Int(generator.next() % 4) + 2
            labels.append(label)
            for y in 0..<8 {
                for x in 0..<8 {
                    let on: Bool
                    switch label {
                    case 0: on = y == offset
                    case 1: on = x == offset
                    case 2: on = x == y
                    default: on = abs(x - offset) <= 1 && abs(y - offset) <= 1
                    }
                    p[i * 64 + y * 8 + x] = (on ? 1 : 0) + Float(0.3 * generator.normal())
                }
            }
        }
        return (images, labels)
    }

    static func makeModel() -> Sequential {
        Sequential([
            Conv2d(1, 8, kernelSize: 3, padding: 1), BatchNorm(8), ReLU(), MaxPool2d(kernel: 2),
            Conv2d(8, 16, kernelSize: 3, padding: 1), ReLU(), AdaptiveAvgPool2d((1, 1))
        ])
    }
}

/// Trains the tiny CNN for `steps` Adam steps; returns the loss of every step.
func trainTinyCNN(seed: UInt64, steps: Int, batch: Int = 32, afterStep: (Int) -> Void = { _ in }) -> [Double] {
    GlobalRandom.seed(seed)
    var task = TinyCNNTask(seed: seed)
    let features = TinyCNNTask.makeModel()
    let head = Linear(16, 4)
    let optimizer = Adam(parameters: features.parameters() + head.parameters(), learningRate: 0.01)
    var losses: [Double] = []
    for step in 0..<steps {
        let (x, labels) = task.batch(batch)
        optimizer.zeroGrad()
        let logits = head(features(x).flattened(from: 1))
        let loss = logits.crossEntropy(targets: labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item)
        afterStep(step + 1)
    }
    return losses
}
