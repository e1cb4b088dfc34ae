import Foundation
import Testing

/// `cairn sweep` as a user runs it, on tiny synthetic experiments.
@Suite struct SweepCommandTests {
    /// An experiment on synthetic data, and a 2 × 2 grid over it, in a fresh directory.
    static func files(epochs: Int = 2, trainSize: Int = 120, lr: String = "[0.01, 0.03]") throws -> String {
        let dir = try Cairn.temporaryDirectory()
        try """
            name: tiny
            data: { dataset: synthetic, synthetic: { features: 6, train_size: \(trainSize), test_size: 30 } }
            model: { hidden: [8] }
            train: { optimizer: adam, lr: 0.01, epochs: \(epochs), batch_size: 16, log_every: 5 }
            """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try """
            experiment: e.yaml
            method: grid
            metric: { name: test_accuracy, goal: maximize }
            parameters:
              train.lr: { values: \(lr) }
              train.seed: { values: [0, 1] }
            """.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func summary(_ r: Cairn.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
    }

    static func runs(_ s: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: ((s["runs"] as? [[String: Any]]) ?? []).map { ($0["hash"] as! String, $0) })
    }

    @Test func recordsEveryRunThenTrainsNothingAgain() throws {
        let dir = try Self.files()
        let first = try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let s = try Self.summary(first)
        #expect(s["planned"] as? Int == 4 && s["completed"] as? Int == 4 && s["cached"] as? Int == 0)
        for run in Self.runs(s).values {
            #expect(run["status"] as? String == "completed")
            #expect((run["checkpoint_sha256"] as? String)?.count == 64)
            #expect((run["metrics"] as? [String: Any])?["test_accuracy"] != nil)
        }
        let again = try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        let t = try Self.summary(again)
        #expect(t["cached"] as? Int == 4 && t["completed"] as? Int == 0)
        #expect(again.stdout.contains("4 cached, 0 to resume, 0 new"))
        // Each run was started once.
        for hash in Self.runs(s).keys {
            let log = try String(contentsOfFile: "\(dir)/runs/events/\(hash).jsonl", encoding: .utf8)
            #expect(log.components(separatedBy: "\"type\":\"start\"").count - 1 == 1)
        }
        #expect(try Cairn.run(["verify", "--store", "\(dir)/runs"]).status == 0)
    }

    @Test func oneWorkerAndTwoGiveTheSameBytes() throws {
        let dir = try Self.files()
        let one = Self.runs(try Self.summary(try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/a", "--workers", "1", "--json"])))
        let two = Self.runs(try Self.summary(try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/b", "--workers", "2", "--json"])))
        #expect(one.count == 4 && Set(one.keys) == Set(two.keys))
        for (hash, run) in one {
            #expect(run["checkpoint_sha256"] as? String == two[hash]?["checkpoint_sha256"] as? String)
            #expect(NSDictionary(dictionary: run["metrics"] as! [String: Any]).isEqual(to: two[hash]?["metrics"] as! [String: Any]))
        }
    }

    @Test func aDivergingRunIsAResult() throws {
        let dir = try Self.files(lr: "[1.0e+38]")
        try "train: { optimizer: sgd }\n".write(toFile: "\(dir)/x", atomically: true, encoding: .utf8)
        let r = try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.optimizer=sgd", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try Self.summary(r)
        #expect(s["diverged"] as? Int == 2 && s["failed"] as? Int == 0)
        let again = try Self.summary(try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.optimizer=sgd", "--json"]))
        #expect(again["cached"] as? Int == 2)
    }

    @Test func aTimeoutFailsTheRunWithTheReason() throws {
        let dir = try Self.files(epochs: 400, trainSize: 2000)
        let r = try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01",
                               "--timeout", "300ms", "--json"])
        #expect(r.status == 1)
        let s = try Self.summary(r)
        #expect(s["failed"] as? Int == 1)
        #expect(r.stdout.contains("timed out after"))
        let export = try Cairn.run(["export", "--format", "json", "--store", "\(dir)/runs"])
        #expect(export.stdout.contains("\"status\":\"failed\""))
    }

    /// The lease file of the first run to start, and the pid in it.
    static func runningChild(_ store: String) -> pid_t? {
        guard let lease = try? FileManager.default.contentsOfDirectory(atPath: "\(store)/leases").first,
              let text = try? String(contentsOfFile: "\(store)/leases/\(lease)", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aChildKilledWithSIGKILLIsRetried() throws {
        let dir = try Self.files(epochs: 60, trainSize: 1500)
        let sweep = try Cairn.startCapturing(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01",
                                              "--retries", "1", "--json"])
        var child: pid_t?
        #expect(try StoreCommandTests.waitUntil(60) { child = Self.runningChild("\(dir)/runs"); return child != nil })
        kill(child!, SIGKILL)
        let r = try sweep.finish()
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("retry"))
        #expect(try Self.summary(r)["completed"] as? Int == 1)
    }

    @Test func interruptedThenResumed() throws {
        let dir = try Self.files(epochs: 40, trainSize: 1500)
        let sweep = try Cairn.startCapturing(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--workers", "1", "--json"])
        #expect(try StoreCommandTests.waitUntil(60) { Self.runningChild("\(dir)/runs") != nil })
        kill(sweep.process.processIdentifier, SIGINT)
        let r = try sweep.finish()
        #expect(r.status == 130, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("run the same command again to resume"))
        // Whatever finished before the signal is kept; the rest is marked interrupted.
        let s = try Self.summary(r)
        let interrupted = s["interrupted"] as? Int ?? 0, completed = s["completed"] as? Int ?? 0
        #expect(interrupted >= 1 && interrupted + completed == 4)
        let resumed = try Cairn.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(resumed.status == 0)
        let t = try Self.summary(resumed)
        #expect(t["completed"] as? Int == interrupted && t["cached"] as? Int == completed)
    }

    /// What a child does when its scheduler dies: it finishes and leaves a complete log, which
    /// the next invocation ingests — the run is not trained again.
    @Test func aSchedulerKilledWithSIGKILLLeavesItsRunToFinish() throws {
        let dir = try Self.files(epochs: 30, trainSize: 1500)
        let args = ["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01", "--json"]
        let sweep = try Cairn.startCapturing(args)
        var child: pid_t?
        #expect(try StoreCommandTests.waitUntil(60) { child = Self.runningChild("\(dir)/runs"); return child != nil })
        kill(sweep.process.processIdentifier, SIGKILL)
        _ = try sweep.finish()
        // The orphaned run goes on to the end; its lease goes with it.
        #expect(try StoreCommandTests.waitUntil(120) { kill(child!, 0) != 0 })
        let r = try Cairn.run(args)
        #expect(r.status == 0)
        let s = try Self.summary(r)
        #expect(s["cached"] as? Int == 1 && s["completed"] as? Int == 0)
        let hash = try #require(Self.runs(s).keys.first)
        let log = try String(contentsOfFile: "\(dir)/runs/events/\(hash).jsonl", encoding: .utf8)
        #expect(log.components(separatedBy: "\"type\":\"start\"").count - 1 == 1)
        #expect(log.contains("\"type\":\"end\""))
    }
}
