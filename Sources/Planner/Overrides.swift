import Yams

/// Command-line overrides in Hydra's spirit: `--set train.lr=0.1` sets a key (the value is
/// read as YAML, so `--set model.hidden=[128,64]` sets a list).
public struct Override: Sendable, Equatable {
    public let path: String
    public let value: String
    /// The argument as given, for error messages.
    public var raw: String { value }
}

enum Overrides {
    static func parse(_ args: [String]) throws -> [Override] {
        var out: [Override] = [], errors: [ConfigError] = []
        for arg in args {
            guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else {
                errors.append(ConfigError(source: "--set \(arg)", path: "", message: "expected key=value, e.g. --set train.lr=0.01"))
                continue
            }
            let path = String(arg[..<eq]).trimmingCharacters(in: .whitespaces)
            let parts = path.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }) else {
                errors.append(ConfigError(source: "--set \(arg)", path: "", message: "\"\(path)\" is not a dotted key path such as train.lr"))
                continue
            }
            out.append(Override(path: path, value: String(arg[arg.index(after: eq)...])))
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return out
    }

    /// Sets `o.path` in the tree, creating mappings on the way.
    static func apply(_ o: Override, to root: inout Node, source: String) throws {
        let label = "--set \(o.path)=\(o.value)"
        let value: Node
        do {
            value = try Yams.compose(yaml: o.value) ?? Node("")
        } catch let e as YamlError {
            let err = YAMLTree.syntaxError(e, source: label)
            throw ConfigErrors(errors: [ConfigError(source: label, path: o.path, message: err.message)])
        }
        let keys = o.path.split(separator: ".").map(String.init)
        func set(_ node: inout Node, _ i: Int) throws {
            guard var m = node.mapping ?? (node.scalar?.string.isEmpty == true ? Node.Mapping([]) : nil) else {
                let at = keys[..<i].joined(separator: ".")
                throw ConfigErrors(errors: [ConfigError(source: label, path: o.path, message: "\(at.isEmpty ? "the file" : at) is not a mapping, so it has no key \"\(keys[i])\"")])
            }
            if i == keys.count - 1 {
                m[keys[i]] = value
            } else {
                var child = m[keys[i]] ?? .mapping(Node.Mapping([]))
                try set(&child, i + 1)
                m[keys[i]] = child
            }
            node = .mapping(m)
        }
        try set(&root, 0)
    }
}
