import Determinism
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Tracker

@Suite struct FilterTests {
    /// A store of 8 runs: lr 0.1/0.01/0.001/0.0001 × adam/sgd, val_accuracy rising with lr.
    static func store() throws -> Tracker {
        let t = try freshStore()
        var runs: [RunEntry] = []
        for (i, lr) in [0.1, 0.01, 0.001, 0.0001].enumerated() {
            for (j, opt) in ["adam", "sgd"].enumerated() { runs.append(planned(i * 2 + j, lr: lr, optimizer: opt)) }
        }
        try t.record(sweep: nil, runs: runs)
        for (k, r) in runs.enumerated() {
            try append(
                t, r.hash,
                [
                    epochMetrics(1, ["val_accuracy": 0.5 + Double(k) * 0.05, "val_loss": 1.0 - Double(k) * 0.1]),
                    .end(.init(status: k == 7 ? .failed : .completed, time: 1)),
                ])
        }
        try t.ingestAll()
        return t
    }

    func names(_ t: Tracker, _ q: RunQuery) throws -> [String] { try t.runs(q).map(\.record.name) }
    func set(_ t: Tracker, _ q: RunQuery) throws -> Set<String> { Set(try names(t, q)) }

    @Test func validExpressions() throws {
        let t = try Self.store()
        #expect(try set(t, RunQuery(filter: "train.lr < 0.01")) == ["t4", "t5", "t6", "t7"])
        #expect(try set(t, RunQuery(filter: "lr < 0.01 and val_accuracy >= 0.8")) == ["t6", "t7"])
        #expect(try names(t, RunQuery(filter: "optimizer = \"adam\" or optimizer = 'sgd'")).count == 8)
        #expect(try names(t, RunQuery(filter: "not (optimizer == \"adam\") and val_loss.min < 0.45")) == ["t7"])
        #expect(try names(t, RunQuery(filter: "status = \"failed\"")) == ["t7"])
        #expect(try set(t, RunQuery(filter: "train.nesterov = true")) == ["t0", "t2", "t4", "t6"])
        #expect(try set(t, RunQuery(filter: "val_accuracy.max > 0.6 AND lr >= 1e-3")) == ["t3", "t4", "t5"])
        #expect(try names(t, RunQuery(sort: "val_accuracy", descending: true, limit: 3)) == ["t7", "t6", "t5"])
        #expect(try names(t, RunQuery(filter: "optimizer != \"sgd\"", sort: "lr")) == ["t6", "t4", "t2", "t0"])
        #expect(try names(t, RunQuery(statuses: [.failed])) == ["t7"])
    }

    /// Pages sorted by a metric (read in the index's order) are the sorted listing cut into
    /// pieces: ties by hash, runs without the metric (or with a null final value) last, with
    /// a filter or without, in either direction.
    @Test func pagesSortedByAMetricCutTheWholeOrder() throws {
        let t = try freshStore()
        let losses: [Double??] = [0.3, 0.1, .none, 0.3, 0.2, .some(nil), 0.1, 0.5, 0.3, .none, 0.2, 0.4, 0.1]
        let runs = losses.indices.map { planned($0, optimizer: $0 % 3 == 0 ? "sgd" : "adam") }
        try t.record(sweep: nil, runs: runs)
        for (r, loss) in zip(runs, losses) {
            let values: [String: Double?] = loss.map { ["val_loss": $0, "val_accuracy": 0.5] } ?? ["val_accuracy": 0.5]
            try append(t, r.hash, [epochMetrics(1, values), .end(.init(status: .completed, time: 1))])
        }
        try t.ingestAll()
        for filter in [nil, "optimizer = \"adam\""] {
            for descending in [false, true] {
                var valued: [(hash: String, value: Double)] = []
                var missing: [String] = []
                for (r, loss) in zip(runs, losses) where filter == nil || r.params["train.optimizer"] == .string("adam") {
                    if case .some(.some(let v)) = loss { valued.append((r.hash, v)) } else { missing.append(r.hash) }
                }
                valued.sort { a, b in a.value != b.value ? (a.value < b.value) != descending : a.hash < b.hash }
                let expected: [String] = valued.map(\.hash) + missing.sorted()
                let whole = try t.runs(RunQuery(filter: filter, sort: "val_loss", descending: descending)).map(\.record.hash)
                #expect(whole == expected)
                for size in 1...5 {
                    var pages: [String] = []
                    for offset in stride(from: 0, to: expected.count + size, by: size) {
                        let q = RunQuery(filter: filter, sort: "val_loss", descending: descending, limit: size, offset: offset)
                        pages += try t.runs(q).map(\.record.hash)
                    }
                    #expect(pages == expected, "pages of \(size), \(filter ?? "no filter"), descending: \(descending)")
                }
            }
        }
    }

    @Test(arguments: [
        ("lr <", "--where: expected a value after < at column 5\n  lr <\n      ^"),
        ("lr < 0.01 and", "--where: expected a comparison such as train.lr < 0.01 at column 14\n  lr < 0.01 and\n               ^"),
        ("lr 0.01", "--where: unexpected \"0.01\": expected a comparison (=, !=, <, <=, >, >=) at column 4\n  lr 0.01\n     ^"),
        ("(lr < 1", "--where: missing \")\" at column 8\n  (lr < 1\n         ^"),
        (
            "optimizer = adam",
            "--where: \"adam\" is not a value: quote strings, as in optimizer = \"adam\" at column 13\n  optimizer = adam\n              ^"
        ),
        ("lr = \"abc", "--where: unterminated string at column 6\n  lr = \"abc\n       ^"),
        ("lr = 1; DROP TABLE runs", "--where: unexpected character \";\" at column 7\n  lr = 1; DROP TABLE runs\n        ^"),
        (
            "lr = 1 DROP TABLE run",
            "--where: unexpected \"DROP\": expected and, or, or the end at column 8\n  lr = 1 DROP TABLE run\n         ^"
        ),
        ("lr => 1", "--where: unexpected \">\": expected a value at column 5\n  lr => 1\n      ^"),
        ("", "--where: expected a comparison such as train.lr < 0.01 at column 1\n  \n  ^"),
    ])
    func malformedExpressions(_ text: String, _ message: String) {
        #expect { try Filter.parse(text) } throws: { "\($0)" == message }
    }

    @Test func injectionAttemptsAreValuesNotSQL() throws {
        let t = try Self.store()
        #expect(try names(t, RunQuery(filter: "optimizer = \"adam'); DROP TABLE run; --\"")) == [])
        #expect(try names(t, RunQuery(filter: "optimizer = 'x\" OR 1=1 --'")) == [])
        #expect(try t.runs().count == 8, "the run table is intact")
        #expect { try t.runs(RunQuery(filter: "lr = 1; DROP TABLE run")) } throws: { $0 is Filter.ParseError }
        #expect { try t.runs(RunQuery(filter: "sqlite_master = 1")) } throws: {
            "\($0)".contains("no param or metric is called \"sqlite_master\"")
        }
        #expect(try t.runs().count == 8)
    }

    @Test func unknownAndAmbiguousNames() throws {
        let t = try Self.store()
        #expect { try t.runs(RunQuery(filter: "learning_rate < 1")) } throws: {
            "\($0)".hasPrefix("--where: no param or metric is called \"learning_rate\"; known: ")
        }
        #expect { try t.runs(RunQuery(filter: "val_accuracy = \"high\"")) } throws: {
            "\($0)" == "--where: metric val_accuracy is compared with a number"
        }
    }
}
