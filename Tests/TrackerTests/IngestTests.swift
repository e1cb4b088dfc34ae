import Determinism
import Foundation
import GRDB
import TestSupport
import Testing
import Vocabulary

@testable import Tracker

@Suite struct IngestTests {
    @Test func recordsRoundTrip() throws {
        let t = try freshStore()
        let runs = try t.record(
            sweep: SweepRecord(hash: "s1", source: "sweeps/x.yaml", definition: "{}", metric: "val_accuracy", goal: "maximize"),
            runs: [planned(1), planned(2, lr: 0.1, optimizer: "sgd", hidden: [64, 32])])
        #expect(runs.count == 2 && runs.allSatisfy { $0.id != nil && $0.status == .planned })
        let back = try t.runs(RunQuery(sweep: "s1"))
        // SQLite keeps dates to the millisecond: compare them so, and every other field exactly.
        func timeless(_ r: RunRecord) -> RunRecord {
            var r = r
            r.createdAt = Date(timeIntervalSince1970: 0)
            return r
        }
        #expect(back.map { timeless($0.record) } == runs.map(timeless))
        #expect(zip(back, runs).allSatisfy { abs($0.record.createdAt.timeIntervalSince($1.createdAt)) < 0.001 })
        #expect(back[1].params == planned(2, lr: 0.1, optimizer: "sgd", hidden: [64, 32]).params)
        #expect(try t.sweep("s").metric == "val_accuracy")
        // Recording the same runs again (a cached sweep) adds nothing and keeps their state.
        try t.update(run: runs[0].hash) {
            $0.status = .completed
            $0.exitCode = 0
        }
        let again = try t.record(
            sweep: SweepRecord(hash: "s2", source: "other", definition: "{}", metric: nil, goal: nil), runs: [planned(1)])
        #expect(again[0].status == .completed && again[0].id == runs[0].id)
        #expect(try t.runs(RunQuery(sweep: "s2")).count == 1)
        #expect(try t.runs().count == 2)
    }

