import ArgumentParser
import Codecs
import Datasets
import Determinism
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One load of a user's data file, as a run does it (`Datasets.prepare`: parse, hash every
/// file, hold out 20% as the test set), in this process: seconds, MB/s of file read, and
/// the peak resident memory it added against the float32 matrix it produced. Run it once per
/// process (Benchmarks/data-load.sh does, beside pandas): the peak is the process's.
struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load a CSV or a .npy pair as a run does: time, MB/s and peak memory against the matrix.")

    @Argument(help: "The CSV file, or the features .npy with --targets.") var file: String
    @Option(help: "The targets .npy (makes this a NumPy load).") var targets: String?
    @Option(help: "The CSV's target column.") var target = "target"
    @Flag(help: "End with one JSON object on its own line.") var json = false

    func run() throws {
        var f = FileDataConfig()
        f.task = .regression
        f.target = [target]
        f.paths = ["file": file]
        if let targets { f.paths["targets_file"] = targets }
        let config = DataConfig(dataset: targets == nil ? .csv : .npy, file: f)
        let bytes = try f.paths.values.reduce(0) { $0 + (try FileManager.default.attributesOfItem(atPath: $1)[.size] as! Int) }
        let before = peakRSS()
        let clock = ContinuousClock()
        let start = clock.now
        let data = try Datasets.prepare(config)
        let total = seconds(clock.now - start)
        let peak = peakRSS() - before
        let rows = data.train.count + data.test.count
        let matrix = rows * (data.train.dimension + data.train.outputs) * 4
        // A hashing pass alone, for scale: the load hashes as it parses, on a second thread.
        let h = clock.now
        for p in f.paths.values { _ = try DataBytes(path: p).sha256() }
        let hash = seconds(clock.now - h)
        print(
            String(
                format:
                    "%@: %d rows × %d, %.3f s (%.0f MB/s; a separate hashing pass: %.3f s), peak +%.0f MB for a %.0f MB float32 matrix (%.2f×)",
                (file as NSString).lastPathComponent, rows, data.train.dimension + data.train.outputs, total, Double(bytes) / total / 1e6,
                hash, Double(peak) / 1e6, Double(matrix) / 1e6, Double(peak) / Double(matrix)))
        emit(
            [
                "format": .string(targets == nil ? "csv" : "npy"), "bytes": .number(Double(bytes)), "rows": .number(Double(rows)),
                "seconds": .number(total), "mb_per_second": .number(Double(bytes) / total / 1e6), "hash_seconds": .number(hash),
                "peak_rss_increase_bytes": .number(Double(peak)), "matrix_bytes": .number(Double(matrix)),
                "memory_ratio": .number(Double(peak) / Double(matrix)),
            ], json: json)
    }

    func peakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
