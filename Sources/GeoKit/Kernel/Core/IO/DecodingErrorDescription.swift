import Foundation

extension DecodingError {
    /// "field history[2].epoch is not a whole number in range": what went wrong, naming the field's path, for the
    /// one-line errors of files GeoKit decodes as JSON (checkpoint metadata, an exported model's config.json).
    package var fieldDescription: String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        func readable(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type, is UInt64.Type: "a whole number in range"
            case is Double.Type: "a number"
            case is String.Type: "a string"
            default: "of the expected type"
            }
        }
        switch self {
        case .keyNotFound(let key, let context): return "field \(path(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context): return "field \(path(context.codingPath)) is not \(readable(type))"
        case .valueNotFound(let type, let context): return "field \(path(context.codingPath)) is null, not \(readable(type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)) has an invalid value"
        @unknown default: return "not the expected structure"
        }
    }
}
