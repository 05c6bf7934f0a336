import Foundation
import GeoKit

/// Fills a module's state the way Tests/reference/deterministic.py fills the
/// PyTorch model's, so large models can be compared without committing
/// their weights: tensor k (in sorted key order) gets a sine of its element index.
func fillDeterministic(_ module: Module) {
    let entries = module.stateDict().sorted { $0.name < $1.name }
    var tensors: [String: Tensor] = [:]
    for e in module.namedParameters() { tensors[e.name] = e.tensor }
    for e in module.namedBuffers() { tensors[e.name] = e.tensor }
    for (k, entry) in entries.enumerated() where !entry.isInteger {
        let t = tensors[entry.name]!
        let name = entry.name
        let fanIn = t.rank > 1 ? t.count / t.shape[0] : 1
        t.fill { i in
            let d = Double(i)
            let w = sin(0.731 * d + 0.37 * Double(k) + 0.1 * Double((i * i) % 17))
            if name.hasSuffix("running_var") { return 1 + 0.25 * (w + 1) }
            if name.hasSuffix("running_mean") || name.hasSuffix("bias") { return 0.1 * w }
            if t.rank == 1 { return 1 + 0.2 * w }
            return (2.0 / Double(fanIn)).squareRoot() * 2.0.squareRoot() * w
        }
    }
}
