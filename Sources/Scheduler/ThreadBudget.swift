import Foundation

/// How many threads each run trains with. Threads split a run's work only along independent
/// outputs, so they change no result and no hash: it is a machine option, like the data
/// directory. The rule keeps workers × threads within the cores: a sweep with at least as
/// many runs as cores trains each run on one thread (parallelism across processes costs
/// nothing), a single run (`cairn run`, `reproduce`) may use every core, and a requested
/// count (`--threads`, else `CAIRN_THREADS`) is honoured up to that bound.
public enum ThreadBudget {
    public static func perRun(requested: Int?, workers: Int, runs: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let concurrent = max(1, min(workers, runs))
        let bound = max(1, cores / concurrent)
        return min(requested ?? bound, bound)
    }

    /// A single run (`train`, `reproduce`): every core unless fewer are requested.
    public static func singleRun(requested: Int?) -> Int { perRun(requested: requested, workers: 1, runs: 1) }

    /// `--threads`, else `CAIRN_THREADS` (nil when neither is given, or the variable is not a count).
    public static func requested(_ option: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        option ?? environment["CAIRN_THREADS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
    }
}
