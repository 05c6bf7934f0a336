import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// The run's checkpoint: the model's weights under their reference keys,
/// the optimiser's state under `optimizer.<index>.<field>`, and a
/// `geokit` metadata entry (JSON: recipe name, components, finished epoch,
/// optimiser steps, seed, history). Written atomically, so a crash never
/// leaves a partial file.
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

    public static let optimizerPrefix = "optimizer."
    public static let metadataKey = "geokit"

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
