import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// A run's checkpoints, safetensors files (`format: pt` in the header, loadable by
/// `safetensors.torch.load_file`), written atomically (temporary file, then
/// rename), so a crash never leaves a partial file:
///
/// - last.safetensors (`write`): the model's weights under their reference
///   keys, the optimiser's state under `optimizer.<index>.<field>`, and a
///   `geokit` metadata entry (JSON `Metadata`: recipe name, components,
///   finished epoch, optimiser steps, seed, history).
/// - best.safetensors (`writeWeights`): the weights alone, and a `geokit.best`
///   metadata entry (JSON `BestMetadata`: recipe, components, epoch, figure, value).
///
/// `read` returns either's parts.
public struct Checkpoint {
    public struct Metadata: Codable, Sendable {
        public var recipe: String
        public var components: [String]
        /// The last finished epoch (1-based).
        public var epoch: Int
        public var optimizerSteps: Int
        /// Every random choice derives from (seed, epoch, step): this is the whole RNG state.
        public var seed: UInt64
        public var history: [EpochRecord]
    }

    /// Which epoch best.safetensors holds and why.
    public struct BestMetadata: Codable, Sendable, Equatable {
        public var recipe: String
        public var components: [String]
        /// The evaluated epoch (1-based) whose weights these are.
        public var epoch: Int
        /// The figure it is best by ("R@1") and its value there, in percent.
        public var figure: String
        public var value: Double

        public init(recipe: String, components: [String], epoch: Int, figure: String, value: Double) {
            (self.recipe, self.components, self.epoch, self.figure, self.value) = (recipe, components, epoch, figure, value)
        }
    }

    /// A checkpoint file's parts: the model's tensors by key, the optimiser's (keys without `optimizer.`; empty in
    /// best.safetensors), and whichever metadata entry it has.
    public struct Contents {
        public var weights: [String: Tensor]
        public var optimizerState: [String: Tensor]
        public var metadata: Metadata?
        public var best: BestMetadata?
    }

    public static let optimizerPrefix = "optimizer."
    public static let metadataKey = "geokit"
    public static let bestMetadataKey = "geokit.best"

    /// The model's weights and `metadata`, without optimiser state (best.safetensors).
    public static func writeWeights(model: Module, metadata: BestMetadata, to url: URL) throws {
        let json = String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
        try SafeTensors.write(model.stateDict(), metadata: [bestMetadataKey: json, "format": "pt"], to: url)
    }

    /// Reads either kind of checkpoint; a damaged file or metadata entry is one error naming the file.
    public static func read(_ url: URL) throws -> Contents {
        let contents = try SafeTensors.read(url)
        var result = Contents(weights: [:], optimizerState: [:])
        for (key, tensor) in contents.tensors {
            if key.hasPrefix(optimizerPrefix) {
                result.optimizerState[String(key.dropFirst(optimizerPrefix.count))] = tensor
            } else {
                result.weights[key] = tensor
            }
        }
        if let json = contents.metadata[metadataKey] { result.metadata = try parseMetadata(json, source: url.path) }
        if let json = contents.metadata[bestMetadataKey] {
            do { result.best = try JSONDecoder().decode(BestMetadata.self, from: Data(json.utf8)) } catch let error as DecodingError {
                throw GeoKitError(
                    "the checkpoint's best-epoch metadata is unreadable: \(error.fieldDescription)", where: url.path,
                    remedy: "use a best.safetensors written by geokit run, or --checkpoint last")
            }
        }
        return result
    }

    public static func write(model: Module, optimizer: Optimizer, metadata: Metadata, to url: URL) throws {
        var entries = model.stateDict()
        for (key, tensor) in optimizer.stateDict() { entries.append(NamedTensor(optimizerPrefix + key, tensor)) }
        let json = String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
        try SafeTensors.write(entries, metadata: [metadataKey: json, "format": "pt"], to: url)
    }

    /// Loads only the model's weights (for evaluation and retrieval).
    public static func loadWeights(into model: Module, from url: URL) throws {
        let contents = try SafeTensors.read(url)
        // A head's classifier is sized by the training split, which evaluation does not read: the checkpoint sizes it.
        try (model as? CrossViewModel)?.prepareHead(from: contents.tensors)
        try model.loadStateDict(contents.tensors.filter { !$0.key.hasPrefix(optimizerPrefix) })
    }

