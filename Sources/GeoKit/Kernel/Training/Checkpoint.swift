import Foundation

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
        for (key, tensor) in optimizer.stateDict() { entries.append(SafeTensors.Entry(optimizerPrefix + key, tensor)) }
        let json = String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
        try SafeTensors.write(entries, metadata: [metadataKey: json, "format": "pt"], to: url)
    }

    /// Loads only the model's weights (for evaluation and retrieval).
    public static func loadWeights(into model: Module, from url: URL) throws {
        let contents = try SafeTensors.read(url)
        try model.loadStateDict(contents.tensors.filter { !$0.key.hasPrefix(optimizerPrefix) })
    }

    /// Restores model and optimiser in place; returns the metadata.
    public static func restore(model: Module, optimizer: Optimizer, from url: URL) throws -> Metadata {
        let contents = try SafeTensors.read(url)
        guard let text = contents.metadata[metadataKey],
              let metadata = try? JSONDecoder().decode(Metadata.self, from: Data(text.utf8)) else {
            throw GeoKitError("the checkpoint has no GeoKit run metadata", where: url.path,
                              remedy: "resume only from a checkpoint written by geokit run")
        }
        var weights: [String: Tensor] = [:], state: [String: Tensor] = [:]
        for (key, tensor) in contents.tensors {
            if key.hasPrefix(optimizerPrefix) { state[String(key.dropFirst(optimizerPrefix.count))] = tensor } else { weights[key] = tensor }
        }
        try model.loadStateDict(weights)
        try optimizer.loadStateDict(state)
        return metadata
    }
}
