import Codecs
import Datasets
import Determinism
import Engine
import Yams

extension RunSpec {
    /// Decodes a stored spec — the canonical JSON a run was recorded with (`runs/specs/<hash>.json`,
    /// the index's `config`) — by the same schema as an experiment file, straight from the
    /// JSON: strings stay strings, numbers numbers, whatever a YAML reader would have guessed.
    ///
    ///     let spec = try RunSpec(canonicalJSON: record.config, source: "run 3f2a9c1b")
    public init(canonicalJSON text: String, source: String) throws {
        let json: JSONValue
        do { json = try JSONValue.parse(Array(text.utf8)) } catch {
            throw ConfigErrors(errors: [ConfigError(source: source, path: "", message: "the stored spec is not JSON: \(error)")])
        }
        guard case .object = json else {
            throw ConfigErrors(errors: [ConfigError(source: source, path: "", message: "the stored spec is not a JSON object")])
        }
        let reader = ConfigReader(source: source)
        let top = Section(reader: reader, path: "", node: Node(json))
        let spec = RunSpec(reading: top, stored: true)
        // A spec file also names the data set and the numerics version (`RunIdentity`).
        top.finish(known: ["data", "model", "train", "checkpoint", RunIdentity.datasetKey, RunIdentity.numericsKey])
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.errors) }
        self = spec
    }
}

extension Node {
    /// A JSON value as the tree the schema reader takes. Strings are double-quoted scalars,
    /// so none is read as a number or a boolean.
    init(_ json: JSONValue) {
        switch json {
        case .string(let s): self = .scalar(Node.Scalar(s, .implicit, .doubleQuoted))
        case .number(let d): self = .scalar(Node.Scalar(JSONValue.ecmaScriptString(d), .implicit, .plain))
        case .bool(let b): self = .scalar(Node.Scalar(b ? "true" : "false", .implicit, .plain))
        case .null: self = .scalar(Node.Scalar("null", .implicit, .plain))
        case .array(let a): self = .sequence(Node.Sequence(a.map(Node.init)))
        case .object(let o):
            self = .mapping(Node.Mapping(o.sorted { $0.key < $1.key }.map { (Node.scalar(Node.Scalar($0.key)), Node($0.value)) }))
        }
    }
}

extension Planner {
    /// The numerics version runs are planned under (the engine's).
    public static var numericsVersion: Int { Engine.numericsVersion }

    /// The content hash of a spec's data set, as a run hash covers it (`directory`: see
    /// `Datasets.directory(_:)`).
    public static func datasetSHA256(of spec: RunSpec, directory: String?) throws -> String {
        try Datasets.sha256(of: spec.data, directory: directory)
    }
}
