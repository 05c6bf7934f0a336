import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// A backbone's pretrained weights, as `Backbone(name, weights:strict:stripPrefix:addPrefix:)`
/// names them: a safetensors file or a PyTorch `.pth`/`.bin` (`WeightsFile`),
/// loaded when the model is built — after the seeded initialisation, before
/// any attention module is inserted, into each branch's backbone.
///
/// Not strict (the default): the file may hold keys the backbone lacks (a
/// torchvision or timm checkpoint's classifier, `fc.*`), which are skipped
/// and reported, but every tensor of the backbone must come from the file
/// (BatchNorm's `num_batches_tracked` excepted, as PyTorch does), so a
/// checkpoint of another architecture, or one needing a prefix option, is
/// refused rather than half loaded. Strict: the keys must be exactly the backbone's.
public struct PretrainedWeights: Sendable, Equatable {
    public var path: String
    public var strict: Bool
    public var stripPrefix: String?
    public var addPrefix: String?

    public init(path: String, strict: Bool = false, stripPrefix: String? = nil, addPrefix: String? = nil) {
        (self.path, self.strict, self.stripPrefix, self.addPrefix) = (path, strict, stripPrefix, addPrefix)
    }

    /// What loading did, for `geokit run --dry` and the training log.
    public struct Report: Sendable {
        /// The branch ("" when shared, "ground." or "aerial.").
        public let branch: String
        public let file: URL
        /// Tensors of the backbone copied from the file, of `total`.
        public let loaded: Int, total: Int
        /// Backbone keys the file lacks that keep their own value (num_batches_tracked).
        public let kept: [String]
        /// Keys of the file the backbone lacks, skipped (non-strict loading).
        public let skipped: [String]

        public var description: String {
            var text = "\(branch)backbone weights \(file.path): \(loaded) of \(total) tensors loaded"
            if !kept.isEmpty { text += " (\(kept.count) num_batches_tracked not in the file keep their own value)" }
            text += skipped.isEmpty ? ", no key of the file skipped" : ", " + StateDictKeys.counted(skipped, "keys of the file skipped")
            return text
        }
    }

    /// The file; a relative path is relative to `directory` (the recipe file's), else to the working directory.
    public func url(relativeTo directory: URL?) -> URL {
        guard let directory, !path.hasPrefix("/") else { return URL(fileURLWithPath: path).standardizedFileURL }
        return directory.appendingPathComponent(path).standardizedFileURL
    }

    /// Copies `tensors` (read from `file`) into `backbone` (registered as `component`), or throws one
    /// error naming the file and what does not fit; nothing is copied unless everything fits.
    package func load(_ tensors: [String: Tensor], from file: URL, into backbone: Module, component: String, branch: String) throws -> Report {
        let place = "\(component).loadStateDict"
        let renamed = try StateDictKeys.rename(tensors, stripPrefix: stripPrefix, addPrefix: addPrefix, place: place)
        let expected = backbone.stateDict().map(\.name)
        let known = Set(expected)
        do {
            if strict {
                try backbone.loadStateDict(tensors, strict: true, stripPrefix: stripPrefix, addPrefix: addPrefix)
            } else if renamed.keys.contains(where: known.contains) {
                // The backbone's own keys, all required (loadStateDict's strict check on them).
                try backbone.loadStateDict(renamed.filter { known.contains($0.key) }, strict: true)
            } else {
                guard !renamed.isEmpty else { throw GeoKitError("the file holds no tensors", where: place) }
                try backbone.loadStateDict(tensors, strict: false, stripPrefix: stripPrefix, addPrefix: addPrefix)
            }
        } catch let error as GeoKitError {
            let what = error.what.replacingOccurrences(of: "the state dict does not fit the model: ", with: "")
            let remedy =
                error.remedy.contains("Prefix")
                ? error.remedy.replacingOccurrences(of: " (--strip-prefix ", with: " (--set backbone.stripPrefix=")
                : strict
                    ? "load weights of \(component)'s architecture, or pass strict: false to skip the file's extra keys"
                    : "load weights of \(component)'s architecture (non-strict loading skips the file's extra keys, never the backbone's own)"
            throw GeoKitError("the weights do not fit \(component): \(what)", where: file.path, remedy: remedy)
        }
        return Report(
            branch: branch, file: file, loaded: expected.filter { renamed[$0] != nil }.count, total: expected.count,
            kept: expected.filter { renamed[$0] == nil }, skipped: renamed.keys.filter { !known.contains($0) }.sorted())
    }
}
