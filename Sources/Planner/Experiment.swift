import Foundation
import Yams

/// An experiment file, read and resolved.
///
///     let e = try Experiment.load("experiments/quickstart.yaml", overrides: ["train.lr=0.01"])
///     e.spec.train.lr   // 0.01
public struct Experiment: Sendable {
    /// The experiment's label (not part of the run hash: it does not change the result).
    public let name: String
    public let spec: RunSpec

    /// Reads the file at `path`, applies `--set key=value` overrides, and decodes the result
    /// by schema. Throws `ConfigErrors` listing every problem found.
    public static func load(_ path: String, overrides: [String] = []) throws -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [ConfigError(source: path, path: "", message: "cannot read the file (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(source: path, path: "", message: "the file is not UTF-8 text")])
        }
        return try parse(text, source: path, overrides: overrides)
    }

    public static func parse(_ text: String, source: String, overrides: [String] = []) throws -> Experiment {
        var root = try YAMLTree.compose(text, source: source) ?? .mapping(Node.Mapping([]))
        let parsed = try Overrides.parse(overrides)
        for o in parsed {
            try Overrides.apply(o, to: &root, source: source)
        }
        let reader = ConfigReader(source: source, overrides: Dictionary(parsed.map { ($0.path, $0.raw) }, uniquingKeysWith: { $1 }))
        let top = Section(reader: reader, path: "", node: root)
        let nameNode = top.value("name")
        let name = top.string("name", default: (source as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: ""))
        if name.isEmpty { reader.fail("name", nameNode, "must not be empty") }
        let spec = RunSpec(reading: top)
        top.finish(known: ["name", "data", "model", "train", "checkpoint"])
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.errors) }
        return Experiment(name: name, spec: spec)
    }
}

/// Parsing YAML text into a tree, with syntax errors as `ConfigError`s.
enum YAMLTree {
    static func compose(_ text: String, source: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigErrors(errors: [syntaxError(error, source: source)])
        }
    }

    static func syntaxError(_ error: YamlError, source: String) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { "\($0.text) at \($0.mark.line):\($0.mark.column): " } ?? ""
            return ConfigError(source: source, line: mark.line, column: mark.column, path: "", message: "YAML syntax error: \(ctx)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(source: source, line: context.mark.line, column: context.mark.column, path: "",
                               message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        default:
            return ConfigError(source: source, path: "", message: "YAML error: \(error)")
        }
    }
}
