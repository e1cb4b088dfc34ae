import Codecs
import Determinism
import Foundation
import GRDB
import Vocabulary

/// A run as the store records it when it is planned: its identity, its canonical spec and the
/// params `--where` and listings see. The planner's `PlannedRun` is one (see Scheduler).
package protocol RecordableRun {
    var hash: String { get }
    var name: String { get }
    /// The fully resolved spec, canonical JSON (RFC 8785).
    var canonicalSpec: String { get }
    var numericsVersion: Int { get }
    var datasetSHA256: String { get }
    /// Every key of the spec, flattened (`train.lr`), as typed JSON values.
    var recordedParams: [String: JSONValue] { get }
}

/// A run to record that no planner made: a benchmark's or a test's, written out by hand.
package struct RunEntry: RecordableRun, Sendable {
    package let hash: String
    package let name: String
    package let canonicalSpec: String
    package let numericsVersion: Int
    package let datasetSHA256: String
    package let params: [String: JSONValue]
    package var recordedParams: [String: JSONValue] { params }

    package init(
        hash: String, name: String, canonicalSpec: String, numericsVersion: Int, datasetSHA256: String,
        params: [String: JSONValue]
    ) {
        self.hash = hash
        self.name = name
        self.canonicalSpec = canonicalSpec
        self.numericsVersion = numericsVersion
        self.datasetSHA256 = datasetSHA256
        self.params = params
    }
}

extension Tracker {
    /// Records a sweep and its runs in one transaction. Runs already in the store (by hash) keep
    /// their status and results and join the sweep; new ones are `planned`. Returns the records
    /// as stored, in plan order.
    @discardableResult
    package func record<R: RecordableRun>(sweep: SweepRecord?, runs: [R]) throws -> [RunRecord] {
        try db.write { db in
            var sweepId: Int64?
            if var s = sweep {
                if let existing = try SweepRecord.filter(Column("hash") == s.hash).fetchOne(db) {
                    sweepId = existing.id
                } else {
                    try s.insert(db)
                    sweepId = s.id
                }
            }
            // Prepared once: a sweep records thousands of params, and GRDB's Codable records
            // cost more per row than the inserts.
            let insertParam = try db.cachedStatement(sql: "INSERT INTO param (runId, key, type, number, text) VALUES (?, ?, ?, ?, ?)")
            let join = try db.cachedStatement(sql: "INSERT OR IGNORE INTO sweepRun (sweepId, runId, position) VALUES (?, ?, ?)")
            var out: [RunRecord] = []
            for (position, planned) in runs.enumerated() {
                var run: RunRecord
                if let existing = try RunRecord.fetch(db, hash: planned.hash) {
                    run = existing
                } else {
                    run = RunRecord(
                        hash: planned.hash, name: planned.name, config: planned.canonicalSpec,
                        numericsVersion: planned.numericsVersion, datasetSHA256: planned.datasetSHA256)
                    try run.insert(db)
                    for (key, value) in planned.recordedParams.sorted(by: { $0.key < $1.key }) {
                        let p = ParamRecord(runId: run.id!, key: key, value: value)
                        try insertParam.execute(arguments: [p.runId, p.key, p.type, p.number, p.text])
                    }
                }
                if let sweepId { try join.execute(arguments: [sweepId, run.id!, position]) }
                out.append(run)
            }
            return out
        }
    }

}

extension ParamRecord {
    /// A param from its typed JSON value: numbers and booleans compare as numbers.
    init(runId: Int64, key: String, value: JSONValue) {
        self.runId = runId
        self.key = key
        switch value {
        case .number(let d):
            type = "number"
            number = d
            text = nil
        case .bool(let b):
            type = "bool"
            number = b ? 1 : 0
            text = b ? "true" : "false"
        case .string(let s):
            type = "string"
            number = nil
            text = s
        default:
            type = "json"
            number = nil
            text = value.canonical
        }
    }

    package var json: JSONValue {
        switch type {
        case "number": return number.map { .number($0) } ?? .null
        case "bool": return .bool(number == 1)
        case "string": return text.map { .string($0) } ?? .null
        default: return (text.flatMap { try? JSONValue.parse(Array($0.utf8)) }) ?? .null
        }
    }
}

extension Tracker {
    /// Writes each run's spec file (`StoreLayout.spec`: its `RunIdentity` bytes, whose SHA-256
    /// is the run's hash) unless it is there already: all a run's process reads of the store
    /// before it trains. Atomic (temp file, rename), not fsynced: a spec lost in a crash is
    /// written again before the run's next start.
    package func writeSpecs(_ records: [RunRecord]) throws {
        for record in records {
            let path = layout.spec(record.hash)
            guard !FileManager.default.fileExists(atPath: path) else { continue }
            guard let spec = try? JSONValue.parse(Array(record.config.utf8)), case .object = spec else {
                throw StoreError("run \(record.hash.prefix(12)): its stored spec is not a JSON object")
            }
            try writeAtomically(
                RunIdentity.bytes(spec: spec, datasetSHA256: record.datasetSHA256, numericsVersion: record.numericsVersion), to: path)
        }
    }
}
