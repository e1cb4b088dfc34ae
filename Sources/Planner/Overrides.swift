import Yams

/// Command-line overrides in Hydra's grammar:
///
///     --set train.lr=0.1                  set one value
///     --set train.lr=0.1,0.01             sweep over values
///     --set train.epochs='range(1,4)'     1, 2, 3   (range(start, stop[, step]), stop excluded)
///     --set model.activation='choice(relu,tanh)'
///     --set model.hidden=[128,64],[256]   commas inside brackets, braces or quotes do not split
public struct Override: Sendable, Equatable {
    public let path: String
    /// The text after `=`, as given.
    public let text: String
    public var label: String { "--set \(path)=\(text)" }
}

enum Overrides {
    static func parse(_ args: [String]) throws -> [Override] {
        var out: [Override] = []
        var errors: [ConfigError] = []
        for arg in args {
            guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else {
                errors.append(ConfigError(source: "--set \(arg)", path: "", message: "expected key=value, e.g. --set train.lr=0.01"))
                continue
            }
            let path = String(arg[..<eq]).trimmingCharacters(in: .whitespaces)
            let parts = path.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }) else {
                errors.append(
                    ConfigError(source: "--set \(arg)", path: "", message: "\"\(path)\" is not a dotted key path such as train.lr"))
                continue
            }
            out.append(Override(path: path, text: String(arg[arg.index(after: eq)...])))
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return out
    }

    /// The override as a domain: one value, or the values of a sweep.
    static func domain(_ o: Override) throws -> Domain {
        func fail(_ message: String) -> ConfigErrors {
            ConfigErrors(errors: [ConfigError(source: o.label, path: o.path, message: message)])
        }
        func node(_ text: String) throws -> Node {
            do { return try Yams.compose(yaml: text) ?? Node("", .implicit, .plain) } catch let e as YamlError {
                throw fail(YAMLTree.syntaxError(e, source: o.label).message)
            }
        }
        let text = o.text.trimmingCharacters(in: .whitespaces)
        for fn in ["range", "choice"] where text.hasPrefix("\(fn)(") {
            guard text.hasSuffix(")") else { throw fail("\(fn)(…) is missing its closing parenthesis") }
            let args = splitTopLevel(String(text.dropFirst(fn.count + 1).dropLast()))
            if fn == "choice" {
                guard !args.isEmpty, !args.contains(where: \.isEmpty) else {
                    throw fail("choice needs one or more values, e.g. choice(relu,tanh)")
                }
                return .values(try args.map(node))
            }
            let nums = args.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard (2...3).contains(nums.count), let start = nums[0], let stop = nums[1] else {
                throw fail("range takes numbers: range(start, stop) or range(start, stop, step)")
            }
            let step = nums.count == 3 ? nums[2] : 1
            guard let step, step != 0 else { throw fail("range's step must be a non-zero number") }
            let count = Int(((stop - start) / step).rounded(.up))
            guard count >= 1 else { throw fail("range(\(args.joined(separator: ","))) is empty") }
            guard count <= 1_000_000 else { throw fail("range(\(args.joined(separator: ","))) has \(count) values; at most 1,000,000") }
            // Each value is start + i·step, not a running sum, so no error accumulates.
            return .values((0..<count).map { Node.number(start + Double($0) * step, mark: nil) })
        }
        let items = splitTopLevel(text)
        if items.count > 1 {
            guard !items.contains(where: \.isEmpty) else { throw fail("an empty value in the list \"\(text)\"") }
            return .values(try items.map(node))
        }
        return .constant(try node(text))
    }

    /// Splits at commas that are not inside brackets, braces, parentheses or quotes.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for ch in s {
            if let q = quote {
                current.append(ch)
                if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "\"", "'":
                quote = ch
                current.append(ch)
            case "[", "{", "(":
                depth += 1
                current.append(ch)
            case "]", "}", ")":
                depth -= 1
                current.append(ch)
            case "," where depth == 0:
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            default: current.append(ch)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// Sets `path` in the tree to `value`, creating mappings on the way. A key it adds
    /// carries the value's position, so an error about that key points where it was written.
    static func set(_ path: String, to value: Node, in root: inout Node) throws -> Bool {
        let keys = path.split(separator: ".").map(String.init)
        func set(_ node: inout Node, _ i: Int) -> Bool {
            guard var m = node.mapping ?? (node.scalar?.string.isEmpty == true ? Node.Mapping([], .implicit, .any, value.mark) : nil) else {
                return false
            }
            let key = Node.scalar(Node.Scalar(keys[i], .implicit, .plain, value.mark))
            let existing = m.first { $0.key.string == keys[i] }
            var child = i == keys.count - 1 ? value : (existing?.value ?? .mapping(Node.Mapping([], .implicit, .any, value.mark)))
            if i < keys.count - 1 { guard set(&child, i + 1) else { return false } }
            if existing != nil { m[keys[i]] = child } else { m[key] = child }
            node = .mapping(m)
            return true
        }
        return set(&root, 0)
    }
}
