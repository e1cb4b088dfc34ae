/// The command line that starts a run's own process: `cairn exec <hash> --attempt N
/// --store=DIR [--data-dir=DIR]` (with `=`, so a path that begins with `-` is still a value). Built here for every executor (the local pool, a test's, a cluster's),
/// parsed by the `exec` command's declaration (a test holds the two together).
///
///     ExecInvocation(hash: h, attempt: 2, store: "runs", dataDirectory: nil).arguments
///     // ["exec", h, "--attempt", "2", "--store", "runs"]
public struct ExecInvocation: Equatable, Sendable {
    public var hash: String
    public var attempt: Int
    /// The store's directory, as the run's process will see it.
    public var store: String
    /// `--data-dir`, when given (see `Datasets.directory`).
    public var dataDirectory: String?
    /// `--pause-after=E`: early termination's next band or rung (see `RunProcess.execute`).
    public var pauseAfter: Int?
    /// `--threads=N` when more than one (see `ThreadBudget`).
    public var threads: Int

    public init(hash: String, attempt: Int, store: String, dataDirectory: String?, pauseAfter: Int? = nil, threads: Int = 1) {
        self.hash = hash
        self.attempt = attempt
        self.store = store
        self.dataDirectory = dataDirectory
        self.pauseAfter = pauseAfter
        self.threads = threads
    }

    /// The arguments after the executable's path.
    public var arguments: [String] {
        ["exec", hash, "--attempt", String(attempt), "--store=\(store)"] + (dataDirectory.map { ["--data-dir=\($0)"] } ?? [])
            + (pauseAfter.map { ["--pause-after=\($0)"] } ?? []) + (threads > 1 ? ["--threads=\(threads)"] : [])
    }

    /// The run and attempt of a command line built by `arguments`.
    public static func runAndAttempt(of arguments: [String]) -> (hash: String, attempt: Int) {
        let attempt = arguments.firstIndex(of: "--attempt").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil }
        return (arguments.count > 1 ? arguments[1] : "", attempt ?? 1)
    }
}
