import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData

/// `config.json` of an exported model (`geokit export`), in the spirit of
/// timm's pretrained configs: everything needed to rebuild the network
/// through the registry and to prepare its inputs, without the recipe.
/// Keys are snake_case (`descriptor_size`, `format_version`, ...).
public struct ExportConfig: Codable, Sendable, Equatable {
    /// One component of the model, as the recipe named it.
    public struct Component: Codable, Sendable, Equatable {
        /// The recipe section: "backbone", "attention0", ..., "aggregator", "loss".
        public var section: String
        /// The registry kind: "backbone", "attention", "aggregator", "loss".
        public var kind: String
        public var name: String
        /// An attention module's insertion point ("output" or a backbone stage); nil otherwise.
        public var at: String?
        /// The parameters the recipe set (the others take their schema defaults).
        public var parameters: [String: ParameterJSON]
        /// Parameters one branch of unshared weights sets its own way, by view ("ground", "aerial"); absent when none.
        public var views: [String: [String: ParameterJSON]]?
    }

    /// How a view's images become network inputs: resized to height x width (an aerial
    /// view with `polar`: resized to `tile_size` square, then polar-transformed), then
    /// scaled to 0...1 and normalised per channel with `mean` and `std` (RGB), (N, 3, H, W).
    public struct View: Codable, Sendable, Equatable {
        public var height: Int
        public var width: Int
        public var polar: Bool
        public var tileSize: Int
        public var mean: [Double]
        public var std: [Double]

        enum CodingKeys: String, CodingKey {
            case height, width, polar, mean, std
            case tileSize = "tile_size"
        }
    }

    /// "geokit-embedding"; a file without it is not an export.
    public var format: String
    /// This layout's version; a loader refuses newer ones.
    public var formatVersion: Int
    /// The kernel that wrote it: its plugin ABI and C embedding API versions.
    public var geokitAbiVersion: Int
    public var embedApiVersion: Int
    public var recipe: String
    public var shareWeights: Bool
    /// "cvusa" or "university1652": which gallery layout the model was trained on.
    public var layout: String
    public var components: [Component]
    public var ground: View
    public var aerial: View
    public var descriptorSize: Int
    /// The weights file next to this one (safetensors, the model's state-dict keys).
    public var weights: String

    // Explicit names: a key strategy would also rewrite the parameters' names (labelSmoothing), which are the registry's.
    enum CodingKeys: String, CodingKey {
        case format, recipe, layout, components, ground, aerial, weights
        case formatVersion = "format_version", geokitAbiVersion = "geokit_abi_version", embedApiVersion = "embed_api_version"
        case shareWeights = "share_weights", descriptorSize = "descriptor_size"
    }

    public static let formatName = "geokit-embedding"
    public static let currentVersion = 1
    public static let fileName = "config.json"

    /// Names the model for a gallery index built with it: recipe, components with their
    /// parameters, descriptor size ("quickstart: backbone:resnet18 aggregator:gem(p=3) loss:infonce, 512-d").
    public var identity: String {
        let parts = components.map { c -> String in
            let parameters = c.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "\(c.kind):\(c.name)" + (c.at.map { "@\($0)" } ?? "") + (parameters.isEmpty ? "" : "(\(parameters.joined(separator: ",")))")
        }
        return "\(recipe): \(parts.joined(separator: " ")), \(descriptorSize)-d"
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes and checks a config.json; every problem is one GeoKitError naming the field.
    static func decode(_ data: Data, source: String) throws -> ExportConfig {
        let remedy = "export the model again with geokit export"
        let decoder = JSONDecoder()
        let config: ExportConfig
        do { config = try decoder.decode(ExportConfig.self, from: data) } catch let error as DecodingError {
            throw GeoKitError("the exported model's config.json is unreadable: \(error.fieldDescription)", where: source, remedy: remedy)
        } catch {
            throw GeoKitError("the exported model's config.json is unreadable", where: source, remedy: remedy)
        }
        func bad(_ why: String) -> GeoKitError { GeoKitError("the exported model's config.json is invalid: \(why)", where: source, remedy: remedy) }
        guard config.format == formatName else { throw bad("format is '\(config.format)', not '\(formatName)'") }
        guard config.formatVersion >= 1, config.formatVersion <= currentVersion else {
            throw GeoKitError(
                "the exported model's config.json has format_version \(config.formatVersion); this GeoKit reads 1...\(currentVersion)",
                where: source, remedy: "use the GeoKit that exported it, or a newer one")
        }
        for (name, view) in [("ground", config.ground), ("aerial", config.aerial)] {
            guard (1...8192).contains(view.height), (1...8192).contains(view.width) else {
                throw bad("\(name) is \(view.height)x\(view.width), outside 1...8192")
            }
            guard !view.polar || (1...16384).contains(view.tileSize) else { throw bad("\(name).tile_size is \(view.tileSize)") }
            guard view.mean.count == 3, view.std.count == 3, view.std.allSatisfy({ $0 > 0 && $0.isFinite }), view.mean.allSatisfy(\.isFinite) else {
                throw bad("\(name).mean and \(name).std must be 3 finite numbers each, std > 0")
            }
        }
        guard config.descriptorSize >= 1 else { throw bad("descriptor_size is \(config.descriptorSize)") }
        guard ["cvusa", "university1652"].contains(config.layout) else { throw bad("layout is '\(config.layout)', not cvusa or university1652") }
        for section in ["backbone", "aggregator", "loss"] where !config.components.contains(where: { $0.section == section }) {
            throw bad("no \(section) component")
        }
        guard !config.weights.contains("/") else { throw bad("weights '\(config.weights)' is not a file name next to config.json") }
        return config
    }
}

/// A component parameter in config.json: a plain JSON number, bool, string or
/// list of integers; the registry's schema says which type it is on load.
public enum ParameterJSON: Codable, Sendable, Equatable, CustomStringConvertible {
    case number(Double), bool(Bool), string(String), list([Int])

    public var description: String {
        switch self {
        case .number(let v): v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))" : "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): v
        case .list(let v): v.map(String.init).joined(separator: ",")
        }
    }

    init(_ value: ParameterValue) {
        switch value {
        case .int(let v): self = .number(Double(v))
        case .double(let v): self = .number(v)
        case .bool(let v): self = .bool(v)
        case .string(let v): self = .string(v)
        case .intList(let v): self = .list(v)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let v = try? container.decode(Bool.self) {
            self = .bool(v)
        } else if let v = try? container.decode(Double.self) {
            self = .number(v)
        } else if let v = try? container.decode(String.self) {
            self = .string(v)
        } else {
            self = .list(try container.decode([Int].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let v):
            // Whole numbers are written without a fraction, as a reader of an int parameter expects.
            if v == v.rounded(), abs(v) < 1e15 { try container.encode(Int(v)) } else { try container.encode(v) }
        case .bool(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .list(let v): try container.encode(v)
        }
    }

    /// The value as the schema's type, or nil when it is not one.
    func value(as type: ParameterType) -> ParameterValue? {
        switch (self, type) {
        case (.number(let v), .int): return v == v.rounded() && abs(v) < 1e15 ? .int(Int(v)) : nil
        case (.number(let v), .double): return .double(v)
        case (.bool(let v), .bool): return .bool(v)
        case (.string(let v), .string): return .string(v)
        case (.list(let v), .intList): return .intList(v)
        default: return nil
        }
    }
}
