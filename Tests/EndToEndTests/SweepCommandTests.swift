import Foundation
import TestSupport
import Testing

/// `cairn sweep` as a user runs it, on tiny synthetic experiments.
@Suite struct SweepCommandTests {
    /// An experiment on synthetic data, and a 2 × 2 grid over it, in a fresh directory.
    static func files(epochs: Int = 2, trainSize: Int = 120, lr: String = "[0.01, 0.03]") throws -> String {
        let dir = try CairnProcess.temporaryDirectory()
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

    static func summary(_ r: CairnProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
    }

    static func runs(_ s: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: ((s["runs"] as? [[String: Any]]) ?? []).map { ($0["hash"] as! String, $0) })
    }

    @Test func recordsEveryRunThenTrainsNothingAgain() throws {
        let dir = try Self.files()
        let first = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let s = try Self.summary(first)
        #expect(s["planned"] as? Int == 4 && s["completed"] as? Int == 4 && s["cached"] as? Int == 0)
        for run in Self.runs(s).values {
            #expect(run["status"] as? String == "completed")
            #expect((run["checkpoint_sha256"] as? String)?.count == 64)
            #expect((run["metrics"] as? [String: Any])?["test_accuracy"] != nil)
        }
        let again = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        let t = try Self.summary(again)
        #expect(t["cached"] as? Int == 4 && t["completed"] as? Int == 0)
        #expect(again.stdout.contains("4 cached, 0 to resume, 0 new"))
        // Each run was started once.
        for hash in Self.runs(s).keys {
            let log = try String(contentsOfFile: "\(dir)/runs/events/\(hash).jsonl", encoding: .utf8)
            #expect(log.components(separatedBy: "\"type\":\"start\"").count - 1 == 1)
        }
        #expect(try CairnProcess.run(["verify", "--store", "\(dir)/runs"]).status == 0)
    }