    /// Restores model and optimiser in place; returns the metadata.
    public static func restore(model: Module, optimizer: Optimizer, from url: URL) throws -> Metadata {
        try restore(model: model, optimizer: optimizer, contents: SafeTensors.read(url), source: url.path)
    }

    /// Restores from a decoded file; `source` names it in error messages.
    public static func restore(model: Module, optimizer: Optimizer, contents: SafeTensors.Contents, source: String) throws -> Metadata {
        let metadata = try parseMetadata(contents.metadata[metadataKey], source: source)
        var weights: [String: Tensor] = [:], state: [String: Tensor] = [:]
        for (key, tensor) in contents.tensors {
            if key.hasPrefix(optimizerPrefix) { state[String(key.dropFirst(optimizerPrefix.count))] = tensor } else { weights[key] = tensor }
        }
        try model.loadStateDict(weights)
        try optimizer.loadStateDict(state)
        return metadata
    }

    /// The `geokit` metadata entry, decoded and checked: counters are
    /// non-negative and the history's epochs run 0... up to the finished
    /// epoch, so resuming never starts from an epoch it cannot reach.
    /// Errors name the field.
    public static func parseMetadata(_ text: String?, source: String) throws -> Metadata {
        let remedy = "resume only from a checkpoint written by geokit run; this one is damaged or from elsewhere"
        guard let text else {
            throw GeoKitError("the checkpoint has no GeoKit run metadata", where: source, remedy: remedy)
        }
        // Foundation's decoder calls every out-of-range or fractional number "not valid JSON";
        // the counters are checked first so that the message names the field.
        let json: HeaderJSON
        do throws(HeaderJSON.ParseError) { json = try HeaderJSON.parse(Array(text.utf8)) } catch {
            throw GeoKitError("the checkpoint's run metadata is unreadable: not valid JSON (\(error.message))", where: source, remedy: remedy)
        }
        for (path, value) in integerFields(json) {
            let fits: Bool
            if path == "seed", case .number(let t) = value {
                fits = !t.contains(where: { ".eE".contains($0) }) && UInt64(t) != nil
            } else {
                fits = value.integer != nil
            }
            guard fits else {
                throw GeoKitError(
                    "the checkpoint's run metadata is unreadable: field \(path) is \(value.summary), not a whole number in range",
                    where: source, remedy: remedy)
            }
        }
        let metadata: Metadata
        do { metadata = try JSONDecoder().decode(Metadata.self, from: Data(text.utf8)) } catch let error as DecodingError {
            throw GeoKitError("the checkpoint's run metadata is unreadable: \(error.fieldDescription)", where: source, remedy: remedy)
        } catch {
            throw GeoKitError("the checkpoint's run metadata is unreadable", where: source, remedy: remedy)
        }
        func bad(_ why: String) -> GeoKitError { GeoKitError("the checkpoint's run metadata is invalid: \(why)", where: source, remedy: remedy) }
        guard metadata.epoch >= 0 else { throw bad("epoch is \(metadata.epoch)") }
        guard metadata.optimizerSteps >= 0 else { throw bad("optimizerSteps is \(metadata.optimizerSteps)") }
        for (i, record) in metadata.history.enumerated() {
            guard (0...metadata.epoch).contains(record.epoch) else {
                throw bad("history[\(i)].epoch is \(record.epoch), outside 0...\(metadata.epoch)")
            }
        }
        return metadata
    }

    /// The integer fields of the metadata that are present, with their paths.
    private static func integerFields(_ json: HeaderJSON) -> [(String, HeaderJSON)] {
        guard case .object(let top) = json else { return [] }
        var fields: [(String, HeaderJSON)] = top.filter { ["epoch", "optimizerSteps", "seed"].contains($0.key) }.map { ($0.key, $0.value) }
        if case .array(let records)? = top.first(where: { $0.key == "history" })?.value {
            for (i, record) in records.enumerated() {
                if case .object(let f) = record, let epoch = f.first(where: { $0.key == "epoch" }) { fields.append(("history[\(i)].epoch", epoch.value)) }
            }
        }
        return fields
    }
}
