import Codecs
import Determinism
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import Tracker

/// The store under real processes: a writer killed mid-ingest, readers beside a writer, and
/// the verify / gc / export commands.
@Suite struct StoreCommandTests {
    /// A store with one run and an event log of `lines` metric lines (5 points each).
    static func bigLog(lines: Int) throws -> (Tracker, String) {
        let t = try Tracker(directory: try CairnProcess.temporaryDirectory() + "/store")
        let hash = sha256Hex([Array("big".utf8)])
        try t.record(sweep: nil, runs: [TestRun(hash: hash, name: "big", canonicalSpec: "{}", params: ["train.lr": 0.1])])
        var text = ""
        text.reserveCapacity(lines * 120)
        for i in 1...lines {
            text +=
                "{\"epoch\":1,\"kind\":\"model\",\"scope\":\"step\",\"step\":\(i),\"type\":\"metrics\",\"values\":{\"a\":\(i),\"b\":0.5,\"c\":0.25,\"d\":1,\"e\":2}}\n"
        }
        text += String(decoding: RunEvent.end(.init(status: .completed, time: 1)).line(), as: UTF8.self)
        try text.write(toFile: t.eventLogPath(hash), atomically: true, encoding: .utf8)
        return (t, hash)
    }

    static func pointCount(_ t: Tracker) throws -> Int {
        try t.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM point") ?? 0 }
    }

