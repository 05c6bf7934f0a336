import ArgumentParser
import Foundation
import GeoKit

/// `geokit convert IN OUT.safetensors`: a PyTorch checkpoint as safetensors, no Python needed.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write the tensors of a PyTorch checkpoint (.pth/.pt/.bin, zip or legacy format) as safetensors.",
        discussion: """
            The checkpoint's pickle is read without executing anything: a file that names any Python global \
            other than those a state dict needs is refused. A training checkpoint that wraps its state dict \
            (under state_dict, model_state_dict, model or net) yields that state dict. Float64 and int64 tensors \
            keep their types; other types (half precision, small integers, bool) are written as F32, which holds \
            their values exactly.
            """)

    @Argument(help: "The PyTorch checkpoint.") var input: String
    @Argument(help: "The safetensors file to write (written atomically).") var output: String

    func run() throws {
        let entries = try TorchCheckpoint.entries(URL(fileURLWithPath: input))
        try SafeTensors.write(entries, to: URL(fileURLWithPath: output))
        print("\(output): \(entries.count) tensors, \(entries.reduce(0) { $0 + $1.tensor.count }) values")
    }
}
