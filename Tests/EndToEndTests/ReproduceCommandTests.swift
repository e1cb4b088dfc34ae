import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracker

/// `cairn reproduce` on a small recorded sweep.
@Suite struct ReproduceCommandTests {
    /// A store with one completed run of the tiny experiment; its hash.
    static func recorded() throws -> (dir: String, hash: String) {
        let dir = try SweepCommandTests.files(epochs: 3)
        let r = try CairnProcess.run([
            "sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let hash = try #require(SweepCommandTests.runs(try SweepCommandTests.summary(r)).keys.first)
        return (dir, hash)
    }

    @Test func aCompletedRunReproducesBitForBit() throws {
        let (dir, hash) = try Self.recorded()
        let r = try CairnProcess.run(["reproduce", String(hash.prefix(10)), "--store", "\(dir)/runs", "--json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("REPRODUCED: \(hash) bit-identical ("))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        #expect(json["reproduced"] as? Bool == true && (json["metrics"] as? Int ?? 0) > 10 && (json["checkpoints"] as? Int ?? 0) >= 1)
        // The verdict is the run's record: `show` says it, `ls` shows its badge, both JSON forms hold it.
        let host = ProcessInfo.processInfo.hostName
        let show = try CairnProcess.run(["show", hash, "--store", "\(dir)/runs"])
        #expect(show.stdout.contains("  checked   reproduced bit-identical on \(host), "), "\(show.stdout)")
        let ls = try CairnProcess.run(["ls", "--store", "\(dir)/runs"])
        let header = try #require(ls.stdout.split(separator: "\n").first)
        #expect(header.contains("reproduction") && ls.stdout.contains(" reproduced"), "\(ls.stdout)")
        let listed = try #require(
            try JSONSerialization.jsonObject(with: Data(CairnProcess.run(["ls", "--store", "\(dir)/runs", "--json"]).stdout.utf8))
                as? [[String: Any]])
        let record = try #require(listed.first { $0["hash"] as? String == hash }?["reproduction"] as? [String: Any])
        #expect(record["verdict"] as? String == "REPRODUCED" && record["host"] as? String == host)
        #expect(record["numerics_version"] as? Int != nil && record["cairn_version"] as? String != nil)
    }

    @Test func anAlteredMetricIsNamedWithItsStep() throws {
        let (dir, hash) = try Self.recorded()
        let t = try Tracker(directory: "\(dir)/runs")
        try t.db.write { db in
            try db.execute(
                sql: """
                    UPDATE point SET value = value + 1e-9 WHERE step = (SELECT max(step) FROM point) AND seriesId =
                      (SELECT id FROM series WHERE key = 'test_loss' AND runId = (SELECT id FROM run WHERE hash = ?))
                    """, arguments: [hash])
        }
        let step = try t.db.read { db in try Int.fetchOne(db, sql: "SELECT max(step) FROM point") }!
        let r = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("DIFFERS: test_loss (epoch) at step \(step): original "), "\(r.stdout)")
        // Recorded with its first divergence; the latest verdict is the one shown.
        let show = try CairnProcess.run(["show", hash, "--store", "\(dir)/runs"])
        #expect(
            show.stdout.contains("  checked   DIFFERS on ") && show.stdout.contains(": test_loss (epoch) at step \(step): original "),
            "\(show.stdout)")
    }

    @Test func aCorruptCheckpointIsReportedByName() throws {
        let (dir, hash) = try Self.recorded()
        let t = try Tracker(directory: "\(dir)/runs")
        let object = try #require(try t.checkpoints(run: hash).first?.object)
        var data = try Data(contentsOf: URL(fileURLWithPath: t.objects.path(object)))
        data[data.count - 12] ^= 0x01
        try data.write(to: URL(fileURLWithPath: t.objects.path(object)))
        let r = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("CORRUPT: object \(object)"), "\(r.stdout)")
        let ls = try CairnProcess.run(["ls", "--store", "\(dir)/runs"])
        #expect(ls.stdout.contains(" corrupt"), "\(ls.stdout)")
    }

    @Test func aDifferentDataSetIsNotedBeforeTheResult() throws {
        let (dir, hash) = try Self.recorded()
        let t = try Tracker(directory: "\(dir)/runs")
        try t.db.write { db in try db.execute(sql: "UPDATE run SET datasetSHA256 = 'abcdef' WHERE hash = ?", arguments: [hash]) }
        let r = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let note = try #require(lines.firstIndex { $0.hasPrefix("note: the data set differs from the run's") }, "\(r.stdout)")
        let verdict = try #require(lines.firstIndex { $0.hasPrefix("REPRODUCED:") || $0.hasPrefix("DIFFERS:") || $0.hasPrefix("FAILED:") })
        #expect(note < verdict && lines[note].contains("recorded abcdef"))
    }

    @Test func unknownAndAmbiguousPrefixes() throws {
        let (dir, _) = try Self.recorded()
        let r = try CairnProcess.run(["reproduce", "ffffffffffff", "--store", "\(dir)/runs"])
        #expect(r.status == 2 && r.stderr.contains("no run matches ffffffffffff"))
    }
}
