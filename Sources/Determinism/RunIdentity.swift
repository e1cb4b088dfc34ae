/// What a run hash is the SHA-256 of: the fully resolved spec's canonical JSON with
/// `dataset_sha256` and `numerics_version` added at the top level. The same bytes are the
/// run's spec file (`runs/specs/<hash>.json`), so a spec file proves its own name.
public enum RunIdentity {
    /// The identity bytes of `spec` (a JSON object).
    ///
    ///     sha256Hex([RunIdentity.bytes(spec: spec.json, datasetSHA256: d, numericsVersion: 2)])  // the run hash
    public static func bytes(spec: JSONValue, datasetSHA256: String, numericsVersion: Int) -> [UInt8] {
        guard case .object(var top) = spec else { preconditionFailure("a run spec is a JSON object") }
        top[datasetKey] = .string(datasetSHA256)
        top[numericsKey] = .number(Double(numericsVersion))
        return JSONValue.object(top).canonicalBytes
    }

    public static let datasetKey = "dataset_sha256"
    public static let numericsKey = "numerics_version"
}
