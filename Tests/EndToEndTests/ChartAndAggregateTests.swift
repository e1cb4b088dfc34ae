import Codecs
import Determinism
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import Tracker

/// `cairn compare`'s chart and `--aggregate seed`, on a store whose every value is known.
@Suite struct ChartAndAggregateTests {
    /// Five runs of one sweep: lr 0.01 with seeds 0, 1, 2 and lr 0.03 with seeds 0, 1; each with
    /// a val_accuracy curve over 5 epochs that ends at `finals`.
    static let finals: [(lr: Double, seed: Int, final: Double)] = [
        (0.01, 0, 0.80), (0.01, 1, 0.82), (0.01, 2, 0.87), (0.03, 0, 0.90), (0.03, 1, 0.70),
    ]

    static func store() throws -> (dir: String, sweep: String, hashes: [String]) {
        let dir = try CairnProcess.temporaryDirectory() + "/runs"
        let t = try Tracker(directory: dir)
        let planned = finals.enumerated().map { i, r in
            let params: [String: JSONValue] = ["train.lr": .number(r.lr), "train.seed": .number(Double(r.seed)), "model.hidden": [32]]
            return TestRun(
                hash: sha256Hex([Array("known run \(i)".utf8)]), name: "known", canonicalSpec: JSONValue.object(params).canonical,
                params: params)
        }
        try t.record(
            sweep: SweepRecord(
                hash: "5eed" + String(repeating: "0", count: 60), source: "s.yaml", definition: "{}", metric: "val_accuracy",
                goal: "maximize"),
            runs: planned)
        for (p, r) in zip(planned, finals) {
            // Epoch e of 5: final − 0.1 × (5 − e), so the first epoch is final − 0.4.
            var log = RunEvent.start(.init(attempt: 1, time: 0, provenance: nil)).line()
            for e in 1...5 {
                log += RunEvent.metrics(
                    .init(
                        scope: .epoch, step: e * 10, epoch: e, kind: .model,
                        values: ["val_accuracy": r.final - 0.1 * Double(5 - e), "val_loss": 1 - r.final])
                ).line()
            }
            log += RunEvent.end(.init(status: .completed, time: 1)).line()
            FileManager.default.createFile(atPath: t.eventLogPath(p.hash), contents: Data(log))
        }
        try t.ingestAll()
        return (dir, "5eed", planned.map(\.hash))
    }

    @Test func theChartHasLabelledAxesALegendAndTheCurvesExtent() throws {
        let (dir, _, hashes) = try Self.store()
        // Runs 3 (lr 0.03, seed 0: 0.5 … 0.9) and 4 (lr 0.03, seed 1: 0.3 … 0.7).
        let r = try CairnProcess.run(
            ["compare", hashes[3], hashes[4], "--store", dir, "--metric", "val_accuracy"], environment: ["COLUMNS": "80"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let title = try #require(lines.firstIndex(of: "val_accuracy"))
        let plot = Array(lines[(title + 1)...(title + 12)])
        // y axis: the range of both curves, top, middle and bottom.
        #expect(plot[0].hasPrefix("0.9000 ┤") && plot[6].hasPrefix("0.6000 ┤") && plot[11].hasPrefix("0.3000 ┤"), "\(plot)")
        // The first run's last point (0.9 at epoch 5) is the top right; the second's first
        // (0.3 at epoch 1) the bottom left: each marked with its run's marker.
        #expect(plot[0].hasSuffix("●") && plot[11].dropFirst("0.3000 ┤".count).hasPrefix("○"), "\(plot)")
        #expect(lines[title + 13].contains("└───"))
        let xAxis = lines[title + 14]
        #expect(xAxis.trimmingCharacters(in: .whitespaces).hasPrefix("1 ") && xAxis.hasSuffix(" 5") && xAxis.contains("epoch"))
        #expect(lines[title + 15] == "  ● \(hashes[3].prefix(12))  seed=0" && lines[title + 16] == "  ○ \(hashes[4].prefix(12))  seed=1")
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(!r.stdout.contains("\u{1B}"))  // not a terminal: no escape codes
        let none = try CairnProcess.run(["compare", hashes[3], hashes[4], "--store", dir, "--no-chart"])
        #expect(!none.stdout.contains("└"))
    }

    @Test func coloursOnlyOnATerminalAndNeverWithNoColor() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }  // bsdutils: on every Debian
        let (dir, sweep, _) = try Self.store()
        let command = "\(try CairnProcess.executable.path) compare --sweep \(sweep) --store \(dir)"
        func onTerminal(_ env: String) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qec", "\(env) \(command)", "/dev/null"]
            let out = Pipe()
            p.standardOutput = out
            p.standardInput = FileHandle.nullDevice
            try? p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let coloured = onTerminal("env -u NO_COLOR TERM=xterm")
        #expect(coloured.contains("\u{1B}[34m●\u{1B}[0m"), "\(coloured)")
        let plain = onTerminal("env NO_COLOR=1 TERM=xterm")
        #expect(plain.contains("val_accuracy") && plain.contains("●") && !plain.contains("\u{1B}"))
    }

