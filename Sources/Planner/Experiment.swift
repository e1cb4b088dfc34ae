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

    /// Reads the file at `path`, applies `--set key=value` overrides (one value each), and
    /// decodes the result by schema. Throws `ConfigErrors` listing every problem found.
    public static func load(_ path: String, overrides: [String] = []) throws -> Experiment {
        try parse(try ExperimentTemplate.read(path), source: path, overrides: overrides)
    }

    public static func parse(_ text: String, source: String, overrides: [String] = []) throws -> Experiment {
        let template = try ExperimentTemplate(text: text, source: source)
        var assignments: [Assignment] = []
        for o in try Overrides.parse(overrides) {
            guard case .constant(let node) = try Overrides.domain(o) else {
                throw ConfigErrors(errors: [
                    ConfigError(
                        source: o.label, path: o.path,
                        message:
                            "gives several values, but this trains one run; plan a sweep with `cairn plan` (or run it with `cairn sweep`)")
                ])
            }
            assignments.append(Assignment(key: o.path, value: node, origin: Origin(source: o.label, marks: false)))
        }
        let (name, spec) = try template.resolve(assignments)
        return Experiment(name: name, spec: spec)
    }
}

/// One value set at a key path of the experiment, and where it was written.
struct Assignment {
    let key: String
    let value: Node
    let origin: Origin
}

/// An experiment file's YAML tree, from which runs are resolved by setting values in it
/// and decoding the result by schema.
struct ExperimentTemplate {
    let source: String
    let tree: Node

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [ConfigError(source: path, path: "", message: "cannot read the file (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(source: path, path: "", message: "the file is not UTF-8 text")])
        }
        return text
    }

    init(text: String, source: String) throws {
        self.source = source
        tree = try YAMLTree.compose(text, source: source) ?? .mapping(Node.Mapping([]))
    }

    /// The run spec with `assignments` applied, or every error found.
    func resolve(_ assignments: [Assignment]) throws -> (name: String, spec: RunSpec) {
        var root = tree
        var origins: [String: Origin] = [:]
        for a in assignments {
            guard try Overrides.set(a.key, to: a.value, in: &root) else {
                let parent = a.key.split(separator: ".").dropLast().joined(separator: ".")
                throw ConfigErrors(errors: [
                    ConfigError(
                        source: a.origin.source, line: a.origin.marks ? a.value.mark?.line : nil,
                        column: a.origin.marks ? a.value.mark?.column : nil, path: a.key,
                        message: "\(parent) is not a mapping, so it has no key \"\(a.key.split(separator: ".").last!)\"")
                ])
            }
            origins[a.key] = a.origin
        }
        let reader = ConfigReader(source: source, origins: origins)
        let top = Section(reader: reader, path: "", node: root)
        let nameNode = top.value("name")
        let name = top.string("name", default: (source as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: ""))
        if name.isEmpty { reader.fail("name", nameNode, "must not be empty") }
        let spec = RunSpec(reading: top)
        top.finish(known: ["name", "data", "model", "train", "checkpoint"])
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.errors) }
        return (name, spec)
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
            return ConfigError(
                source: source, line: mark.line, column: mark.column, path: "", message: "YAML syntax error: \(ctx)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(
                source: source, line: context.mark.line, column: context.mark.column, path: "",
                message: "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        default:
            return ConfigError(source: source, path: "", message: "YAML error: \(error)")
        }
    }
}
