import Codecs
import Foundation
import TestSupport
import Testing

/// Bundles (`export --bundle`, `import`), `rm` and `tag`.
@Suite struct MovingRunsTests {
    @Test func aBundleImportsIntoAnEmptyStoreAndReproducesThere() throws {
        let (dir, hash) = try ReproduceCommandTests.recorded()
        #expect(try CairnProcess.run(["tag", hash, "baseline", "--note", "moved", "--store", "\(dir)/runs"]).status == 0)
        let bundle = "\(dir)/one.cairn"
        let e = try CairnProcess.run(["export", "--bundle", bundle, String(hash.prefix(10)), "--store", "\(dir)/runs"])
        #expect(e.status == 0, "\(e.stderr)")
        let other = "\(dir)/elsewhere"
        let i = try CairnProcess.run(["import", bundle, "--store", other, "--json"])
        #expect(i.status == 0, "\(i.stderr)")
        let imported = try #require(try JSONSerialization.jsonObject(with: Data(i.stdout.utf8)) as? [String: Any])
        #expect(imported["imported"] as? [String] == [hash] && (imported["objects"] as? Int ?? 0) >= 1)
        // The same run, the same results, the same labels; then reproduced from its hash alone.
        let before = try CairnProcess.run(["show", hash, "--store", "\(dir)/runs", "--json"])
        let after = try CairnProcess.run(["show", hash, "--store", other, "--json"])
        let a = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])
        #expect(NSDictionary(dictionary: a["run"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: b["run"] as? [String: Any] ?? [:]))
        #expect(
            (b["run"] as? [String: Any])?["tags"] as? [String] == ["baseline"]
                && (b["run"] as? [String: Any])?["note"] as? String == "moved")
        let r = try CairnProcess.run(["reproduce", hash, "--store", other])
        #expect(r.status == 0 && r.stdout.contains("REPRODUCED: \(hash) bit-identical"), "\(r.stdout)\(r.stderr)")
        // Importing again adds nothing.
        let again = try CairnProcess.run(["import", bundle, "--store", other, "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(o["present"] as? [String] == [hash] && (o["imported"] as? [String])?.isEmpty == true)
    }

    @Test func anAlteredBundleAddsNothing() throws {
        let (dir, hash) = try ReproduceCommandTests.recorded()
        let bundle = "\(dir)/one.cairn"
        #expect(try CairnProcess.run(["export", "--bundle", bundle, hash, "--store", "\(dir)/runs"]).status == 0)
        let text = String(decoding: try Gzip.decompress([UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle)))), as: UTF8.self)
        func write(_ s: String, _ name: String) throws -> String {
            let path = "\(dir)/\(name)"
            try Data(try Gzip.compress(Array(s.utf8))).write(to: URL(fileURLWithPath: path))
            return path
        }
        // A run whose config was changed no longer hashes to its name.
        let lr = try write(text.replacingOccurrences(of: "\\\"lr\\\":0.01", with: "\\\"lr\\\":0.02"), "lr.cairn")
        #expect(lr != bundle && text.contains("\\\"lr\\\":0.01"))
        let r1 = try CairnProcess.run(["import", lr, "--store", "\(dir)/a"])
        #expect(r1.status == 2 && r1.stderr.contains("its config does not hash to its name"), "\(r1.stderr)")
        // An object whose bytes changed no longer hashes to its name.
        var lines = text.split(separator: "\n").map(String.init)
        let objectLine = try #require(lines.firstIndex { $0.hasPrefix("{\"object\"") })
        var object = try #require(try JSONSerialization.jsonObject(with: Data(lines[objectLine].utf8)) as? [String: [String: String]])
        var bytes = [UInt8](Data(base64Encoded: object["object"]!["bytes"]!)!)
        bytes[bytes.count / 2] ^= 1
        object["object"]!["bytes"] = Data(bytes).base64EncodedString()
        lines[objectLine] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let r2 = try CairnProcess.run(["import", try write(lines.joined(separator: "\n"), "object.cairn"), "--store", "\(dir)/b"])
        #expect(r2.status == 2 && r2.stderr.contains("is corrupt: its bytes do not hash to its name"), "\(r2.stderr)")
        // A bundle cut short.
        let whole = try Data(contentsOf: URL(fileURLWithPath: bundle))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: "\(dir)/short.cairn"))
        let r3 = try CairnProcess.run(["import", "\(dir)/short.cairn", "--store", "\(dir)/c"])
        #expect(r3.status == 2 && r3.stderr.contains("short.cairn"))
        for store in ["a", "b", "c"] {
            let ls = try CairnProcess.run(["ls", "--store", "\(dir)/\(store)", "--json"])
            #expect(ls.stdout == "[]\n", "store \(store) got runs")
        }
    }

    @Test func tagsNotesAndRemoval() throws {
        let dir = try SweepCommandTests.files()
        let s = try SweepCommandTests.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"]))
        let hashes = SweepCommandTests.runs(s).keys.sorted()
        let store = ["--store", "\(dir)/runs"]
        #expect(try CairnProcess.run(["tag", String(hashes[0].prefix(8)), "best", "fig-2"] + store).status == 0)
        #expect(try CairnProcess.run(["tag", hashes[1], "fig-2", "--note", "second"] + store).status == 0)
        let bad = try CairnProcess.run(["tag", hashes[1], "two words"] + store)
        #expect(bad.status == 2 && bad.stderr.contains("\"two words\" is not a tag"))
        func listed(_ filter: String) throws -> [String] {
            let r = try CairnProcess.run(["ls", "--where", filter, "--json"] + store)
            return ((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []).compactMap {
                $0["hash"] as? String
            }.sorted()
        }
        #expect(try listed("tag = \"fig-2\"") == [hashes[0], hashes[1]])
        #expect(try listed("tag = \"best\"") == [hashes[0]])
        #expect(try listed("tag != \"fig-2\"") == Array(hashes[2...]))
        #expect(try CairnProcess.run(["tag", hashes[0], "--remove", "fig-2"] + store).status == 0)
        #expect(try listed("tag = \"fig-2\"") == [hashes[1]])
        let shown = try CairnProcess.run(["show", hashes[1]] + store).stdout
        #expect(shown.contains("tags      fig-2") && shown.contains("note      second"))

        // One bad prefix: nothing is removed.
        let refused = try CairnProcess.run(["rm", hashes[0], "zz"] + store)
        let stillFour = try listed("status = \"completed\"").count
        #expect(refused.status == 2 && stillFour == 4)
        let rm = try CairnProcess.run(["rm", hashes[0], hashes[1]] + store)
        #expect(rm.status == 0 && rm.stdout.contains("2 runs removed"))
        #expect(try listed("status = \"completed\"") == Array(hashes[2...]))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/runs/events/\(hashes[0]).jsonl"))
        // Their objects stay until gc; the store still verifies.
        #expect(try CairnProcess.run(["verify"] + store).status == 0)
        let gc = try CairnProcess.run(["gc", "--json"] + store)
        #expect(
            ((try JSONSerialization.jsonObject(with: Data(gc.stdout.utf8)) as? [String: Any])?["objects"] as? [String])?.isEmpty == false)
        // Planned again, a removed run trains afresh.
        let again = try SweepCommandTests.summary(try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--json"] + store))
        #expect(again["cached"] as? Int == 2 && again["completed"] as? Int == 2)
    }

    @Test func completionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CairnProcess.run(["--generate-completion-script", shell])
            #expect(r.status == 0 && r.stdout.contains("compare") && r.stdout.contains("reproduce"), "\(shell)")
        }
    }
}