    @Test func seedsAggregateToMeanAndSampleDeviation() throws {
        let (dir, sweep, _) = try Self.store()
        let r = try CairnProcess.run([
            "compare", "--sweep", sweep, "--store", dir, "--aggregate", "seed", "--metric", "val_accuracy", "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(groups.count == 2)
        func final(_ g: [String: Any]) -> [String: Any]? {
            ((g["metrics"] as? [String: Any])?["val_accuracy"] as? [String: Any])?["final"] as? [String: Any]
        }
        // By hand: (0.80 + 0.82 + 0.87) / 3 = 0.83; squares of deviations 0.0009 + 0.0001 + 0.0016,
        // over n − 1 = 2: 0.0013, std 0.036056. And (0.90 + 0.70) / 2 = 0.80; (0.01 + 0.01) / 1: std 0.141421.
        let a = try #require(groups.first { ($0["params"] as? [String: Any])?["train.lr"] as? Double == 0.01 })
        let b = try #require(groups.first { ($0["params"] as? [String: Any])?["train.lr"] as? Double == 0.03 })
        #expect(a["n"] as? Int == 3 && b["n"] as? Int == 2)
        #expect(
            abs((final(a)?["mean"] as? Double ?? 0) - 0.83) < 1e-12 && abs((final(a)?["std"] as? Double ?? 0) - 0.0013.squareRoot()) < 1e-12
        )
        #expect(
            abs((final(b)?["mean"] as? Double ?? 0) - 0.80) < 1e-12 && abs((final(b)?["std"] as? Double ?? 0) - 0.02.squareRoot()) < 1e-12)
        #expect((a["params"] as? [String: Any])?["train.seed"] == nil)

        let table = try CairnProcess.run(["compare", "--sweep", sweep, "--store", dir, "--aggregate", "seed", "--metric", "val_accuracy"])
        #expect(
            table.stdout.contains("0.8300 ± 0.0361") && table.stdout.contains("0.8000 ± 0.1414")
                && table.stdout.contains("2 groups of 5 runs"))
        // ls sorts groups by the mean; export writes one CSV row per group.
        let ls = try CairnProcess.run(["ls", "--store", dir, "--aggregate", "seed", "--sort", "val_accuracy", "--json"])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(ls.stdout.utf8)) as? [[String: Any]])
        #expect(listed.map { ($0["params"] as? [String: Any])?["train.lr"] as? Double } == [0.01, 0.03])
        let csv = try CairnProcess.run(["export", "--store", dir, "--aggregate", "seed", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv.count == 3 && csv[0].hasPrefix("model.hidden,train.lr,n,val_accuracy.mean,val_accuracy.std,val_accuracy.n"))
        #expect(csv.contains { $0.hasPrefix("[32],0.03,2,0.8,0.1414213562373") })
        let jsonl = try CairnProcess.run(["export", "--store", dir, "--aggregate", "seed", "--format", "jsonl"])
        #expect(jsonl.status == 2 && jsonl.stderr.contains("--aggregate gives one row per group"))
    }
}
