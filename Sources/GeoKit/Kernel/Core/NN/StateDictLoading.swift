import Foundation

extension Module {
    /// Copies `tensors` into the registered parameters and buffers in place (layers keep
    /// their references), the way PyTorch's `load_state_dict` does, with the
    /// conveniences published checkpoints need.
    ///
    /// - A BatchNorm's `num_batches_tracked` missing from the file keeps the
    ///   module's value (0 for a fresh model), as PyTorch's BatchNorm does for
    ///   checkpoints without version metadata; torchvision's ImageNet weights
    ///   lack these keys. This holds with `strict: true` too.
    /// - `strict: false` skips missing and unexpected keys; shape mismatches
    ///   always throw, and so does a dictionary none of whose keys names a
    ///   tensor of the model (it would leave every weight as initialised).
    /// - `stripPrefix` removes a prefix from the file's keys that carry it
    ///   (`module.` from `torch.nn.DataParallel`, `model.` from Lightning), then
    ///   `addPrefix` puts one before every key (weights of a bare backbone
    ///   loaded into a wrapper that registers it as `backbone`).
    ///
    /// ```swift
    /// let net = try Registry.shared.make(.backbone, "resnet18", settings: [])
    /// // A DataParallel checkpoint: "module.conv1.weight", ..., "module.fc.weight".
    /// let file = try SafeTensors.read(url)
    /// try net.loadStateDict(file.tensors, strict: false, stripPrefix: "module.")
    /// ```
    ///
    /// When the dictionary does not fit, one `GeoKitError` says how many keys
    /// are missing and unexpected (naming a few of each), names every shape
    /// mismatch, and suggests the remedy: `strict: false`, or the prefix option
    /// when every key of the file shares a first component the model lacks.
    /// Nothing is copied unless the whole dictionary fits.
    public func loadStateDict(
        _ tensors: [String: Tensor], strict: Bool = true,
        stripPrefix: String? = nil, addPrefix: String? = nil
    ) throws {
        let place = "\(type(of: self)).loadStateDict"
        let given = try StateDictKeys.rename(tensors, stripPrefix: stripPrefix, addPrefix: addPrefix, place: place)
        let entries = stateDict()
        let expected = Set(entries.map(\.name))
        let keepsOwnValue = Set(
            namedModules().filter { $0.module is BatchNorm }
                .map { $0.name.isEmpty ? "num_batches_tracked" : $0.name + ".num_batches_tracked" })
        let missing = entries.map(\.name).filter { given[$0] == nil && !keepsOwnValue.contains($0) }
        let unexpected = given.keys.filter { !expected.contains($0) }.sorted()
        let mismatched = entries.compactMap { entry -> String? in
            guard let t = given[entry.name], t.shape != entry.tensor.shape else { return nil }
            return "\(entry.name) (file \(t.shape), model \(entry.tensor.shape))"
        }
        let fits = mismatched.isEmpty && (!strict || missing.isEmpty && unexpected.isEmpty)
        let matched = given.keys.filter(expected.contains).count
        // Not strict, yet nothing in common: loading would silently keep every initial weight.
        let nothingLoaded = !strict && matched == 0 && !given.isEmpty && !entries.isEmpty
        guard fits && !nothingLoaded else {
            var problems: [String] = []
            if nothingLoaded { problems.append("none of its \(given.count) keys names a tensor of the model") }
            if !missing.isEmpty && (strict || nothingLoaded) { problems.append(StateDictKeys.counted(missing, "missing")) }
            if !unexpected.isEmpty && (strict || nothingLoaded) { problems.append(StateDictKeys.counted(unexpected, "unexpected")) }
            if !mismatched.isEmpty {
                problems.append("\(mismatched.count) shape mismatch\(mismatched.count == 1 ? "" : "es"): " + mismatched.joined(separator: ", "))
            }
            let hint = StateDictKeys.prefixHint(file: Array(given.keys), model: entries.map(\.name))
            var remedy: String
            if let hint {
                remedy = hint
            } else if mismatched.isEmpty {
                remedy = "load weights saved from the same architecture, or pass strict: false (--strict false) to skip missing and unexpected keys"
            } else {
                remedy = "load weights saved from the same architecture and width (the file's tensors have other shapes)"
            }
            if hint != nil && !mismatched.isEmpty { remedy += "; the shape mismatches need weights of the same architecture" }
            throw GeoKitError("the state dict does not fit the model: " + problems.joined(separator: "; "), where: place, remedy: remedy)
        }
        for entry in entries where entry.isInteger {
            guard let t = given[entry.name] else { continue }
            if let bad = t.scalars(as: Double.self).first(where: { Int64(exactly: $0) == nil }) {
                throw GeoKitError(
                    "the state dict's integer buffer \(entry.name) holds \(bad), not a whole number", where: place,
                    remedy: "the checkpoint is damaged; re-export it, or drop \(entry.name) and load with the module's own value")
            }
        }
        noGrad {
            for entry in entries {
                if let t = given[entry.name] { entry.tensor.assign(t) }
            }
        }
    }
}

