import Foundation
import TestSupport
import Testing

/// `cairn ls` and `cairn show` on a small recorded sweep.
@Suite struct ReadCommandTests {
    @Test func lsListsSortsFiltersAndFits() throws {
        let dir = try SweepCommandTests.files()
        let sweep = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(sweep.status == 0)
        let all = try CairnProcess.run(["ls", "--store", "\(dir)/runs", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 4)
        let sorted = try CairnProcess.run(["ls", "--store", "\(dir)/runs", "--sort", "test_loss", "--limit", "2", "--json"])
        let top = try #require(try JSONSerialization.jsonObject(with: Data(sorted.stdout.utf8)) as? [[String: Any]])
        let losses = rows.compactMap { (($0["metrics"] as? [String: Any])?["test_loss"] as? [String: Any])?["final"] as? Double }.sorted()
        #expect(top.count == 2)
        #expect(((top[0]["metrics"] as? [String: Any])?["test_loss"] as? [String: Any])?["final"] as? Double == losses.first)
        // --order reverses the goal's order: the worst test_loss first.
        let reversed = try CairnProcess.run([
            "ls", "--store", "\(dir)/runs", "--sort", "test_loss", "--order", "desc", "--limit", "1", "--json",
        ])
        let worst = try #require(try JSONSerialization.jsonObject(with: Data(reversed.stdout.utf8)) as? [[String: Any]])
        #expect(((worst.first?["metrics"] as? [String: Any])?["test_loss"] as? [String: Any])?["final"] as? Double == losses.last)
        let filtered = try CairnProcess.run(["ls", "--store", "\(dir)/runs", "--where", "lr > 0.02", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [[String: Any]])?.count == 2)
        // In a narrow terminal, columns are dropped with a note, never wrapped; no escape codes.
        let narrow = try CairnProcess.run(["ls", "--store", "\(dir)/runs"], environment: ["COLUMNS": "50"])
        #expect(narrow.stdout.split(separator: "\n").allSatisfy { $0.count <= 50 || $0.contains("do not fit") })
        #expect(narrow.stdout.contains("columns do not fit in 50"))
        #expect(!narrow.stdout.contains("\u{1B}"))
        let bad = try CairnProcess.run(["ls", "--store", "\(dir)/runs", "--status", "done"])
        #expect(bad.status == 2 && bad.stderr.contains("--status done: expected one of"))
    }

    @Test func showPrintsTheRunInFull() throws {
        let dir = try SweepCommandTests.files()
        let sweep = try SweepCommandTests.summary(
            try CairnProcess.run([
                "sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--set", "train.seed=0", "--set", "train.lr=0.01", "--json",
            ]))
        let hash = try #require(SweepCommandTests.runs(sweep).keys.first)
        let r = try CairnProcess.run(["show", String(hash.prefix(8)), "--store", "\(dir)/runs"])
        #expect(r.status == 0)
        for part in ["run \(hash)", "status    completed", "train.lr", "test_accuracy", "checkpoints", "log  "] {
            #expect(r.stdout.contains(part), "missing \(part)")
        }
        let j = try CairnProcess.run(["show", hash, "--store", "\(dir)/runs", "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect((o["checkpoints"] as? [Any])?.isEmpty == false && o["provenance"] != nil && o["config"] != nil)
    }
}

@Suite struct CompareCommandTests {
    @Test func diffAndCompare() throws {
        let dir = try SweepCommandTests.files()
        let s = try SweepCommandTests.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"]))
        let runs = SweepCommandTests.runs(s)
        let byParams = Dictionary(
            uniqueKeysWithValues: runs.map { h, r in
                ("\((r["params"] as? [String: Any])?["train.lr"] ?? "")/\((r["params"] as? [String: Any])?["train.seed"] ?? "")", h)
            })
        let a = try #require(byParams["0.01/0"])
        let b = try #require(byParams["0.03/0"])
        let d = try CairnProcess.run(["diff", a, b, "--store", "\(dir)/runs", "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as? [String: Any])
        #expect((o["config"] as? [String: Any])?.keys.sorted() == ["train.lr"])
        #expect(o["checkpoints_identical"] as? Bool == false)
        #expect(((o["first_divergence_epoch"] as? [String: Any])?["test_loss"] as? Int) == 1)
        let same = try CairnProcess.run(["diff", a, a, "--store", "\(dir)/runs", "--json"])
        let p = try #require(try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        #expect(p["checkpoints_identical"] as? Bool == true && (p["first_divergence_epoch"] as? [String: Any])?.isEmpty == true)
        let csv = try CairnProcess.run([
            "compare", "--sweep", s["sweep_hash"] as! String, "--store", "\(dir)/runs", "--metric", "test_loss", "--format", "csv",
        ])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "run,train.lr,train.seed,test_loss,test_loss.best" && lines.count == 5)
    }
}
