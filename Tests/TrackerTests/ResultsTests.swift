import Codecs
import Determinism
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import Tracker

/// The read side's results as a module, without the command-line tool: seed groups, export
/// and run diffs, on a store written by hand.
struct ResultsTests {
    /// Four runs: lr 0.1 with seeds 0 and 1, lr 0.01 with seeds 0 and 1; val_accuracy per epoch.
    static func store() throws -> (Tracker, [String]) {
        let t = try freshStore()
        let runs = [(0.1, 0, [0.5, 0.7]), (0.1, 1, [0.5, 0.9]), (0.01, 0, [0.4, 0.6]), (0.01, 1, [0.4, 0.6])].enumerated().map { i, r in
            let params: [String: JSONValue] = ["train.lr": .number(r.0), "train.seed": .number(Double(r.1)), "name": "a, \"b\""]
            return (
                TestRun(
                    hash: sha256Hex([Array("result \(i)".utf8)]), name: "r\(i)", canonicalSpec: JSONValue.object(params).canonical,
                    params: params), r.2
            )
        }
        try t.record(sweep: nil, runs: runs.map(\.0))
        for (run, values) in runs {
            try append(
                t, run.hash,
                values.enumerated().map { e, v in epochMetrics(e + 1, ["val_accuracy": v]) }
                    + [
                        .checkpoint(
                            .init(
                                object: String(repeating: values == [0.4, 0.6] ? "c" : run.hash.prefix(1).description, count: 64),
                                step: 20, epoch: 2, kinds: [.final], rawSize: 1, storedSize: 1)),
                        .end(.init(status: .completed, time: 1)),
                    ])
        }
        try t.ingest(runs: runs.map(\.0.hash))
        return (t, runs.map(\.0.hash))
    }

    @Test func seedGroupsHaveTheMeanAndSampleDeviationOfTheirRuns() throws {
        let (t, _) = try Self.store()
        let groups = SeedGroup.group(try t.runs())
        #expect(groups.count == 2)
        let high = try #require(groups.first { $0.params["train.lr"] == .number(0.1) })
        #expect(high.runs.count == 2 && high.params["train.seed"] == nil)
        let s = try #require(high.final("val_accuracy"))
        #expect(s.n == 2 && abs(s.mean - 0.8) < 1e-12)
        #expect(abs(s.std! - (0.02).squareRoot()) < 1e-12)  // ((0.1² + 0.1²) / 1)^½
        #expect(SeedGroup.sorted(groups, by: "val_accuracy").first?.params["train.lr"] == .number(0.1))
        #expect(SeedGroup.isSeed("data.split_seed") && !SeedGroup.isSeed("train.seeded"))
    }

    @Test func csvQuotesFieldsAndHasAColumnPerParamAndStatistic() throws {
        let (t, hashes) = try Self.store()
        let lines = RunExport.csv(try t.runs()).split(separator: "\n").map(String.init)
        #expect(lines[0] == "hash,name,status,name,train.lr,train.seed,val_accuracy.final,val_accuracy.min,val_accuracy.max")
        #expect(lines.count == 5)
        #expect(lines[1] == "\(hashes[0]),r0,completed,\"a, \"\"b\"\"\",0.1,0,0.7,0.5,0.7")
        let json = RunExport.json(try t.runs()[0])
        #expect(json["metrics"]?["val_accuracy"]?["final"] == .number(0.7))
        #expect(json["metrics"]?["val_accuracy"]?["kind"] == .string("model"))
    }

    @Test func diffNamesTheConfigChangeAndTheFirstEpochThatDiffers() throws {
        let (t, h) = try Self.store()
        let d = try t.diff(h[0], h[1])
        #expect(d.config.map(\.key) == ["train.seed"])
        #expect(d.metrics == [RunDiff.Metric(key: "val_accuracy", finalA: 0.7, finalB: 0.9, firstDifferentEpoch: 2)])
        #expect(!d.checkpointsIdentical)
        let same = try t.diff(h[2], h[3])
        #expect(same.metrics.first?.firstDifferentEpoch == nil && same.checkpointsIdentical)
    }

    @Test func modelHistoriesCompareBitForBit() throws {
        let (t, h) = try Self.store()
        let a = try t.modelHistory(run: h[2])
        let b = try t.modelHistory(run: h[3])
        let c = try t.modelHistory(run: h[0])
        #expect(ModelHistory.firstDifference(a, b) == .identical(points: 2))
        #expect(ModelHistory.firstDifference(a, c) == .differs(key: "val_accuracy", scope: .epoch, step: 10, a: 0.4, b: 0.5))
    }
}

/// A listing may ask for less than every param and metric; what it gets is exactly the part
/// of the full rows it asked for.
struct ListingSelectionTests {
    @Test func varyingParamsAreTheKeysThatVaryAcrossTheListedRuns() throws {
        let (t, hashes) = try ResultsTests.store()
        let full = try t.runs()
        let lean = try t.runs(RunQuery(params: .varying, metrics: ["val_accuracy"], configs: false))
        let varying = JSONValue.varyingKeys(full.map(\.params))
        #expect(varying == ["train.lr", "train.seed"])
        #expect(lean.map(\.record.hash) == full.map(\.record.hash))
        for (a, b) in zip(lean, full) {
            #expect(a.params == b.params.filter { varying.contains($0.key) })
            #expect(a.summaries == b.summaries.filter { $0.key == "val_accuracy" })
            #expect(a.record.config.isEmpty && !b.record.config.isEmpty)
        }
        // Over two runs that share their lr, only the seed varies.
        let two = try t.runs(RunQuery(hashes: Array(hashes.prefix(2)), params: .varying))
        #expect(two.allSatisfy { Array($0.params.keys) == ["train.seed"] })
    }
}