/// Key renaming and the parts of the mismatch message.
package enum StateDictKeys {
    static let exampleCount = 5

    package static func rename(_ tensors: [String: Tensor], stripPrefix: String?, addPrefix: String?, place: String) throws -> [String: Tensor] {
        guard stripPrefix?.isEmpty == false || addPrefix?.isEmpty == false else { return tensors }
        var out: [String: Tensor] = [:], origin: [String: String] = [:]
        for key in tensors.keys.sorted() {
            var name = key
            if let stripPrefix, !stripPrefix.isEmpty, name.hasPrefix(stripPrefix) { name = String(name.dropFirst(stripPrefix.count)) }
            if let addPrefix { name = addPrefix + name }
            if let first = origin[name] {
                throw GeoKitError(
                    "the state dict's keys \(first) and \(key) both become \(name) when renamed", where: place,
                    remedy: "the file holds the same tensor with and without the prefix; drop one copy")
            }
            (out[name], origin[name]) = (tensors[key], key)
        }
        return out
    }

    /// "119 missing, e.g. a, b, c, d, e, ..." beyond `exampleCount` names, else "2 missing: a, b".
    package static func counted(_ names: [String], _ label: String) -> String {
        names.count > exampleCount
            ? "\(names.count) \(label), e.g. " + names.prefix(exampleCount).joined(separator: ", ") + ", ..."
            : "\(names.count) \(label): " + names.joined(separator: ", ")
    }

    /// The prefix option to suggest when every key on one side shares a first
    /// path component that no key on the other side has.
    static func prefixHint(file: [String], model: [String]) -> String? {
        func sharedFirst(_ keys: [String]) -> String? {
            guard let first = keys.first?.split(separator: ".").first, keys.allSatisfy({ $0.hasPrefix(first + ".") }) else { return nil }
            return first + "."
        }
        if let p = sharedFirst(file), !model.contains(where: { $0.hasPrefix(p) }) {
            return "every key of the file starts with '\(p)', which the model's keys lack: pass stripPrefix: \"\(p)\" (--strip-prefix \(p))"
        }
        if let p = sharedFirst(model), !file.contains(where: { $0.hasPrefix(p) }) {
            return "every key of the model starts with '\(p)', which the file's keys lack: pass addPrefix: \"\(p)\""
        }
        return nil
    }
}

extension Module {
    /// Loads a weights file into the module: safetensors, or a PyTorch `.pth`
    /// / `.bin` in either of torch's formats (`WeightsFile.read`), with
    /// `loadStateDict`'s key handling.
    ///
    /// ```swift
    /// let net = try Registry.shared.make(.backbone, "tf_efficientnet_lite0")
    /// try net.loadWeights(from: URL(fileURLWithPath: "efficientnet-lite0-57934424.pth"), strict: false)
    /// ```
    public func loadWeights(from url: URL, strict: Bool = true, stripPrefix: String? = nil, addPrefix: String? = nil) throws {
        try loadStateDict(WeightsFile.read(url), strict: strict, stripPrefix: stripPrefix, addPrefix: addPrefix)
    }
}
