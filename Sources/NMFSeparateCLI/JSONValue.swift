import Foundation

/// A minimal JSON value whose objects keep their key order (for readable reports).
indirect enum JSONValue {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// Component groups, one array of component indices per source.
    static func groups(_ groups: [[Int]]) -> JSONValue { .array(groups.map { .array($0.map { .integer($0) }) }) }

    /// A float setting as it was given: the shortest decimal that reads back as the same
    /// `Float` (0.3, not 0.300000012).
    static func setting(_ value: Float) -> JSONValue { .number(Double(String(value)) ?? Double(value)) }

    /// An integer, or null when there is none.
    static func integer(_ value: Int?) -> JSONValue { value.map { .integer($0) } ?? .null }

    /// Compact JSON text.
    var text: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .number(let x):
            guard x.isFinite else { return "null" }
            return String(format: "%.9g", x)
        case .integer(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
