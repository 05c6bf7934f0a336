import Foundation
import GeoKitCore
import GeoKitData

/// The type of a component parameter, as declared in its schema.
public enum ParameterType: String, Sendable, Codable {
    case int, double, bool, string, intList = "int list"
}

/// A typed parameter value (recipes and `--set name=value` produce these).
public enum ParameterValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int), double(Double), bool(Bool), string(String), intList([Int])

    public var type: ParameterType {
        switch self {
        case .int: .int
        case .double: .double
        case .bool: .bool
        case .string: .string
        case .intList: .intList
        }
    }

    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): v
        case .intList(let v): v.map(String.init).joined(separator: ",")
        }
    }

    /// Parses command-line text as a value of `type` (`3`, `0.5`, `true`, `avg`, `1,2,4`).
    public static func parse(_ text: String, as type: ParameterType) -> ParameterValue? {
        switch type {
        case .int: return Int(text).map(ParameterValue.int)
        case .double: return Double(text).map(ParameterValue.double)
        case .bool:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: return nil
            }
        case .string: return .string(text)
        case .intList:
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(nil) ? nil : .intList(parts.map { $0! })
        }
    }
}

/// One entry of a component's parameter schema.
public struct ParameterSpec: Sendable {
    public let name: String
    public let type: ParameterType
    public let defaultValue: ParameterValue
    public let doc: String
    /// The values accepted for an int or double (each element of an int
    /// list); nil accepts any int and any finite double.
    public let bounds: ParameterBounds?
    /// The values accepted for a string (e.g. `pool`: avg or max); nil accepts any string.
    public let choices: [String]?

    public init(
        _ name: String, _ defaultValue: ParameterValue, _ doc: String, bounds: ParameterBounds? = nil,
        choices: [String]? = nil
    ) {
        self.name = name
        self.type = defaultValue.type
        self.defaultValue = defaultValue
        self.doc = doc
        self.bounds = bounds
        self.choices = choices
    }

    /// What the schema accepts beyond the type, for messages and `geokit plugins`:
    /// "in [1, 64]", "one of avg, max", or nil.
    public var constraint: String? {
        if let choices { return "one of " + choices.joined(separator: ", ") }
        return bounds?.description
    }

    /// Refuses a value outside the declared bounds or choices, and any NaN or infinite double.
    func check(_ value: ParameterValue, component: String) throws {
        if let choices, case .string(let text) = value, !choices.contains(text) {
            throw GeoKitError(
                "\(component) parameter '\(name)' must be one of \(choices.joined(separator: ", ")), got '\(text)'",
                where: component, remedy: "pass e.g. \(name)=\(defaultValue)")
        }
        let numbers: [Double] =
            switch value {
            case .int(let v): [Double(v)]
            case .double(let v): [v]
            case .intList(let v): v.map(Double.init)
            case .bool, .string: []
            }
        let bounds = self.bounds ?? ParameterBounds(lower: nil, upper: nil)
        for number in numbers {
            try bounds.check(
                number, "\(component) parameter '\(name)'", where: component,
                remedy: "pass e.g. \(name)=\(defaultValue) (geokit plugins lists each parameter's range)")
        }
    }

    /// Refuses a schema entry that contradicts itself (choices on a
    /// non-string, bounds on a bool or string, a default it would refuse),
    /// when the component is registered rather than when a user first sets it.
    func checkDeclaration(component: String) throws {
        let remedy = "fix the schema of \(component) in its plugin"
        if choices != nil, type != .string {
            throw GeoKitError(
                "\(component) parameter '\(name)' declares choices but is \(type.rawValue); choices are for strings",
                where: component, remedy: remedy)
        }
        if bounds != nil, type == .string || type == .bool {
            throw GeoKitError(
                "\(component) parameter '\(name)' declares bounds but is \(type.rawValue); bounds are for numbers",
                where: component, remedy: remedy)
        }
        do { try check(defaultValue, component: component) } catch let error as GeoKitError {
            throw GeoKitError(
                "the default of \(component) parameter '\(name)' is refused by its own schema: \(error.what)",
                where: component, remedy: remedy)
        }
    }
}

