/// A mistake in a config file or an override, worded for the person at the terminal:
/// `experiments/a.yaml:7:5: train.lr: expected a number, found "fast"`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, or `--set key=value` for an override.
    public let source: String
    public let line: Int?
    public let column: Int?
    /// The dotted key path at fault ("" for the whole file).
    public let path: String
    public let message: String

    public init(source: String, line: Int? = nil, column: Int? = nil, path: String, message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var s = source
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return path.isEmpty ? "\(s): \(message)" : "\(s): \(path): \(message)"
    }
}

/// Every error a file has, not just the first.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
func didYouMean(_ word: String, _ candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
    guard let (best, d) = scored, d <= max(2, word.count / 3) else { return nil }
    return best
}
