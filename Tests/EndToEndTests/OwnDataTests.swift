import Foundation
import TestSupport
import Testing

/// A user's own CSV through every command: planned by its content, stored on first use,
/// reproduced after the file moved, changed or was deleted, and carried in a bundle.
@Suite struct OwnDataTests {
    static let rows = (0..<60).map { i in "\(Double(i % 7) / 3),\(Double(i % 5) - 2),\(["red", "blue"][i % 2]),\(i % 3 == 0 ? "yes" : "no")"
    }

    /// A CSV in `data/`, an experiment on it, and a sweep over two learning rates.
    static func files() throws -> String {
        let dir = try CairnProcess.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        try ("a,b,colour,label\n" + rows.joined(separator: "\n") + "\n").write(
            toFile: "\(dir)/data/t.csv", atomically: true, encoding: .utf8)
        try """
        name: own
        data: { dataset: csv, file: data/t.csv, target: label, preprocess: standardize, test_fraction: 0.25, validation: 9 }
        model: { hidden: [6] }
        train: { lr: 0.01, epochs: 3, batch_size: 8 }
        """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try "experiment: e.yaml\nparameters:\n  train.lr: { values: [0.01, 0.03] }\n".write(
            toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func planned(_ file: String) throws -> [String] {
        let r = try CairnProcess.run(["plan", file, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
        return (runs ?? []).compactMap { $0["hash"] as? String }
    }

    @Test func theRunHashFollowsTheContentNotThePath() throws {
        let dir = try Self.files()
        let before = try Self.planned("\(dir)/s.yaml")
        #expect(before.count == 2)
        try FileManager.default.moveItem(atPath: "\(dir)/data", toPath: "\(dir)/moved")
        try FileManager.default.moveItem(atPath: "\(dir)/moved/t.csv", toPath: "\(dir)/moved/renamed.csv")
        let e = try String(contentsOfFile: "\(dir)/e.yaml", encoding: .utf8)
        try e.replacingOccurrences(of: "data/t.csv", with: "moved/renamed.csv").write(
            toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        #expect(try Self.planned("\(dir)/s.yaml") == before)
        // One byte changed: other runs.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/moved/renamed.csv"))
        bytes[bytes.count - 3] = UInt8(ascii: "e")  // one byte of the last label
        try bytes.write(to: URL(fileURLWithPath: "\(dir)/moved/renamed.csv"))
        let after = try Self.planned("\(dir)/s.yaml")
        #expect(after.count == 2 && Set(after).isDisjoint(with: before))
    }

    @Test func reproducesFromTheStoredCopyAfterTheFileIsDeletedOrEdited() throws {
        let dir = try Self.files()
        let sweep = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let hash = try #require(SweepCommandTests.runs(try SweepCommandTests.summary(sweep)).keys.sorted().first)
        let first = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(first.status == 0 && first.stdout.contains("data file: t.csv, the original (\(dir)/data/t.csv)"), "\(first.stdout)")

        try "a,b,colour,label\n1,2,red,yes\n".write(toFile: "\(dir)/data/t.csv", atomically: true, encoding: .utf8)
        let edited = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(edited.status == 0, "\(edited.stdout)\(edited.stderr)")
        #expect(edited.stdout.contains("the stored copy "), "\(edited.stdout)")
        #expect(edited.stdout.contains("(the original \(dir)/data/t.csv has changed)"))
        #expect(edited.stdout.contains("REPRODUCED: \(hash) bit-identical"))

        try FileManager.default.removeItem(atPath: "\(dir)/data")
        let deleted = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(deleted.status == 0, "\(deleted.stdout)\(deleted.stderr)")
        #expect(deleted.stdout.contains("(the original \(dir)/data/t.csv is gone)"))
        #expect(deleted.stdout.contains("REPRODUCED: \(hash) bit-identical"))
        #expect(try CairnProcess.run(["verify", "--store", "\(dir)/runs"]).status == 0)
        let gc = try CairnProcess.run(["gc", "--store", "\(dir)/runs"])
        #expect(gc.stdout.contains("0 unreferenced objects"), "\(gc.stdout)")  // the data copy is kept
    }

    @Test func withoutAStoredCopyAGoneFileIsNamed() throws {
        let dir = try Self.files()
        let e = try String(contentsOfFile: "\(dir)/e.yaml", encoding: .utf8)
        try e.replacingOccurrences(of: "validation: 9 }", with: "validation: 9, store_copy: false }").write(
            toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        let sweep = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let hash = try #require(SweepCommandTests.runs(try SweepCommandTests.summary(sweep)).keys.sorted().first)
        let show = try CairnProcess.run(["show", hash, "--store", "\(dir)/runs"])
        #expect(show.stdout.contains("\(dir)/data/t.csv  (no stored copy (store_copy: false))"), "\(show.stdout)")
        try FileManager.default.removeItem(atPath: "\(dir)/data")
        let r = try CairnProcess.run(["reproduce", hash, "--store", "\(dir)/runs"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("data file: the original \(dir)/data/t.csv is gone, and the store keeps no copy of it"), "\(r.stderr)")
        #expect(r.stderr.contains("store_copy was false): put the file back to run this"))
    }

    @Test func aBundleWithDataReproducesWhereTheFileIsNot() throws {
        let dir = try Self.files()
        let sweep = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let hash = try #require(SweepCommandTests.runs(try SweepCommandTests.summary(sweep)).keys.sorted().first)
        // --sweep takes the sweep file as well as a hash prefix.
        let listed = try CairnProcess.run(["ls", "--sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any])?.count == 2)
        let export = try CairnProcess.run(["export", "--bundle", "\(dir)/b.cairn", "--with-data", hash, "--store", "\(dir)/runs"])
        #expect(export.status == 0, "\(export.stderr)")
        try FileManager.default.removeItem(atPath: "\(dir)/data")
        try FileManager.default.removeItem(atPath: "\(dir)/runs")
        let other = "\(dir)/elsewhere"
        #expect(try CairnProcess.run(["import", "\(dir)/b.cairn", "--store", other]).status == 0)
        let r = try CairnProcess.run(["reproduce", hash, "--store", other])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("is gone)") && r.stdout.contains("REPRODUCED: \(hash) bit-identical"))
    }

    @Test func aBrokenFileIsOneLineExitTwoAndNothingRecorded() throws {
        let dir = try Self.files()
        try "a,b,colour,label\n1,2,red,yes\n3,x,blue,no\n".write(toFile: "\(dir)/data/t.csv", atomically: true, encoding: .utf8)
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs"])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(dir)/e.yaml: data: \(dir)/data/t.csv:3: column \"b\": \"x\" is not a number\n", "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/runs/cairn.sqlite"))
    }
}