/// The validated parameter values a factory receives: every schema entry is
/// present (given or defaulted) and of its declared type.
public struct ComponentParameters: Sendable {
    public let values: [String: ParameterValue]

    /// Checks `given` against `schema`: unknown names, wrong types and values
    /// outside a parameter's bounds (or NaN and infinite doubles) are errors
    /// naming the component and what it accepts. An int is accepted where a
    /// double is declared. This is the one place component parameters are
    /// validated: factories receive only accepted values.
    public init(_ given: [String: ParameterValue], schema: [ParameterSpec], component: String) throws {
        var values: [String: ParameterValue] = [:]
        for spec in schema { values[spec.name] = spec.defaultValue }
        let accepted = schema.map { "\($0.name) (\($0.type.rawValue)\($0.constraint.map { " " + $0 } ?? ""), default \($0.defaultValue))" }
        for (name, value) in given {
            guard let spec = schema.first(where: { $0.name == name }) else {
                throw GeoKitError(
                    "\(component) has no parameter '\(name)'", where: component,
                    remedy: accepted.isEmpty ? "it takes no parameters" : "its parameters are: " + accepted.joined(separator: ", "))
            }
            switch (spec.type, value) {
            case (.double, .int(let v)): values[name] = .double(Double(v))
            case (let t, let v) where t == v.type: values[name] = v
            default:
                throw GeoKitError(
                    "\(component) parameter '\(name)' must be \(spec.type.rawValue), got \(value.type.rawValue) \(value)",
                    where: component, remedy: "pass e.g. \(name)=\(spec.defaultValue)")
            }
            try spec.check(values[name]!, component: component)
        }
        self.values = values
    }

    /// Parses `name=value` texts against the schema's declared types.
    public static func parse(_ assignments: [String], schema: [ParameterSpec], component: String) throws -> ComponentParameters {
        var given: [String: ParameterValue] = [:]
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "=") else {
                throw GeoKitError("'\(assignment)' is not name=value", where: component, remedy: "write e.g. --set heads=4")
            }
            let name = String(assignment[..<eq]), text = String(assignment[assignment.index(after: eq)...])
            guard let spec = schema.first(where: { $0.name == name }) else {
                given[name] = .string(text)  // reported as unknown by init
                continue
            }
            guard let value = ParameterValue.parse(text, as: spec.type) else {
                throw GeoKitError(
                    "\(component) parameter '\(name)' must be \(spec.type.rawValue), got '\(text)'",
                    where: component, remedy: "pass e.g. \(name)=\(spec.defaultValue)")
            }
            given[name] = value
        }
        return try ComponentParameters(given, schema: schema, component: component)
    }

    public func int(_ name: String) -> Int {
        guard case .int(let v) = values[name] else { fatalError("GeoKit: parameter \(name) is not a declared int") }
        return v
    }
    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: fatalError("GeoKit: parameter \(name) is not a declared double")
        }
    }
    public func bool(_ name: String) -> Bool {
        guard case .bool(let v) = values[name] else { fatalError("GeoKit: parameter \(name) is not a declared bool") }
        return v
    }
    public func string(_ name: String) -> String {
        guard case .string(let v) = values[name] else { fatalError("GeoKit: parameter \(name) is not a declared string") }
        return v
    }
    /// A string parameter declared with `choices` as the enum whose raw values they are.
    public func choice<Choice: RawRepresentable>(_ name: String, as _: Choice.Type = Choice.self) -> Choice where Choice.RawValue == String {
        guard let choice = Choice(rawValue: string(name)) else {
            fatalError("GeoKit: parameter \(name)'s declared choices are not the raw values of \(Choice.self)")
        }
        return choice
    }
    public func intList(_ name: String) -> [Int] {
        guard case .intList(let v) = values[name] else { fatalError("GeoKit: parameter \(name) is not a declared int list") }
        return v
    }
}
