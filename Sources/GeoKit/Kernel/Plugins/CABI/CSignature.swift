import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// The declared parameters of a C constructor, parsed from the signature
/// string a plugin registers (`"int channels = 64, double gamma = 0.5"`).
/// It is both the component's parameter schema (what `--set` and recipes
/// may pass) and the C prototype libffi calls, so the two cannot disagree.
///
/// Grammar: parameters separated by commas, each `TYPE NAME = DEFAULT`, TYPE
/// one of `int` (C `int`), `double`, `bool` (C `bool`), `string`
/// (`const char *`) and `int list` (two C arguments: `const int *`, `int`
/// count). Defaults: `16`, `0.5`, `true`, `"avg"` (or a bare word),
/// `[1, 2, 4]`. An empty string (or `void`) declares no parameters.
public struct CSignature: Sendable, Equatable, CustomStringConvertible {
    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let type: ParameterType
        public let defaultValue: ParameterValue
    }

    public let parameters: [Parameter]

    /// Parses `text`; `component` names the registration in error messages.
    public init(_ text: String, component: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "void" else {
            parameters = []
            return
        }
        var parsed: [Parameter] = []
        for declaration in try CSignature.splitTopLevel(trimmed, component: component) {
            let parameter = try CSignature.parseParameter(declaration, component: component)
            guard !parsed.contains(where: { $0.name == parameter.name }) else {
                throw CSignature.error("declares '\(parameter.name)' twice", in: text, component: component)
            }
            parsed.append(parameter)
        }
        parameters = parsed
    }

    /// The registry schema, each parameter documented by the `name: text`
    /// lines of `doc` (the lines after its first, summary line).
    public func schema(documentedBy doc: String) -> [ParameterSpec] {
        var docs: [String: String] = [:]
        for line in doc.split(separator: "\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            docs[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return parameters.map { ParameterSpec($0.name, $0.defaultValue, docs[$0.name] ?? "") }
    }

    /// The signature written back in its own grammar (for messages and `geokit plugins`).
    public var description: String {
        parameters.map { p in
            let value: String
            switch p.defaultValue {
            case .string(let s): value = "\"\(s)\""
            case .intList(let list): value = "[" + list.map(String.init).joined(separator: ", ") + "]"
            default: value = "\(p.defaultValue)"
            }
            return "\(p.type.rawValue) \(p.name) = \(value)"
        }.joined(separator: ", ")
    }

    /// Splits at commas outside brackets and quotes.
    private static func splitTopLevel(_ text: String, component: String) throws -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        for c in text {
            switch c {
            case "\"": quoted.toggle()
            case "[" where !quoted: depth += 1
            case "]" where !quoted: depth -= 1
            case "," where !quoted && depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(c)
        }
        guard !quoted, depth == 0 else {
            throw error("has an unclosed \(quoted ? "quote" : "bracket")", in: text, component: component)
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func parseParameter(_ declaration: String, component: String) throws -> Parameter {
        guard let eq = declaration.firstIndex(of: "=") else {
            throw error(
                "gives '\(declaration)' no default", in: declaration, component: component,
                remedy: "every parameter needs one, e.g. 'int reduction = 16'")
        }
        let head = declaration[..<eq].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let defaultText = declaration[declaration.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard let name = head.last, head.count >= 2 else {
            throw error("'\(declaration)' is not 'TYPE NAME = DEFAULT'", in: declaration, component: component)
        }
        let typeName = head.dropLast().joined(separator: " ")
        guard let type = ParameterType(rawValue: typeName) else {
            throw error(
                "'\(declaration)' has type '\(typeName)'", in: declaration, component: component,
                remedy: "the types are int, double, bool, string and int list")
        }
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
            name.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        else {
            throw error("'\(name)' is not an identifier", in: declaration, component: component)
        }
        guard let value = parseDefault(defaultText, as: type) else {
            throw error("the default '\(defaultText)' of '\(name)' is not a valid \(type.rawValue)", in: declaration, component: component)
        }
        return Parameter(name: name, type: type, defaultValue: value)
    }

    private static func parseDefault(_ text: String, as type: ParameterType) -> ParameterValue? {
        switch type {
        case .string:
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { return .string(String(text.dropFirst().dropLast())) }
            return text.isEmpty || text.contains("\"") ? nil : .string(text)
        case .intList:
            guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
            let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            return inner.isEmpty ? .intList([]) : ParameterValue.parse(inner, as: .intList)
        case .bool:
            switch text {
            case "true": return .bool(true);
            case "false": return .bool(false);
            default: return nil
            }
        case .int, .double:
            return ParameterValue.parse(text, as: type)
        }
    }

    private static func error(_ problem: String, in text: String, component: String, remedy: String = "") -> GeoKitError {
        GeoKitError(
            "the signature of \(component) \(problem): \"\(text)\"", where: component,
            remedy: remedy.isEmpty ? "write it as 'TYPE NAME = DEFAULT, ...' (see docs/c-abi.md)" : remedy)
    }
}
