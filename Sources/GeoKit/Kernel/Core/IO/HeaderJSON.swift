/// A strict JSON reader for file headers (safetensors). Foundation's
/// JSONSerialization keeps one of two duplicate keys without a word, turns
/// `true` into the number 1 and `1.9` or `1e30` into numbers that `intValue`
/// truncates or wraps; a header crafted that way would load as a different
/// tensor than the one its writer meant. This reader keeps every number's
/// text, refuses duplicate keys, and bounds nesting so that no input can
/// exhaust the stack.
package enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The number exactly as written, so integers are read without rounding.
    case number(String)
    case bool(Bool)
    case null

    /// Deeper nesting than any header needs is refused rather than recursed into.
    static let maxDepth = 32

    /// Parses `bytes` as one JSON value; the error text says what is wrong and at which byte.
    package static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> HeaderJSON {
        var reader = Reader(bytes: Array(bytes))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    package struct ParseError: Error { package let message: String }

    /// The integer this value spells, if it is a JSON integer literal that fits `Int`
    /// (`1.0`, `1e3`, `true` and `"1"` are not integers here).
    package var integer: Int? {
        guard case .number(let text) = self, !text.contains(where: { ".eE".contains($0) }) else { return nil }
        return Int(text)
    }

    /// A short description of the value for error messages (`"junk"`, `1.9`, `true`, `an object`).
    package var summary: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let s): "\"\(s.prefix(40))\""
        case .number(let n): String(n.prefix(40))
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        func error(_ why: String) -> ParseError { ParseError(message: "\(why) at byte \(index)") }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(ParseError) -> HeaderJSON {
            guard depth < HeaderJSON.maxDepth else { throw error("nesting deeper than \(HeaderJSON.maxDepth) levels") }
            guard index < bytes.count else { throw error("the JSON ends early") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> HeaderJSON {
            index += 1
            var members: [(key: String, value: HeaderJSON)] = []
            var keys = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let key = try string()
                guard keys.insert(key).inserted else { throw error("duplicate key \"\(key.prefix(60))\"") }
                skipSpace()
                try expect(":")
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("the JSON ends inside an object") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                try expect(",")
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> HeaderJSON {
            index += 1
            var items: [HeaderJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("the JSON ends inside an array") }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                try expect(",")
            }
        }

        mutating func expect(_ c: Unicode.Scalar) throws(ParseError) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: c) else { throw error("expected '\(c)'") }
            index += 1
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let w = Array(word.utf8)
            guard bytes.count - index >= w.count, Array(bytes[index..<(index + w.count)]) == w else {
                throw error("not a JSON value")
            }
            index += w.count
        }

        /// A JSON number's text, checked against JSON's grammar (`-`? digits (`.` digits)? (`e` sign? digits)?).
        mutating func number() throws(ParseError) -> String {
            let start = index
            func digits(_ r: inout Reader) -> Int {
                let s = r.index
                while r.index < r.bytes.count, (0x30...0x39).contains(r.bytes[r.index]) { r.index += 1 }
                return r.index - s
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("not a JSON value") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw error("a number lacks digits after '.'") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw error("a number lacks its exponent digits") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(ParseError) -> String {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let c = bytes[index]
                index += 1
                switch c {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                    return s
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw error("the JSON ends inside a string") }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                    default: throw error("unknown string escape")
                    }
                case 0..<0x20: throw error("a control character inside a string")
                default: out.append(c)
                }
            }
            throw error("the JSON ends inside a string")
        }

        /// `\uXXXX` (with a following low surrogate for characters beyond the BMP) as UTF-8.
        mutating func unicodeEscape() throws(ParseError) -> [UInt8] {
            func hex4(_ r: inout Reader) throws(ParseError) -> UInt32 {
                guard r.bytes.count - r.index >= 4,
                    let v = UInt32(String(decoding: r.bytes[r.index..<(r.index + 4)], as: UTF8.self), radix: 16)
                else {
                    throw r.error("a \\u escape needs four hex digits")
                }
                r.index += 4
                return v
            }
            var code = try hex4(&self)
            if (0xD800...0xDBFF).contains(code) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a lone surrogate in a \\u escape")
                }
                index += 2
                let low = try hex4(&self)
                guard (0xDC00...0xDFFF).contains(low) else { throw error("a lone surrogate in a \\u escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("a lone surrogate in a \\u escape") }
            return Array(String(Character(scalar)).utf8)
        }
    }
}
