import GeoKitComponents
import GeoKitCore
import GeoKitData

/// A recipe as data: every value under a dotted name (`train.epochs`,
/// `loss.alpha`, `dataset.locations`), in the order the recipe declared
/// them. The DSL only fills this table; the runner reads it, so a
/// `--set name=value` override reaches every value the same way.
public struct RecipeSettings: Sendable, CustomStringConvertible {
    public private(set) var names: [String] = []
    private var values: [String: ParameterValue] = [:]

    public init() {}

    public subscript(_ name: String) -> ParameterValue? {
        get { values[name] }
        set {
            if values[name] == nil, newValue != nil { names.append(name) }
            if newValue == nil { names.removeAll { $0 == name } }
            values[name] = newValue
        }
    }

    /// The names under `prefix.` with the prefix removed (a component's parameters).
    public func section(_ prefix: String) -> [String: ParameterValue] {
        var result: [String: ParameterValue] = [:]
        for name in names where name.hasPrefix(prefix + ".") { result[String(name.dropFirst(prefix.count + 1))] = values[name] }
        return result
    }

    public func int(_ name: String) -> Int {
        guard case .int(let v) = values[name] else { fatalError("GeoKit: recipe value \(name) is not an int") }
        return v
    }
    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: fatalError("GeoKit: recipe value \(name) is not a number")
        }
    }
    public func bool(_ name: String) -> Bool {
        guard case .bool(let v) = values[name] else { fatalError("GeoKit: recipe value \(name) is not a bool") }
        return v
    }
    public func string(_ name: String) -> String {
        guard case .string(let v) = values[name] else { fatalError("GeoKit: recipe value \(name) is not a string") }
        return v
    }
    public func intList(_ name: String) -> [Int] {
        guard case .intList(let v) = values[name] else { fatalError("GeoKit: recipe value \(name) is not an int list") }
        return v
    }

    public var description: String { names.map { "\($0) = \(values[$0]!)" }.joined(separator: "\n") }
}