    @Test func ingestIsIdempotentAndSummarises() throws {
        let t = try freshStore()
        let run = planned(1)
        try t.record(sweep: nil, runs: [run])
        let hash = run.hash
        let prov = Provenance(cairnVersion: "0.1", numericsVersion: 2, gitCommit: nil, host: "h", cpu: "c", os: "o", swiftVersion: "6")
        try append(
            t, hash,
            [
                .start(.init(attempt: 1, time: 100, provenance: prov)),
                .metrics(.init(scope: .step, step: 5, epoch: 1, kind: .model, values: ["train_loss": 2.0])),
                epochMetrics(1, ["train_loss": 1.5, "val_accuracy": 0.5]),
                epochMetrics(2, ["train_loss": 1.0, "val_accuracy": 0.7]),
                .metrics(.init(scope: .epoch, step: 20, epoch: 2, kind: .machine, values: ["epoch_seconds": 3.5])),
                epochMetrics(3, ["train_loss": 1.2, "val_accuracy": 0.6]),
                .end(.init(status: .completed, time: 200)),
            ])
        let first = try t.ingest(run: hash)
        #expect(first.events == 7 && first.points == 8 && first.status == .completed)
        let row = try #require(try t.runs().first)
        #expect(row.record.status == .completed && row.record.attempts == 1)
        // The final value is the last epoch's; min and max span the epoch points only.
        #expect(
            row.summaries["train_loss"]
                == SummaryRecord(runId: row.record.id!, key: "train_loss", kind: .model, final: 1.2, finalStep: 30, min: 1.0, max: 1.5))
        #expect(row.summaries["val_accuracy"]?.best(.maximize) == 0.7)
        #expect(row.summaries["epoch_seconds"]?.kind == .machine)
        #expect(try t.provenance(run: hash)?.host == "h")
        // Again: nothing new.
        #expect(try t.ingest(run: hash) == Tracker.IngestResult())
        // Re-ingesting the same bytes from scratch changes nothing either.
        try t.db.write { db in try db.execute(sql: "UPDATE run SET ingestedBytes = 0") }
        try t.ingest(run: hash)
        let history = try t.history(runs: [hash])[hash]!
        #expect(history["train_loss"]!.map(\.value) == [2.0, 1.5, 1.0, 1.2])
        #expect(try t.runs().first?.summaries == row.summaries)
    }

    /// A scheduler follows a run's log, ingesting a few events at a time: each ingest starts
    /// from what the index holds (series, summaries, which scope a summary covers), and the
    /// end state is the same as one ingest of the whole log.
    @Test func ingestingEventByEventEndsLikeOneIngest() throws {
        let events: [RunEvent] = [
            .start(.init(attempt: 1, time: 100, provenance: nil)),
            .metrics(.init(scope: .step, step: 5, epoch: 1, kind: .model, values: ["train_loss": 2.0])),
            epochMetrics(1, ["train_loss": 1.5, "val_accuracy": 0.5]),
            .metrics(.init(scope: .step, step: 15, epoch: 2, kind: .model, values: ["train_loss": 0.1])),
            epochMetrics(2, ["train_loss": 1.0, "val_accuracy": nil]),
            .metrics(.init(scope: .step, step: 25, epoch: 3, kind: .model, values: ["train_loss": 3.0, "lr": 0.5])),
            .metrics(.init(scope: .step, step: 25, epoch: 3, kind: .model, values: ["lr": 0.25])),
            epochMetrics(3, ["train_loss": 1.2, "val_accuracy": 0.6]),
            .end(.init(status: .completed, time: 200)),
        ]
        let whole = try freshStore()
        let followed = try freshStore()
        let hash = planned(1).hash
        try whole.record(sweep: nil, runs: [planned(1)])
        try followed.record(sweep: nil, runs: [planned(1)])
        try append(whole, hash, events)
        try whole.ingest(run: hash)
        for event in events {
            try append(followed, hash, [event])
            try followed.ingest(run: hash)
        }
        let a = try #require(try whole.runs().first)
        let b = try #require(try followed.runs().first)
        #expect(a.summaries == b.summaries)
        #expect(try whole.history(runs: [hash]) == followed.history(runs: [hash]))
        // What the summaries say: epoch points win over step points for train_loss, whatever
        // came later; lr has step points only, and its later point at step 25 replaced the first.
        #expect(b.summaries["train_loss"]?.final == 1.2 && b.summaries["train_loss"]?.min == 1.0 && b.summaries["train_loss"]?.max == 1.5)
        #expect(b.summaries["val_accuracy"]?.final == 0.6 && b.summaries["val_accuracy"]?.min == 0.5)
        #expect(b.summaries["lr"]?.final == 0.25)
        #expect(try followed.history(runs: [hash])[hash]?["lr"]?.map(\.value) == [0.25])
    }

    @Test func aLogCutMidLineIngestsItsCompleteLinesThenTheRest() throws {
        let t = try freshStore()
        let hash = planned(1).hash
        try t.record(sweep: nil, runs: [planned(1)])
        let line2 = epochMetrics(2, ["val_loss": 0.5]).line()
        var bytes = epochMetrics(1, ["val_loss": 0.9]).line()
        bytes += line2.prefix(10)
        FileManager.default.createFile(atPath: t.eventLogPath(hash), contents: Data(bytes))
        #expect(try t.ingest(run: hash).points == 1)
        // The process goes on writing: the cut line completes.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: t.eventLogPath(hash)))
        try h.seekToEnd()
        try h.write(contentsOf: Data(line2.dropFirst(10)))
        try h.close()
        #expect(try t.ingest(run: hash).points == 1)
        #expect(try t.history(runs: [hash])[hash]?["val_loss"]?.map(\.value) == [0.9, 0.5])
    }

    @Test func nonFiniteValuesAreStoredAsNull() throws {
        let t = try freshStore()
        let hash = planned(1).hash
        try t.record(sweep: nil, runs: [planned(1)])
        try append(t, hash, [epochMetrics(1, ["train_loss": .nan]), .end(.init(status: .diverged, time: 1, error: "loss is nan"))])
        try t.ingest(run: hash)
        #expect(try t.history(runs: [hash])[hash]?["train_loss"]?.first?.value == nil)
        #expect(try t.run(hash)?.status == .diverged && t.run(hash)?.error == "loss is nan")
    }

    @Test func migratesAnEmptyStoreAndReopensAnExistingOne() throws {
        let t = try freshStore()
        let applied = try t.db.read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrator.migrations))
        try t.record(sweep: nil, runs: [planned(1)])
        let reopened = try Tracker(directory: t.directory)
        #expect(try reopened.runs().count == 1)
        #expect(try reopened.db.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func migratesAStoreOfThePreviousSchema() throws {
        // A store as Cairn left it before tags and notes: only the first migration applied.
        let dir = try scratch(label: "v1")
        let old = try DatabaseQueue(path: "\(dir)/cairn.sqlite")
        try Schema.migrator.migrate(old, upTo: Schema.migrator.migrations[0])
        try old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO run (hash, name, status, config, numericsVersion, datasetSHA256, createdAt)
                    VALUES ('ab12', 'old', 'completed', '{}', 2, 'd', '2026-01-01 00:00:00')
                    """)
        }
        try old.close()
        let t = try Tracker(directory: dir)
        #expect(try t.db.read { db in try Schema.migrator.appliedIdentifiers(db) } == Set(Schema.migrator.migrations))
        #expect(try t.run("ab12")?.note == nil && t.run("ab12")?.status == .completed)
        try t.tag(runs: ["ab12"], add: ["kept"])
        try t.setNote(run: "ab12", "from v1")
        #expect(try t.runs().first?.tags == ["kept"] && t.run("ab12")?.note == "from v1")
    }

    @Test func prefixesResolveOrListCandidates() throws {
        let t = try freshStore()
        try t.record(sweep: nil, runs: (1...40).map { planned($0) })
        let hash = planned(7).hash
        #expect(try t.resolve(String(hash.prefix(12))) == hash)
        #expect(try t.resolve(hash.uppercased()) == hash)
        #expect { try t.resolve("") } throws: { "\($0)".contains("not a run hash") }
        #expect { try t.resolve("zz") } throws: { "\($0)".contains("not a run hash") }
        #expect { try t.resolve("0") } throws: { "\($0)".contains("is ambiguous: it matches") }
        #expect { try t.resolve(String(repeating: "f", count: 20)) } throws: { "\($0)".contains("no run matches") }
    }
}

@Suite struct RemoveTests {
    @Test func removingARunRemovesEverythingOfItButItsObjects() throws {
        let t = try freshStore()
        try t.record(sweep: SweepRecord(hash: "s", source: "s", definition: "{}", metric: nil, goal: nil), runs: [planned(1), planned(2)])
        let object = try t.objects.put([1, 2, 3]).hash
        for p in [planned(1), planned(2)] {
            try append(
                t, p.hash,
                [
                    epochMetrics(1, ["val_loss": 0.5]),
                    .checkpoint(.init(object: object, step: 10, epoch: 1, kinds: [.final], rawSize: 3, storedSize: 1)),
                ])
        }
        try t.ingestAll()
        try t.remove(runs: [planned(1).hash])
        #expect(try t.runs().map(\.record.hash) == [planned(2).hash])
        let counts = try t.db.read { db in
            try ["point", "series", "param", "summary", "checkpoint", "sweepRun"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1
            }
        }
        #expect(counts == [1, 1, 4, 1, 1, 1])
        let stillOK = try t.verify().ok
        #expect(t.objects.contains(object) && stillOK)
        try t.remove(runs: [planned(2).hash])
        #expect(try t.gc(apply: true).objects == [object])
    }
}

/// Who holds a run: a pid the kernel has given to another process is not its holder, and a
/// later attempt that logs different values for an epoch it redoes fails the run.
struct HoldAndAttemptTests {
    @Test func aLeaseNamingAReusedPidIsStale() throws {
        let t = try freshStore()
        let me = ProcessIdentity.current
        #expect(me.isAlive == true)
        // This test's own pid, but another start time: the process the lease meant is gone.
        let reused = ProcessIdentity(host: me.host, pid: me.pid, started: me.started + 1, boot: me.boot)
        #expect(reused.isAlive == false)
        let path = t.leasePath("r")
        try JSONValue.object(["holder": reused.json]).canonical.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!Lease.isHeld(owner: nil, lease: path))
        #expect(Lease.isHeld(owner: me, lease: path))  // its scheduler is alive
        // A process on another machine cannot be seen from here: the file's age decides.
        let remote = ProcessIdentity(host: me.host + "-elsewhere", pid: 1, started: 1, boot: "b")
        #expect(remote.isAlive == nil)
        try JSONValue.object(["holder": remote.json]).canonical.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(Lease.isHeld(owner: nil, lease: path))
        #expect(!Lease.isHeld(owner: nil, lease: path, now: Date().addingTimeInterval(Lease.expiry + 1)))
    }

    @Test func anAttemptThatLogsOtherValuesForARedoneEpochFailsTheRun() throws {
        let t = try freshStore()
        let run = planned(1)
        try t.record(sweep: nil, runs: [run])
        try append(
            t, run.hash,
            [
                .start(.init(attempt: 1, time: 1, provenance: nil)),
                .metrics(.init(scope: .step, step: 5, epoch: 1, kind: .model, values: ["train_loss": 2.0])),
                .metrics(.init(scope: .step, step: 10, epoch: 2, kind: .model, values: ["train_loss": 1.5])),
            ])
        try t.ingest(run: run.hash)
        // The second attempt redoes epoch 2 from the end of epoch 1: the same step 10, another value.
        try append(
            t, run.hash,
            [
                .start(.init(attempt: 2, time: 2, provenance: nil, resumedFromEpoch: 1)),
                .metrics(.init(scope: .step, step: 10, epoch: 2, kind: .model, values: ["train_loss": 1.25])),
                .end(.init(status: .completed, time: 3)),
            ])
        #expect(try t.ingest(run: run.hash).status == .failed)
        let record = try #require(try t.run(run.hash))
        #expect(record.status == .failed)
        #expect(record.error == "not deterministic: train_loss at step 10 (step) was 1.5 in an earlier attempt and 1.25 in attempt 2")
        #expect(try t.attempts(run: run.hash).map(\.resumedFromEpoch) == [0, 1])
    }

    @Test func equalValuesForARedoneEpochAreFine() throws {
        let t = try freshStore()
        let run = planned(2)
        try t.record(sweep: nil, runs: [run])
        let point = RunEvent.metrics(.init(scope: .step, step: 10, epoch: 2, kind: .model, values: ["train_loss": 1.5]))
        try append(t, run.hash, [.start(.init(attempt: 1, time: 1, provenance: nil)), point])
        try t.ingest(run: run.hash)
        try append(
            t, run.hash,
            [.start(.init(attempt: 2, time: 2, provenance: nil, resumedFromEpoch: 1)), point, .end(.init(status: .completed, time: 3))])
        #expect(try t.ingest(run: run.hash).status == .completed)
    }
}
