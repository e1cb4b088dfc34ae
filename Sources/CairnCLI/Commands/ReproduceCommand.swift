import ArgumentParser
import Determinism
import Foundation
import Planner
import Scheduler
import Tracker
import Vocabulary

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-run a recorded run from its stored spec alone and prove the result is bit-identical.",
        discussion: """
            The run is trained again in a scratch store, in its own process, exactly as the scheduler \
            runs it; then every model metric at every step and every kept checkpoint is compared with \
            the original. Prints REPRODUCED and exits 0, or names the first difference and exits 1. \
            Machine metrics (seconds, samples/s, memory) are never compared.

            Examples:
              cairn reproduce 3f2a9c1b
              cairn reproduce 3f2a9c1b --store other-runs --json
            """)

    @Argument(help: "The run's hash, or any unique prefix of it.") var hash: String
    @OptionGroup var data: DataOptions
    @OptionGroup var threads: ThreadOptions
    @Flag(help: "End stdout with one JSON object of the verdict, on its own line.") var json = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        let tracker = try store.open()
        let hash = try tracker.resolve(self.hash)
        Terminal.line("reproducing \(hash.prefix(12)) from its stored spec…")
        let report = try Reproduction.run(
            hash: hash, tracker: tracker, executable: CommandLine.executablePath,
            dataDirectory: data.option, threads: threads.requested
        ) {
            Terminal.line("note: \($0)")
        }
        var out: [String: JSONValue] = [
            "hash": .string(hash), "seconds": .number(report.seconds), "run_seconds": .number(report.runSeconds),
            "original_seconds": .number(report.originalSeconds),
        ]
        let ok: Bool
        var verdict = ReproductionRecord.Verdict.failed
        var detail: String?
        defer {
            // The verdict is a record of the run's, whatever it is (`ls`, `show`, the UI).
            let record = ReproductionRecord(
                verdict: verdict, detail: detail, cairnVersion: CairnVersion.version, numericsVersion: Planner.numericsVersion,
                host: ProcessInfo.processInfo.hostName)
            do { try tracker.record(reproduction: record, run: hash) } catch { Terminal.warn("the verdict was not recorded: \(error)") }
        }
        switch report.verdict {
        case let .identical(metrics, checkpoints):
            Terminal.line("REPRODUCED: \(hash) bit-identical (\(metrics) metrics, \(checkpoints) checkpoint\(checkpoints == 1 ? "" : "s"))")
            out["reproduced"] = true
            out["metrics"] = .number(Double(metrics))
            out["checkpoints"] = .number(Double(checkpoints))
            verdict = .reproduced
            ok = true
        case let .metricDiffers(key, scope, step, original, reproduced):
            func show(_ v: Double?) -> String { v.map { JSONValue.ecmaScriptString($0) } ?? "missing" }
            detail = "\(key) (\(scope)) at step \(step): original \(show(original)), reproduced \(show(reproduced))"
            verdict = .differs
            Terminal.line("DIFFERS: " + detail!)
            out["reproduced"] = false
            out["first_difference"] = [
                "metric": .string(key), "scope": .string(scope.rawValue), "step": .number(Double(step)),
                "original": original.map(JSONValue.number) ?? .null, "reproduced": reproduced.map(JSONValue.number) ?? .null,
            ]
            ok = false
        case let .checkpointDiffers(step, kinds, original, reproduced):
            detail =
                "checkpoint \(CheckpointKind.label(kinds)) at step \(step): original \(original), reproduced \(reproduced ?? "missing")"
            verdict = .differs
            Terminal.line("DIFFERS: " + detail!)
            out["reproduced"] = false
            out["first_difference"] = [
                "checkpoint": .string(CheckpointKind.label(kinds)), "step": .number(Double(step)), "original": .string(original),
                "reproduced": reproduced.map(JSONValue.string) ?? .null,
            ]
            ok = false
        case let .originalCorrupt(message):
            Terminal.line("CORRUPT: \(message)")
            (verdict, detail) = (.corrupt, message)
            out["reproduced"] = false
            out["corrupt"] = .string(message)
            ok = false
        case let .runFailed(message):
            Terminal.line("FAILED: the reproduction did not finish: \(message)")
            (verdict, detail) = (.failed, message)
            out["reproduced"] = false
            out["failed"] = .string(message)
            ok = false
        }
        if report.originalSeconds > 0 && report.runSeconds > 0 {
            Terminal.line(
                String(
                    format: "took %.2f s in all; the run itself %.2f s, the original %.2f s (%.2f×)",
                    report.seconds, report.runSeconds, report.originalSeconds, report.runSeconds / report.originalSeconds))
        }
        if json { Terminal.line(JSONValue.object(out).canonical) }
        if !ok { throw ExitCode(1) }
    }
}
