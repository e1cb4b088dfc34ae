/// A JSON value, and its one canonical spelling (RFC 8785, the JSON Canonicalization
/// Scheme): object keys sorted by UTF-16 code units, no whitespace, numbers spelled as
/// ECMAScript's `Number.prototype.toString` does (so `0.10`, `1e-1` and `0.1` are one number),
/// strings with the minimal escapes. Checkpoint headers and run hashes are built on it, so
/// its output is a format: do not change it without bumping the numerics version.
///
///     JSONValue.object(["b": 1, "a": [0.10, "x"]]).canonical  // {"a":[0.1,"x"],"b":1}
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The RFC 8785 text.
    public var canonical: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// The RFC 8785 bytes (UTF-8).
    public var canonicalBytes: [UInt8] { Array(canonical.utf8) }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.ecmaScriptString(d)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, to: &out)
                out += ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {  // nothing to escape
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{09}": out += "\\t"
            case "\u{0A}": out += "\\n"
            case "\u{0C}": out += "\\f"
            case "\u{0D}": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// ECMAScript's Number::toString for a finite double (RFC 8785 §3.2.2.3). Built on
    /// Swift's `description`, which prints the shortest digits that round-trip — the
    /// same digits ECMAScript chooses — and re-spelled by ECMAScript's layout rules.
    public static func ecmaScriptString(_ v: Double) -> String {
        precondition(v.isFinite, "JSON has no spelling for \(v)")
        if v == 0 { return "0" }
        if v == v.rounded(), v.magnitude < 9_007_199_254_740_992 { return String(Int64(v)) }  // integers: their digits
        let text = v.magnitude.description
        // Without an exponent or a ".0" (integers above 2^53), Swift's layout is ECMAScript's:
        // positional, shortest digits.
        if !text.utf8.contains(UInt8(ascii: "e")) && !text.hasSuffix(".0") { return v < 0 ? "-" + text : text }
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let intPart = Array(mantissa[0])
        let fracPart = mantissa.count > 1 ? Array(mantissa[1]) : []
        var digits = intPart + fracPart
        var n = intPart.count + exponent  // value = 0.d1d2… × 10^n
        while digits.first == "0" {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let d = String(digits)
        var s: String
        if k <= n && n <= 21 {
            s = d + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            s = String(digits[0..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            s = "0." + String(repeating: "0", count: -n) + d
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            s = k == 1 ? d : String(digits[0]) + "." + String(digits[1...])
            s += "e" + sign + String(abs(e))
        }
        return v < 0 ? "-" + s : s
    }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
    public var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

extension JSONValue {
    /// Nested objects flattened to dotted keys (`{"train":{"lr":0.1}}` → `train.lr: 0.1`);
    /// arrays and other values are leaves.
    public var flattened: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        func walk(_ v: JSONValue, _ prefix: String) {
            if case .object(let o) = v {
                for (k, child) in o { walk(child, prefix.isEmpty ? k : "\(prefix).\(k)") }
            } else {
                out[prefix] = v
            }
        }
        walk(self, "")
        return out
    }
}