    @Test func oneWorkerAndTwoGiveTheSameBytes() throws {
        let dir = try Self.files()
        let one = Self.runs(
            try Self.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/a", "--workers", "1", "--json"])))
        let two = Self.runs(
            try Self.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/b", "--workers", "2", "--json"])))
        #expect(one.count == 4 && Set(one.keys) == Set(two.keys))
        for (hash, run) in one {
            #expect(run["checkpoint_sha256"] as? String == two[hash]?["checkpoint_sha256"] as? String)
            #expect(NSDictionary(dictionary: run["metrics"] as! [String: Any]).isEqual(to: two[hash]?["metrics"] as! [String: Any]))
        }
    }

    @Test func aDivergingRunIsAResult() throws {
        let dir = try Self.files(lr: "[1.0e+38]")
        try "train: { optimizer: sgd }\n".write(toFile: "\(dir)/x", atomically: true, encoding: .utf8)
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.optimizer=sgd", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try Self.summary(r)
        #expect(s["diverged"] as? Int == 2 && s["failed"] as? Int == 0)
        let again = try Self.summary(
            try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.optimizer=sgd", "--json"]))
        #expect(again["cached"] as? Int == 2)
    }

    @Test func aTimeoutFailsTheRunWithTheReason() throws {
        let dir = try Self.files(epochs: 2000, trainSize: 20000)  // ~10 s of training: far beyond the timeout
        let r = try CairnProcess.run([
            "sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01",
            "--timeout", "300ms", "--json",
        ])
        #expect(r.status == 1)
        let s = try Self.summary(r)
        #expect(s["failed"] as? Int == 1)
        #expect(r.stdout.contains("timed out after"))
        let export = try CairnProcess.run(["export", "--format", "json", "--store", "\(dir)/runs"])
        #expect(export.stdout.contains("\"status\":\"failed\""))
    }

    /// The pid of a run's process: the holder its lease names (a run's process writes its
    /// lease when it starts).
    static func runningChild(_ store: String, scheduler: Process) -> pid_t? {
        for lease in (try? FileManager.default.contentsOfDirectory(atPath: "\(store)/leases")) ?? [] {
            guard let data = FileManager.default.contents(atPath: "\(store)/leases/\(lease)"),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let holder = json["holder"] as? [String: Any], let pid = (holder["pid"] as? NSNumber)?.int32Value,
                pid != scheduler.processIdentifier
            else { continue }
            return pid
        }
        return nil
    }

    @Test func aChildKilledWithSIGKILLIsRetried() throws {
        let dir = try Self.files(epochs: 60, trainSize: 1500)
        let sweep = try CairnProcess.startCapturing([
            "sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01",
            "--retries", "1", "--json",
        ])
        var child: pid_t?
        #expect(
            try StoreCommandTests.waitUntil(60) {
                child = Self.runningChild("\(dir)/runs", scheduler: sweep.process)
                return child != nil
            })
        kill(child!, SIGKILL)
        let r = try sweep.finish()
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("retry"))
        #expect(try Self.summary(r)["completed"] as? Int == 1)
    }

    @Test func interruptedThenResumed() throws {
        let dir = try Self.files(epochs: 40, trainSize: 1500)
        let sweep = try CairnProcess.startCapturing(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--workers", "1", "--json"])
        #expect(try StoreCommandTests.waitUntil(60) { Self.runningChild("\(dir)/runs", scheduler: sweep.process) != nil })
        kill(sweep.process.processIdentifier, SIGINT)
        let r = try sweep.finish()
        #expect(r.status == 130, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("run the same command again to resume"))
        // Whatever finished before the signal is kept; the rest is marked interrupted.
        let s = try Self.summary(r)
        let interrupted = s["interrupted"] as? Int ?? 0
        let completed = s["completed"] as? Int ?? 0
        #expect(interrupted >= 1 && interrupted + completed == 4)
        let resumed = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(resumed.status == 0)
        let t = try Self.summary(resumed)
        #expect(t["completed"] as? Int == interrupted && t["cached"] as? Int == completed)
        // Interrupted and resumed, the runs end byte-identical to a sweep never interrupted.
        let fresh = Self.runs(try Self.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/fresh", "--json"])))
        for (hash, run) in Self.runs(t) {
            #expect(run["checkpoint_sha256"] as? String == fresh[hash]?["checkpoint_sha256"] as? String)
            #expect(NSDictionary(dictionary: run["metrics"] as! [String: Any]).isEqual(to: fresh[hash]?["metrics"] as! [String: Any]))
        }
    }

    /// What a child does when its scheduler dies: it finishes and leaves a complete log, which
    /// the next invocation ingests — the run is not trained again.
    @Test func aSchedulerKilledWithSIGKILLLeavesItsRunToFinish() throws {
        let dir = try Self.files(epochs: 30, trainSize: 1500)
        let args = ["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01", "--json"]
        let sweep = try CairnProcess.startCapturing(args)
        var child: pid_t?
        #expect(
            try StoreCommandTests.waitUntil(60) {
                child = Self.runningChild("\(dir)/runs", scheduler: sweep.process)
                return child != nil
            })
        kill(sweep.process.processIdentifier, SIGKILL)
        _ = try sweep.finish()
        // The orphaned run goes on to the end; its lease goes with it.
        #expect(try StoreCommandTests.waitUntil(120) { kill(child!, 0) != 0 })
        let r = try CairnProcess.run(args)
        #expect(r.status == 0)
        let s = try Self.summary(r)
        #expect(s["cached"] as? Int == 1 && s["completed"] as? Int == 0)
        let hash = try #require(Self.runs(s).keys.first)
        let log = try String(contentsOfFile: "\(dir)/runs/events/\(hash).jsonl", encoding: .utf8)
        #expect(log.components(separatedBy: "\"type\":\"start\"").count - 1 == 1)
        #expect(log.contains("\"type\":\"end\""))
    }
}

@Suite struct SweepFaultTests {
    @Test func twoSweepsAtOnceTrainNoRunTwice() throws {
        let dir = try SweepCommandTests.files(epochs: 20, trainSize: 600)
        let args = ["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--workers", "1", "--json"]
        let a = try CairnProcess.startCapturing(args)
        let b = try CairnProcess.startCapturing(args)
        let ra = try a.finish()
        let rb = try b.finish()
        #expect(ra.status == 0 && rb.status == 0, "A: \(ra.stderr) B: \(rb.stderr) \(rb.stdout.suffix(300))")
        let ca = try SweepCommandTests.summary(ra)["completed"] as? Int ?? -1
        let cb = try SweepCommandTests.summary(rb)["completed"] as? Int ?? -1
        #expect(ca + cb <= 4)
        // Afterwards every run has a result, and each was started exactly once.
        let after = try SweepCommandTests.summary(try CairnProcess.run(args))
        #expect(after["cached"] as? Int == 4)
        for hash in SweepCommandTests.runs(after).keys {
            let log = try String(contentsOfFile: "\(dir)/runs/events/\(hash).jsonl", encoding: .utf8)
            #expect(log.components(separatedBy: "\"type\":\"start\"").count - 1 == 1)
        }
    }

    @Test func aKilledChildWithoutRetriesFailsWithTheReasonAndItsLog() throws {
        let dir = try SweepCommandTests.files(epochs: 60, trainSize: 1500)
        let sweep = try CairnProcess.startCapturing([
            "sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01", "--json",
        ])
        var child: pid_t?
        #expect(
            try StoreCommandTests.waitUntil(60) {
                child = SweepCommandTests.runningChild("\(dir)/runs", scheduler: sweep.process)
                return child != nil
            })
        kill(child!, SIGKILL)
        let r = try sweep.finish()
        #expect(r.status == 1)
        #expect(r.stdout.contains("failed") && r.stdout.contains("killed by signal 9 (SIGKILL)"))
        let export = try CairnProcess.run(["export", "--format", "json", "--store", "\(dir)/runs", "--where", "status = \"failed\""])
        #expect(export.stdout.contains("\"status\":\"failed\""))
    }
}

/// Stores on a read-only and on a full file system (tmpfs mounts: tests run as root, where
/// chmod proves nothing). Skipped where mounting is not allowed.
enum Mounts {
    /// Whether this process may mount a tmpfs (root, outside a restricted container).
    static let allowed: Bool = {
        guard getuid() == 0, let dir = try? CairnProcess.temporaryDirectory() else { return false }
        defer { _ = shell("umount \(dir)") }
        return shell("mount -t tmpfs -o size=1m tmpfs \(dir)") == 0
    }()

