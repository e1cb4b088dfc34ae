import Vocabulary
import Yams

/// A sweep file's `executor:` block: where its runs train, and how they are submitted.
/// Like the data directory, it is a fact about the machine, not the experiment: it is part
/// of no run's spec and not of the sweep's hash. The command line's options override it.
///
///     executor:
///       type: slurm            # local (the default) or slurm
///       partition: gpu         # sbatch --partition
///       time: 30m              # sbatch --time, per run (90, 90s, 10m, 2h)
///       throttle: 8            # sbatch --array=…%8: at most 8 runs at once
///       sbatch_args: [--qos=long, --account=ml]
public struct ExecutorBlock: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable { case local, slurm }

    public var kind: Kind = .local
    public var partition: String?
    /// Seconds.
    public var time: Double?
    public var throttle: Int?
    public var sbatchArguments: [String] = []

    public init() {}

    static let keys = ["type", "partition", "time", "throttle", "sbatch_args"]

    static func read(_ s: Section) -> ExecutorBlock {
        var b = ExecutorBlock()
        b.kind = s.choice("type", default: Kind.local)
        if s.has("partition") { b.partition = s.string("partition", default: "") }
        if let node = s.value("time") {
            if case .scalar(let text) = node, let seconds = DurationText.seconds(text.string) {
                b.time = seconds
            } else {
                s.reader.fail(s.keyPath("time"), node, "expected a duration (\(DurationText.help)), found \(ConfigReader.describe(node))")
            }
        }
        if s.has("throttle") { b.throttle = s.integer("throttle", default: 1, where: { $0 >= 1 }, "≥ 1 (runs at once)") }
        b.sbatchArguments = s.stringList("sbatch_args", default: [])
        s.finish(known: keys)
        if b.kind == .local, let extra = ["partition", "time", "throttle", "sbatch_args"].first(where: s.has) {
            s.reader.fail(s.keyPath(extra), s.value(extra), "applies to type: slurm (this block's type is local)")
        }
        return b
    }
}