    /// Waits (polling, with a deadline) until `condition` holds.
    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(2000)
        }
        return try condition()
    }

    @Test func aWriterKilledMidIngestLeavesAPrefixAndResumes() throws {
        let (t, hash) = try Self.bigLog(lines: 150_000)
        let child = try CairnProcess.start(["ingest", "--store", t.directory, "--batch-lines", "2000"])
        let started = try Self.waitUntil(60) { (try t.run(hash)?.ingestedBytes ?? 0) > 0 }
        #expect(started)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        // Intact, and exactly the lines before the recorded offset are visible: no half batch.
        #expect(try t.db.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        let run = try #require(try t.run(hash))
        let log = try Data(contentsOf: URL(fileURLWithPath: t.eventLogPath(hash)))
        let linesBefore = log.prefix(run.ingestedBytes).filter { $0 == 0x0A }.count
        #expect(run.ingestedBytes < log.count, "the kill came before the end (raise the log size if this fails)")
        #expect(try Self.pointCount(t) == linesBefore * 5)
        #expect(run.status != .completed)
        // A new ingest picks up where the killed one stopped.
        let again = try CairnProcess.run(["ingest", "--store", t.directory])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.pointCount(t) == 150_000 * 5)
        #expect(try t.run(hash)?.status == .completed)
    }

    @Test func readersRunWhileAWriterIngests() throws {
        let (t, hash) = try Self.bigLog(lines: 60_000)
        let writer = try CairnProcess.start(["ingest", "--store", t.directory, "--batch-lines", "1000"])
        var reads = 0
        while writer.isRunning || reads < 3 {
            let r = try CairnProcess.run(["export", "--format", "json", "--store", t.directory])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
            #expect(rows?.count == 1)
            reads += 1
            if reads > 200 { break }
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(try Self.pointCount(t) == 300_000)
        #expect(try t.run(hash)?.status == .completed)
    }

    @Test func verifyGcAndExportCommands() throws {
        let t = try Tracker(directory: try CairnProcess.temporaryDirectory() + "/store")
        let hash = sha256Hex([Array("r".utf8)])
        try t.record(
            sweep: nil,
            runs: [TestRun(hash: hash, name: "r, with a comma", canonicalSpec: "{}", params: ["train.lr": 0.1, "train.optimizer": "adam"])])
        let object = try t.objects.put(Array(repeating: 3, count: 5000)).hash
        let orphan = try t.objects.put(Array(repeating: 4, count: 5000)).hash
        let events: [RunEvent] = [
            .metrics(.init(scope: .epoch, step: 10, epoch: 1, kind: .model, values: ["val_accuracy": 0.5])),
            .metrics(.init(scope: .epoch, step: 20, epoch: 2, kind: .model, values: ["val_accuracy": 0.75])),
            .checkpoint(.init(object: object, step: 20, epoch: 2, kinds: [.final], rawSize: 5000, storedSize: 40)),
            .end(.init(status: .completed, time: 1)),
        ]
        try Data(events.flatMap { $0.line() }).write(to: URL(fileURLWithPath: t.eventLogPath(hash)))
        #expect(try CairnProcess.run(["ingest", "--store", t.directory]).status == 0)

        let ok = try CairnProcess.run(["verify", "--store", t.directory])
        #expect(ok.status == 0 && ok.stdout.contains("1 objects no run references"))
        let csv = try CairnProcess.run(["export", "--format", "csv", "--store", t.directory])
        #expect(
            csv.stdout
                == "hash,name,status,train.lr,train.optimizer,val_accuracy.final,val_accuracy.min,val_accuracy.max\n\(hash),\"r, with a comma\",completed,0.1,adam,0.75,0.5,0.75\n"
        )
        let jsonl = try CairnProcess.run(["export", "--format", "jsonl", "--store", t.directory, "--where", "val_accuracy > 0.7"])
        let line = try #require(try JSONSerialization.jsonObject(with: Data(jsonl.stdout.utf8)) as? [String: Any])
        #expect(((line["history"] as? [String: Any])?["val_accuracy"] as? [Any])?.count == 2)
        let badWhere = try CairnProcess.run(["export", "--store", t.directory, "--where", "lr = 1; DROP TABLE run"])
        #expect(badWhere.status == 2 && badWhere.stderr.hasPrefix("error: --where: unexpected character \";\" at column 7"))

        let dry = try CairnProcess.run(["gc", "--store", t.directory, "--json"])
        #expect(dry.stdout.contains(orphan) && FileManager.default.fileExists(atPath: t.objects.path(orphan)))
        #expect(try CairnProcess.run(["gc", "--apply", "--store", t.directory]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: t.objects.path(orphan)))

        var data = try Data(contentsOf: URL(fileURLWithPath: t.objects.path(object)))
        data[data.count - 12] ^= 1
        try data.write(to: URL(fileURLWithPath: t.objects.path(object)))
        let bad = try CairnProcess.run(["verify", "--store", t.directory])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("CORRUPT  object \(object) (runs \(hash.prefix(12)))"))
    }

    @Test func aStoreThatCannotBeCreatedIsAClearError() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try "not a directory".write(toFile: "\(dir)/file", atomically: true, encoding: .utf8)
        // Only the commands that record runs create a store.
        let r = try CairnProcess.run(["sweep", "sweeps/quickstart.yaml", "--dry-run", "--store", "\(dir)/file/store"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(dir)/file/store: cannot create the store:"))
    }

    /// A mistyped --store: every command that only reads refuses it with one line and exit 2,
    /// and leaves nothing behind.
    @Test func readCommandsNeverCreateAStore() throws {
        let dir = try CairnProcess.temporaryDirectory()
        let missing = "\(dir)/typo"
        for args in [
            ["ls"], ["show", "abc"], ["compare", "--sweep", "abc"], ["diff", "ab", "cd"], ["export"], ["verify"], ["gc"],
            ["tag", "abc", "x"], ["rm", "abc"], ["reproduce", "abc"],
        ] {
            let r = try CairnProcess.run(args + ["--store", missing])
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(
                r.stderr
                    == "error: \(missing): no Cairn store there (no such directory); check --store or $CAIRN_STORE, or make one with `cairn sweep`\n",
                "\(args)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(args) created \(missing)")
        }
        // A directory that exists but holds no store is refused the same way.
        let empty = "\(dir)/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let r = try CairnProcess.run(["ls", "--store", empty])
        #expect(r.status == 2 && r.stderr.contains("no cairn.sqlite in it"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
    }
}
