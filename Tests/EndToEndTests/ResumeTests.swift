import Determinism
import Foundation
import TestSupport
import Testing
import Tracker

/// Runs that survive: a scheduler killed mid-sweep, a run's process killed mid-epoch, both at
/// once, two sweeps with one killed, a corrupted epoch state, and a run's process on a store
/// without an index. Every time, the sweep completes and every run ends byte-identical to an
/// uninterrupted sweep's.
@Suite(.serialized) struct ResumeTests {
    /// A 2 × 2 sweep (or `parameters`) of an experiment with dropout, long enough to be killed in.
    static func files(epochs: Int = 60, parameters: String? = nil, trainSize: Int = 1500, logEvery: Int = 5) throws -> String {
        let dir = try CairnProcess.temporaryDirectory()
        try """
        name: long
        data: { dataset: synthetic, synthetic: { features: 6, train_size: \(trainSize), test_size: 30 } }
        model: { hidden: [8], dropout: 0.2 }
        train: { optimizer: adam, lr: 0.01, epochs: \(epochs), batch_size: 16, log_every: \(logEvery) }
        """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try """
        experiment: e.yaml
        method: grid
        metric: { name: test_accuracy, goal: maximize }
        parameters:
        \(parameters ?? "  train.lr: { values: [0.01, 0.03] }\n  train.seed: { values: [0, 1] }")
        """.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    /// A run's event log, line by line.
    static func events(_ store: String, _ hash: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: "\(store)/events/\(hash).jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func count(_ events: [[String: Any]], _ type: String) -> Int { events.filter { $0["type"] as? String == type }.count }

    /// Every later attempt started from the last epoch state logged before it.
    static func expectEachAttemptResumedFromTheLastState(_ events: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
        var lastState = 0
        var starts = 0
        for e in events {
            switch e["type"] as? String {
            case "resume": lastState = e["epoch"] as? Int ?? -1
            case "start":
                starts += 1
                if starts > 1 {
                    #expect(e["resumed_from_epoch"] as? Int ?? 0 == lastState, "attempt \(starts): \(e)", sourceLocation: sourceLocation)
                }
            default: break
            }
        }
    }

    /// The runs' processes, by run hash: the holders their leases name.
    static func children(_ store: String) -> [String: pid_t] {
        var out: [String: pid_t] = [:]
        for lease in (try? FileManager.default.contentsOfDirectory(atPath: "\(store)/leases")) ?? [] {
            guard let data = FileManager.default.contents(atPath: "\(store)/leases/\(lease)"),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let holder = json["holder"] as? [String: Any], let pid = (holder["pid"] as? NSNumber)?.int32Value, kill(pid, 0) == 0
            else { continue }
            out[String(lease.dropLast(".lease".count))] = pid
        }
        return out
    }

    /// Final checkpoints and model metrics of an uninterrupted sweep of the same file.
    static func expectSameAsUninterrupted(_ dir: String, _ store: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fresh = SweepCommandTests.runs(
            try SweepCommandTests.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/fresh", "--json"])))
        let again = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", store, "--json"])
        let runs = SweepCommandTests.runs(try SweepCommandTests.summary(again))
        #expect(runs.count == fresh.count && !runs.isEmpty, sourceLocation: sourceLocation)
        for (hash, run) in runs {
            #expect(run["status"] as? String == "completed", "\(hash.prefix(12))", sourceLocation: sourceLocation)
            #expect(run["checkpoint_sha256"] as? String == fresh[hash]?["checkpoint_sha256"] as? String, sourceLocation: sourceLocation)
            #expect(
                NSDictionary(dictionary: run["metrics"] as? [String: Any] ?? [:]).isEqual(
                    to: fresh[hash]?["metrics"] as? [String: Any] ?? [:]),
                sourceLocation: sourceLocation)
        }
    }

    @Test func aSchedulerKilledMidSweepThenRunAgainAtOnceFinishesTheSweep() throws {
        let dir = try Self.files()
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--store", store, "--workers", "2", "--json"]
        let first = try CairnProcess.startCapturing(args)
        #expect(try StoreCommandTests.waitUntil(60) { Self.children(store).count == 2 })
        kill(first.process.processIdentifier, SIGKILL)
        _ = try first.finish()
        // At once: its queued runs are claimed (their owner is dead), its running ones followed.
        let again = try CairnProcess.run(args)
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        let s = try SweepCommandTests.summary(again)
        #expect(SweepCommandTests.runs(s).values.allSatisfy { $0["status"] as? String == "completed" }, "\(again.stdout)")
        for hash in SweepCommandTests.runs(s).keys {
            let events = Self.events(store, hash)
            #expect(Self.count(events, "end") == 1)
            Self.expectEachAttemptResumedFromTheLastState(events)
        }
        try Self.expectSameAsUninterrupted(dir, store)
    }

    @Test func aRunKilledMidEpochResumesFromItsLastEpochWithEveryOptimizer() throws {
        let dir = try Self.files(parameters: "  train.optimizer: { values: [sgd, adam, adamw, rmsprop] }")
        let store = "\(dir)/runs"
        let sweep = try CairnProcess.startCapturing([
            "sweep", "\(dir)/s.yaml", "--store", store, "--workers", "1", "--retries", "1", "--json",
        ])
        var killed: [String: Int] = [:]  // run → the epoch states it had logged when killed
        while sweep.process.isRunning {
            for (hash, pid) in Self.children(store) where killed[hash] == nil {
                let states = Self.count(Self.events(store, hash), "resume")
                if states >= 2 && Self.count(Self.events(store, hash), "end") == 0 {
                    kill(pid, SIGKILL)
                    killed[hash] = states
                }
            }
            usleep(1000)
        }
        let r = try sweep.finish()
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(killed.count == 4, "killed \(killed.count) of 4 runs mid-way")
        for hash in killed.keys {
            let events = Self.events(store, hash)
            #expect(Self.count(events, "start") == 2)
            let second = events.filter { $0["type"] as? String == "start" }.last
            #expect((second?["resumed_from_epoch"] as? Int ?? 0) >= 2)
            Self.expectEachAttemptResumedFromTheLastState(events)
        }
        let show = try CairnProcess.run(["show", try #require(killed.keys.first), "--store", store])
        #expect(show.stdout.contains("#1 from scratch, #2 from epoch "), "\(show.stdout)")
        #expect(r.stdout.contains("attempts"))
        try Self.expectSameAsUninterrupted(dir, store)
    }

    @Test func aSchedulerAndItsRunsKilledAtOnceResume() throws {
        let dir = try Self.files()
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--store", store, "--workers", "2", "--json"]
        let first = try CairnProcess.startCapturing(args)
        #expect(
            try StoreCommandTests.waitUntil(60) {
                let running = Self.children(store)
                return running.count == 2 && running.keys.allSatisfy { Self.count(Self.events(store, $0), "resume") >= 1 }
            })
        let running = Self.children(store)
        kill(first.process.processIdentifier, SIGKILL)
        for pid in running.values { kill(pid, SIGKILL) }
        _ = try first.finish()
        let again = try CairnProcess.run(args)
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        for hash in running.keys {
            let events = Self.events(store, hash)
            #expect(Self.count(events, "start") == 2)
            Self.expectEachAttemptResumedFromTheLastState(events)
        }
        try Self.expectSameAsUninterrupted(dir, store)
    }

    @Test func twoSweepsOnOneStoreWithOneKilledTheSurvivorFinishesEverything() throws {
        let dir = try Self.files()
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--store", store, "--workers", "1", "--json"]
        let a = try CairnProcess.startCapturing(args)
        #expect(try StoreCommandTests.waitUntil(60) { Self.children(store).count == 1 })
        // The second finds every run claimed by the first, so it follows them all.
        let b = try CairnProcess.startCapturing(args)
        #expect(
            try StoreCommandTests.waitUntil(60) {
                (try? String(contentsOfFile: b.outputPath, encoding: .utf8))?.contains("following") == true
            })
        kill(a.process.processIdentifier, SIGKILL)
        _ = try a.finish()
        let rb = try b.finish()
        #expect(rb.status == 0, "\(rb.stdout)\n\(rb.stderr)")
        let s = try SweepCommandTests.summary(rb)
        #expect(SweepCommandTests.runs(s).count == 4)
        #expect(SweepCommandTests.runs(s).values.allSatisfy { $0["status"] as? String == "completed" }, "\(rb.stdout)")
        for hash in SweepCommandTests.runs(s).keys { Self.expectEachAttemptResumedFromTheLastState(Self.events(store, hash)) }
        try Self.expectSameAsUninterrupted(dir, store)
    }

    @Test func aCorruptedEpochStateIsNotUsedAndTheResultIsTheSame() throws {
        let dir = try Self.files(parameters: "  train.seed: { value: 0 }")
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--store", store, "--json"]
        let sweep = try CairnProcess.startCapturing(args)
        var hash: String?
        #expect(
            try StoreCommandTests.waitUntil(60) {
                guard let (h, pid) = Self.children(store).first, Self.count(Self.events(store, h), "resume") >= 3 else { return false }
                kill(pid, SIGKILL)
                hash = h
                return true
            })
        let r = try sweep.finish()
        #expect(r.status == 1)  // no retries: the killed run failed
        let h = try #require(hash)
        let states = Self.events(store, h).filter { $0["type"] as? String == "resume" }
        let last = try #require(states.last?["object"] as? String)
        let previous = try #require(states.dropLast().last?["epoch"] as? Int)
        // One flipped byte in the newest state's file.
        let path = "\(store)/objects/\(last.prefix(2))/\(last.dropFirst(2)).gz"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let again = try CairnProcess.run(args)
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        let second = Self.events(store, h).filter { $0["type"] as? String == "start" }.last
        #expect(second?["resumed_from_epoch"] as? Int == previous)
        let log = try String(contentsOfFile: "\(store)/logs/\(h).log", encoding: .utf8)
        #expect(log.contains("is not used"), "\(log)")
        try Self.expectSameAsUninterrupted(dir, store)
    }

    /// Epoch states are kept while a run trains; once it has a result, only those that are also
    /// its checkpoints stay.
    @Test func aFinishedSweepLeavesNoEpochStatesBehind() throws {
        let dir = try Self.files(epochs: 8)
        let store = "\(dir)/runs"
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", store, "--json"])
        #expect(r.status == 0)
        let hashes = Array(SweepCommandTests.runs(try SweepCommandTests.summary(r)).keys)
        #expect(hashes.allSatisfy { Self.count(Self.events(store, $0), "resume") == 7 })
        let gc = try CairnProcess.run(["gc", "--store", store, "--json"])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(gc.stdout.utf8)) as? [String: Any])
        #expect((result["objects"] as? [String])?.isEmpty == true, "\(gc.stdout)")
        #expect(try CairnProcess.run(["verify", "--store", store]).status == 0)
    }

    /// A run's process needs only the spec file, the event log and the object store: on a
    /// store without an index it trains, and a scheduler ingests its log afterwards.
    @Test func aRunsProcessNeedsNoIndex() throws {
        let dir = try Self.files(epochs: 3, parameters: "  train.seed: { value: 0 }")
        let plan = try CairnProcess.run(["plan", "\(dir)/s.yaml", "--json"])
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let run = try #require((planned["runs"] as? [[String: Any]])?.first)
        let hash = try #require(run["hash"] as? String)
        let spec = try JSONSerialization.data(withJSONObject: try #require(run["spec"]), options: [.sortedKeys])
        // The run recorded in a store, and its spec written, as a scheduler does before starting it.
        let tracker = try Tracker(directory: "\(dir)/runs")
        let entry = RunEntry(
            hash: hash, name: "long", canonicalSpec: try JSONValue.parse([UInt8](spec)).canonical, numericsVersion: 2,
            datasetSHA256: try #require(planned["dataset_sha256"] as? String), params: [:])
        try tracker.record(sweep: nil, runs: [entry])
        try tracker.writeSpecs(try tracker.runs([hash]))
        // A store with no index at all: only the spec.
        let bare = "\(dir)/bare"
        try FileManager.default.createDirectory(atPath: "\(bare)/specs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dir)/runs/specs/\(hash).json", toPath: "\(bare)/specs/\(hash).json")
        let exec = try CairnProcess.run(["exec", hash, "--attempt", "1", "--store", bare])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(bare)/cairn.sqlite"))
        let events = Self.events(bare, hash)
        #expect(Self.count(events, "start") == 1 && Self.count(events, "end") == 1)
        // Its log and objects, brought to the store, are ingested like any run's.
        try FileManager.default.copyItem(atPath: "\(bare)/events/\(hash).jsonl", toPath: "\(dir)/runs/events/\(hash).jsonl")
        for f in FileManager.default.enumerator(atPath: "\(bare)/objects")?.allObjects as? [String] ?? [] where f.hasSuffix(".gz") {
            let to = "\(dir)/runs/objects/\(f)"
            try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: to) { try FileManager.default.copyItem(atPath: "\(bare)/objects/\(f)", toPath: to) }
        }
        #expect(try CairnProcess.run(["ingest", "--store", "\(dir)/runs"]).status == 0)
        #expect(try tracker.run(hash)?.status == .completed)
        #expect(try CairnProcess.run(["verify", "--store", "\(dir)/runs"]).status == 0)
        let fresh = SweepCommandTests.runs(
            try SweepCommandTests.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/fresh", "--json"])))
        #expect(
            try tracker.checkpoints(run: hash).last { $0.kinds.contains(.final) }?.object == fresh[hash]?["checkpoint_sha256"] as? String)
    }
}