    @discardableResult
    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command + " >/dev/null 2>&1"]
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}

@Suite(.enabled(if: Mounts.allowed)) struct SweepMountTests {
    static func shell(_ command: String) -> Int32 { Mounts.shell(command) }

    /// A store with a completed two-run sweep, on its own tmpfs of `size`.
    func storeWithResults(size: String) throws -> (dir: String, mount: String) {
        let dir = try SweepCommandTests.files()
        let mount = "\(dir)/mnt"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(Self.shell("mount -t tmpfs -o size=\(size) tmpfs \(mount)") == 0)
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(mount)/runs", "--set", "train.seed=0", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, mount)
    }

    func expectIntact(_ mount: String) throws {
        #expect(try CairnProcess.run(["verify", "--store", "\(mount)/runs"]).status == 0)
        let export = try CairnProcess.run(["export", "--format", "json", "--store", "\(mount)/runs"])
        let rows = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.filter { $0["status"] as? String == "completed" }.count == 2)
    }

    @Test func aReadOnlyStoreIsAClearErrorAndStaysIntact() throws {
        let (dir, mount) = try storeWithResults(size: "64m")
        defer { _ = Self.shell("umount \(mount)") }
        #expect(Self.shell("mount -o remount,ro \(mount)") == 0)
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(mount)/runs", "--set", "train.seed=1"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.lowercased().contains("read"), "\(r.stderr)")
        #expect(Self.shell("mount -o remount,rw \(mount)") == 0)
        try expectIntact(mount)
    }

    @Test func aFullDiskIsAClearErrorAndStaysIntact() throws {
        let (dir, mount) = try storeWithResults(size: "4m")
        defer { _ = Self.shell("umount \(mount)") }
        _ = Self.shell("dd if=/dev/zero of=\(mount)/filler bs=64k")  // fills the file system
        let r = try CairnProcess.run([
            "sweep", "\(dir)/s.yaml", "--store", "\(mount)/runs", "--set", "train.seed=1", "--set", "train.lr=0.5,0.7",
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: ") || r.stdout.contains("failed"), "\(r.stdout)\n\(r.stderr)")
        try FileManager.default.removeItem(atPath: "\(mount)/filler")
        try expectIntact(mount)
    }
}
