import ArgumentParser
import Foundation
import GeoKit

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run one component in eval mode on .npy arrays (and its backward), for parity checks with PyTorch.")

    @Option(help: "KIND:NAME, e.g. backbone:resnet18, attention:usam, loss:infonce.") var component: String
    @Option(name: .customLong("set"), help: "A component parameter, name=value (repeatable).") var settings: [String] = []
    @Option(help: "Weights (.safetensors or a PyTorch .pth/.pt/.bin checkpoint, reference names); without it, a deterministic init from --seed.")
    var weights: String?
    @Option(help: "Seed of the deterministic init.") var seed: UInt64 = 0
    @Option(
        help: ArgumentHelp(
            "Precision of the component, its weights, inputs and gradients: float32 or float64.",
            discussion: "Input arrays, --grad-output and --weights of the other precision are converted; every output is written in this one."))
    var dtype: String = "float32"
    @Option(help: "false: --weights may lack keys of the component or hold extra ones (both skipped); shapes must still match.")
    var strict: Bool = true
    @Option(help: "Remove this prefix from the keys of --weights that have it, e.g. module. (DataParallel) or model.")
    var stripPrefix: String?
    @Option(help: "Add this prefix to every key of --weights (after --strip-prefix), e.g. backbone.")
    var addPrefix: String?
    @Option(help: "Input array (.npy, float32 or float64, converted to --dtype); for a loss, the query descriptors (N, D).") var input: String
    @Option(help: "For a loss: the reference descriptors (N, D).") var input2: String?
    @Option(help: "Where to write the output (.npy).") var output: String
    @Option(help: "Gradient of the output (.npy); for a loss it defaults to 1.") var gradOutput: String?
    @Option(help: "Where to write the gradient of --input.") var gradInput: String?
    @Option(help: "Where to write the gradient of --input2.") var gradInput2: String?
    @Option(help: "Where to write the parameters' gradients (.safetensors).") var gradWeights: String?

    func run() throws {
        startKernel()
        var contract = ForwardContract(component: component, input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output))
        contract.settings = settings
        contract.weights = weights.map { URL(fileURLWithPath: $0) }
        contract.seed = seed
        guard let precision = DType(rawValue: dtype) else {
            throw GeoKitError("--dtype must be float32 or float64, got '\(dtype)'", remedy: "pass --dtype float64 for double precision")
        }
        contract.dtype = precision
        contract.strict = strict
        contract.stripPrefix = stripPrefix
        contract.addPrefix = addPrefix
        contract.input2 = input2.map { URL(fileURLWithPath: $0) }
        contract.gradOutput = gradOutput.map { URL(fileURLWithPath: $0) }
        contract.gradInput = gradInput.map { URL(fileURLWithPath: $0) }
        contract.gradInput2 = gradInput2.map { URL(fileURLWithPath: $0) }
        contract.gradWeights = gradWeights.map { URL(fileURLWithPath: $0) }
        try contract.run()
    }
}
