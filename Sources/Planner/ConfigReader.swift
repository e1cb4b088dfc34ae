import Yams

/// Reads a YAML tree by schema: every value is decoded by the type its field declares, from
/// the scalar's text — so a float field given `1` is 1.0, and a string field given `on` or
/// `010` stays that string (YAML 1.1's implicit booleans and octals never leak in). Errors
/// are collected, each with file, line, column and key path, so one pass reports them all.
final class ConfigReader {
    let source: String
    /// Key paths whose values came from elsewhere — a sweep file or a `--set` argument —
    /// so that errors there name where the value was written.
    let origins: [String: Origin]
    private(set) var errors: [ConfigError] = []

    init(source: String, origins: [String: Origin] = [:]) {
        self.source = source
        self.origins = origins
    }

    func fail(_ path: String, _ node: Node?, _ message: String) {
        let origin = origins.filter { path == $0.key || path.hasPrefix($0.key + ".") }.max { $0.key.count < $1.key.count }?.value
        let error: ConfigError
        if let origin, !origin.marks {
            error = ConfigError(source: origin.source, path: path, message: message)
        } else {
            error = ConfigError(
                source: origin?.source ?? source, line: node?.mark?.line, column: node?.mark?.column, path: path, message: message)
        }
        if !errors.contains(error) { errors.append(error) }
    }

    /// A short rendering of a node for messages: `"fast"`, `[1, 2]`, `a mapping`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "\"\(s.string)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

/// One mapping being read. Keys read are remembered; `finish()` reports the rest as unknown.
final class Section {
    let reader: ConfigReader
    let path: String
    let node: Node?
    private var pairs: [(key: String, keyNode: Node, value: Node)] = []
    private var used: Set<String> = []

    init(reader: ConfigReader, path: String, node: Node?) {
        self.reader = reader
        self.path = path
        self.node = node
        switch node {
        case .mapping(let m)?:
            for pair in m {
                guard case .scalar(let k) = pair.key else {
                    reader.fail(path, pair.key, "keys must be plain names")
                    continue
                }
                pairs.append((k.string, pair.key, pair.value))
            }
        case nil: break
        case .scalar(let s)? where s.string.isEmpty && s.tag.description.hasSuffix("null"): break
        case let other?: reader.fail(path, other, "expected a mapping of keys to values, found \(ConfigReader.describe(other))")
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value node for `key`, marking the key as known.
    func value(_ key: String) -> Node? {
        used.insert(key)
        return pairs.last { $0.key == key }?.value
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// Reports keys that were never read. `context` may explain a key that is valid
    /// elsewhere; a key in `known` that was simply not read (after another error) is not
    /// reported; any other is unknown, with a did-you-mean from `known` (or the keys read).
    func finish(known: [String]? = nil, context: (String) -> String? = { _ in nil }) {
        let candidates = known ?? Array(used)
        for p in pairs where !used.contains(p.key) {
            if let why = context(p.key) {
                reader.fail(keyPath(p.key), p.keyNode, why)
            } else if known?.contains(p.key) == true {
                continue
            } else if let guess = didYouMean(p.key, candidates) {
                reader.fail(keyPath(p.key), p.keyNode, "unknown key; did you mean \"\(guess)\"?")
            } else {
                reader.fail(keyPath(p.key), p.keyNode, "unknown key; expected one of: \(candidates.sorted().joined(separator: ", "))")
            }
        }
    }

    func section(_ key: String) -> Section { Section(reader: reader, path: keyPath(key), node: value(key)) }

    // MARK: Typed values

    private func scalar(_ key: String, expected: String) -> (String, Node)? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let s) = node else {
            reader.fail(keyPath(key), node, "expected \(expected), found \(ConfigReader.describe(node))")
            return nil
        }
        return (s.string, node)
    }

    /// A number; quoted text is refused (a string is not a number).
    func number(_ key: String, default def: Double, where valid: (Double) -> Bool = { _ in true }, _ rule: String = "") -> Double {
        guard let (text, node) = scalar(key, expected: "a number") else { return def }
        guard let v = Section.parseNumber(text, node) else {
            reader.fail(keyPath(key), node, "expected a number, found \(ConfigReader.describe(node))")
            return def
        }
        guard valid(v) else {
            reader.fail(keyPath(key), node, "\(text) is out of range: must be \(rule)")
            return def
        }
        return v
    }

    /// A plain scalar as a number: decimal or exponent notation, `_` separators allowed;
    /// hex, `nan` and `inf` spellings refused.
    static func parseNumber(_ text: String, _ node: Node) -> Double? {
        if case .scalar(let s) = node, s.style == .singleQuoted || s.style == .doubleQuoted { return nil }
        var t = text
        if t.utf8.contains(UInt8(ascii: "_")) { t.removeAll { $0 == "_" } }
        guard let first = t.utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            !t.utf8.contains(where: {
                $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: "n") || $0 == UInt8(ascii: "N")
            }),
            let v = Double(t), v.isFinite
        else { return nil }
        return v
    }

