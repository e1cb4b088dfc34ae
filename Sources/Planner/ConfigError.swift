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

/// The closest candidate by edit distance (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost 1), if close enough to be a likely typo.
/// Ties go to the earlier candidate.
func didYouMean(_ word: String, _ candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = distance(w, Array(c.lowercased()))
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (guess, d) = best, d <= max(2, word.count / 3) else { return nil }
    return guess
}
