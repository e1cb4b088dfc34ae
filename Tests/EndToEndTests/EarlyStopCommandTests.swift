import Foundation
import TestSupport
import Testing

/// Early termination through `cairn sweep`, with real run processes: the same runs stop at 1
/// and 2 workers with the same bytes; a promoted run ends byte-identical to its straight run;
/// a stopped run is cached, reproduced to where it stopped, and resumed by a sweep that needs
/// all its epochs; a scheduler killed mid-bracket resumes to the same result.
@Suite(.serialized) struct EarlyStopCommandTests {
    /// A 3 × 3 grid (9 runs, 9 epochs) under `earlyTerminate` (nil: the plain grid).
    static func files(_ dir: String, _ name: String, earlyTerminate: String?) throws {
        try """
        name: small
        data: { dataset: synthetic, validation: 60, synthetic: { features: 6, train_size: 400, test_size: 40 } }
        model: { hidden: [8] }
        train: { optimizer: adam, epochs: 9, batch_size: 16, schedule: cosine }
        """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try """
        experiment: e.yaml
        method: grid
        metric: { name: val_accuracy, goal: maximize }
        \(earlyTerminate.map { "early_terminate: \($0)" } ?? "")
        parameters:
          train.lr: { values: [0.1, 0.01, 0.001] }
          model.hidden: { values: [[4], [8], [16]] }
        """.write(toFile: "\(dir)/\(name).yaml", atomically: true, encoding: .utf8)
    }

    static let bands = "{ type: hyperband, min_iter: 1, eta: 3 }"
    static let brackets = "{ type: hyperband, mode: brackets, eta: 3 }"

    static func sweep(_ dir: String, _ name: String, store: String, workers: Int = 2) throws -> [String: Any] {
        let r = try CairnProcess.run(["sweep", "\(dir)/\(name).yaml", "--store", "\(dir)/\(store)", "--workers", "\(workers)", "--json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        return try SweepCommandTests.summary(r)
    }

    /// Each run's status, final checkpoint and final model metrics.
    static func results(_ s: [String: Any]) -> [String: String] {
        SweepCommandTests.runs(s).mapValues { r in
            let metrics = (r["metrics"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "\(r["status"] ?? "") \(r["checkpoint_sha256"] ?? "") \(metrics.joined(separator: ","))"
        }
    }

    @Test(arguments: [bands, brackets])
    func theSameRunsStopAtOneAndTwoWorkersAndPromotedRunsEndAsTheirStraightRuns(_ rule: String) throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, "s", earlyTerminate: rule)
        try Self.files(dir, "plain", earlyTerminate: nil)
        let one = try Self.sweep(dir, "s", store: "one", workers: 1)
        let two = try Self.sweep(dir, "s", store: "two", workers: 2)
        #expect(Self.results(one) == Self.results(two))
        let statuses = Self.results(one).values.map { $0.split(separator: " ")[0] }
        #expect(statuses.contains("stopped") && statuses.contains("completed"), "\(statuses)")
        let budget = try #require(one["early_termination"] as? [String: Any])
        #expect((budget["epochs_trained"] as? Int ?? 0) < (budget["epochs_without"] as? Int ?? 0))
        // Every run that trained all its epochs — promoted rung by rung, each rung a new
        // process resuming from its state — is byte for byte the plain grid's run.
        let plain = try Self.sweep(dir, "plain", store: "plain")
        let straight = Self.results(plain)
        for (hash, result) in Self.results(one) where result.hasPrefix("completed") {
            #expect(result == straight[hash], "\(hash.prefix(12))")
        }
        // Again: every run is cached, the stopped ones too.
        let again = try Self.sweep(dir, "s", store: "one")
        #expect(again["cached"] as? Int == SweepCommandTests.runs(one).count)
        #expect(Self.results(again) == Self.results(one))
        // The plain grid on the same store resumes the stopped runs and ends as the plain grid.
        let resumed = try Self.sweep(dir, "plain", store: "one")
        #expect(Self.results(resumed) == straight)
    }

    @Test func aStoppedRunSaysWhyIsListedAndReproducesToWhereItStopped() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, "s", earlyTerminate: Self.bands)
        let s = try Self.sweep(dir, "s", store: "runs")
        let stopped = try #require(SweepCommandTests.runs(s).first { ($0.value["status"] as? String) == "stopped" }?.key)
        let show = try CairnProcess.run(["show", String(stopped.prefix(12)), "--store", "\(dir)/runs"])
        #expect(show.stdout.contains("stopped   at band "), "\(show.stdout)")
        #expect(show.stdout.contains("worse than the threshold"))
        let ls = try CairnProcess.run(["ls", "--store", "\(dir)/runs", "--status", "stopped"])
        #expect(ls.stdout.contains("stopped early:") && ls.stdout.contains(String(stopped.prefix(12))), "\(ls.stdout)")
        let r = try CairnProcess.run(["reproduce", String(stopped.prefix(12)), "--store", "\(dir)/runs"])
        #expect(r.status == 0 && r.stdout.contains("REPRODUCED"), "\(r.stdout)\n\(r.stderr)")
    }

    @Test func aSchedulerKilledMidBracketResumesToTheSameResult() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, "s", earlyTerminate: Self.brackets)
        let reference = Self.results(try Self.sweep(dir, "s", store: "reference"))
        let store = "\(dir)/runs"
        let first = try CairnProcess.startCapturing(["sweep", "\(dir)/s.yaml", "--store", store, "--workers", "2", "--json"])
        // Killed once some run has paused at a rung (its log says so) and before the sweep ends.
        _ = try StoreCommandTests.waitUntil(60) {
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: "\(store)/events")) ?? []
            return logs.contains {
                (try? String(contentsOfFile: "\(store)/events/\($0)", encoding: .utf8))?.contains("\"paused\"") ?? false
            }
        }
        kill(first.process.processIdentifier, SIGKILL)
        _ = try first.finish()
        let again = try Self.sweep(dir, "s", store: "runs")
        #expect(Self.results(again) == reference)
    }

    @Test func aPlanOfABracketSweepShowsItsBrackets() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, "s", earlyTerminate: Self.brackets)
        let r = try CairnProcess.run(["plan", "\(dir)/s.yaml"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("bracket s=2: 9 configs at 1 epoch, 3 at 3, 1 at 9"), "\(r.stdout)")
    }
}