    func integer(_ key: String, default def: Int, where valid: (Int) -> Bool = { _ in true }, _ rule: String = "") -> Int {
        guard let (text, node) = scalar(key, expected: "an integer") else { return def }
        guard let d = Section.parseNumber(text, node), d == d.rounded(), abs(d) <= 9_007_199_254_740_991 else {
            reader.fail(keyPath(key), node, "expected an integer, found \(ConfigReader.describe(node))")
            return def
        }
        let v = Int(d)
        guard valid(v) else {
            reader.fail(keyPath(key), node, "\(text) is out of range: must be \(rule)")
            return def
        }
        return v
    }

    /// A seed: an integer in 0…2^53−1 (every such integer has one exact JSON spelling).
    func seed(_ key: String, default def: UInt64) -> UInt64 {
        UInt64(integer(key, default: Int(def), where: { $0 >= 0 }, "a whole number ≥ 0"))
    }

    func bool(_ key: String, default def: Bool) -> Bool {
        guard let (text, node) = scalar(key, expected: "true or false") else { return def }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            reader.fail(keyPath(key), node, "expected true or false, found \(ConfigReader.describe(node))")
            return def
        }
    }

    func string(_ key: String, default def: String) -> String {
        scalar(key, expected: "a string")?.0 ?? def
    }

    /// One of a fixed set of names.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default def: T) -> T where T.RawValue == String {
        guard let (text, node) = scalar(key, expected: "a name") else { return def }
        if let v = T(rawValue: text) { return v }
        let names = T.allCases.map(\.rawValue)
        let hint = didYouMean(text, names).map { "; did you mean \"\($0)\"?" } ?? ""
        reader.fail(keyPath(key), node, "unknown value \"\(text)\"; expected one of: \(names.joined(separator: ", "))\(hint)")
        return def
    }

    func integerList(_ key: String, default def: [Int], where valid: (Int) -> Bool, _ rule: String) -> [Int] {
        guard let node = value(key) else { return def }
        guard case .sequence(let seq) = node else {
            reader.fail(keyPath(key), node, "expected a list of integers, found \(ConfigReader.describe(node))")
            return def
        }
        var out: [Int] = []
        for (i, item) in seq.enumerated() {
            guard case .scalar(let s) = item, let d = Section.parseNumber(s.string, item), d == d.rounded(), abs(d) < 1e9 else {
                reader.fail("\(keyPath(key))[\(i)]", item, "expected an integer, found \(ConfigReader.describe(item))")
                continue
            }
            guard valid(Int(d)) else {
                reader.fail("\(keyPath(key))[\(i)]", item, "\(s.string) is out of range: must be \(rule)")
                continue
            }
            out.append(Int(d))
        }
        return out
    }
}

extension Section {
    /// A list of strings; a single string is a list of one.
    func stringList(_ key: String, default def: [String]) -> [String] {
        guard let node = value(key) else { return def }
        switch node {
        case .scalar(let s): return [s.string]
        case .sequence(let seq):
            var out: [String] = []
            for (i, item) in seq.enumerated() {
                guard case .scalar(let s) = item else {
                    reader.fail("\(keyPath(key))[\(i)]", item, "expected a string, found \(ConfigReader.describe(item))")
                    continue
                }
                out.append(s.string)
            }
            return out
        default:
            reader.fail(keyPath(key), node, "expected a string or a list of strings, found \(ConfigReader.describe(node))")
            return def
        }
    }

    /// The mark of a key's value, for errors found later (a data file's problems).
    func mark(_ key: String) -> Node? { value(key) }
}
