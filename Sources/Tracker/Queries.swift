import Codecs
import Determinism
import Foundation
import GRDB

/// A listed run: its record, its params and its metric summaries.
public struct RunRow: Sendable {
    public let record: RunRecord
    public let params: [String: JSONValue]
    public let summaries: [String: SummaryRecord]
    /// Labels people gave the run (`cairn tag`), sorted.
    public let tags: [String]
}

public struct MetricPoint: Sendable, Equatable {
    public let scope: String
    public let step: Int
    public let epoch: Int
    public let value: Double?
    /// `model` (deterministic) or `machine`.
    public let kind: String
}

/// What `runs(_:)` lists.
public struct RunQuery: Sendable {
    /// A sweep-hash prefix.
    public var sweep: String?
    public var statuses: [RunStatus] = []
    /// An expression in the `--where` language (see `Filter`).
    public var filter: String?
    /// A param key or metric name (its final value); runs without it sort last.
    public var sort: String?
    public var descending = false
    public var limit: Int?
    /// Only these runs (full hashes), listed in this order unless `sort` is given.
    public var hashes: [String]?
    public init(sweep: String? = nil, statuses: [RunStatus] = [], filter: String? = nil, sort: String? = nil, descending: Bool = false,
                limit: Int? = nil, hashes: [String]? = nil) {
        self.hashes = hashes
        self.sweep = sweep
        self.statuses = statuses
        self.filter = filter
        self.sort = sort
        self.descending = descending
        self.limit = limit
    }
}

/// A list of row ids as one bound argument, for `IN (SELECT value FROM json_each(?))`: any
/// number of ids, one statement, nothing pasted into the SQL.
func jsonList(_ ids: [Int64]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }

extension Tracker {
    /// The one run whose hash starts with `prefix`: an unknown prefix, or one several runs
    /// share, is an error that lists the candidates.
    public func resolve(_ prefix: String) throws -> String {
        let p = prefix.lowercased()
        guard !p.isEmpty, p.allSatisfy(\.isHexDigit) else { throw StoreError("\"\(prefix)\" is not a run hash or prefix (hex digits)") }
        let matches = try db.read { db in
            try String.fetchAll(db, RunRecord.select(Column("hash")).filter(Column("hash").like("\(p)%")).order(Column("hash")).limit(11))
        }
        switch matches.count {
        case 0: throw StoreError("no run matches \(prefix) in \(directory)")
        case 1: return matches[0]
        default:
            let list = matches.prefix(10).map { "  \($0.prefix(16))" }.joined(separator: "\n")
            throw StoreError("\(prefix) is ambiguous: it matches \(matches.count > 10 ? "more than 10" : "\(matches.count)") runs:\n\(list)")
        }
    }

    /// The sweep whose hash starts with `prefix`.
    public func sweep(_ prefix: String) throws -> SweepRecord {
        let p = prefix.lowercased()
        let matches = try db.read { db in try SweepRecord.filter(Column("hash").like("\(p)%")).limit(11).fetchAll(db) }
        guard matches.count == 1 else {
            throw StoreError(matches.isEmpty ? "no sweep matches \(prefix) in \(directory)"
                             : "\(prefix) is ambiguous: it matches \(matches.count) sweeps: \(matches.map { String($0.hash.prefix(12)) }.joined(separator: ", "))")
        }
        return matches[0]
    }

    /// Runs, filtered and sorted, with their params and summaries (three queries in all).
    public func runs(_ q: RunQuery = RunQuery()) throws -> [RunRow] {
        let filter = try q.filter.map(Filter.parse)
        return try db.read { db in
            var request = RunRecord.all()
            var sweepId: Int64?
            if let s = q.sweep {
                let sweep = try SweepRecord.filter(Column("hash").like("\(s.lowercased())%")).fetchAll(db)
                guard sweep.count == 1, let id = sweep[0].id else {
                    throw StoreError(sweep.isEmpty ? "no sweep matches \(s)" : "\(s) matches \(sweep.count) sweeps")
                }
                sweepId = id
                request = request.filter(sql: "id IN (SELECT runId FROM sweepRun WHERE sweepId = ?)", arguments: [id])
            }
            if !q.statuses.isEmpty { request = request.filter(q.statuses.map(\.rawValue).contains(Column("status"))) }
            if let hashes = q.hashes { request = request.filter(hashes.contains(Column("hash"))) }
            var names: Filter.Names?
            func knownNames() throws -> Filter.Names {
                if let names { return names }
                let n = Filter.Names(params: try String.fetchSet(db, sql: "SELECT DISTINCT key FROM param"),
                                     metrics: try String.fetchSet(db, sql: "SELECT DISTINCT key FROM summary"))
                names = n
                return n
            }
            if let filter { request = request.filter(literal: try filter.sql(try knownNames())) }
            if let sort = q.sort {
                let direction = SQL(sql: q.descending ? "DESC" : "ASC")
                let key: SQL
                switch sort {
                case "status", "name", "hash", "createdAt", "finishedAt":
                    key = SQL(Column(sort))
                default:
                    switch try knownNames().resolve(sort) {
                    case .param(let k):
                        key = "(SELECT coalesce(p.number, p.text) FROM param p WHERE p.runId = run.id AND p.key = \(k))"
                    case .metric(let k, let column):
                        key = "(SELECT s.\(SQL(sql: column)) FROM summary s WHERE s.runId = run.id AND s.key = \(k))"
                    case .column(let c):
                        key = SQL(Column(c))
                    case .tag:
                        throw StoreError("--sort: runs cannot be sorted by tag; filter with --where 'tag = \"name\"'")
                    }
                }
                request = request.order(literal: "\(key) IS NULL, \(key) \(direction), hash")
            } else if let sweepId {
                request = request.order(literal: "(SELECT position FROM sweepRun WHERE sweepId = \(sweepId) AND runId = run.id)")  // plan order
            } else {
                request = request.order(Column("createdAt"), Column("id"))
            }
            if let limit = q.limit { request = request.limit(limit) }
            let records = try RunRecord.fetchAll(db, rows: try Row.fetchCursor(db, request.select(RunRecord.columns.map { Column($0) })))
            let ids = records.compactMap(\.id)
            // Rows decoded by hand: Codable costs more than the query for thousands of rows.
            var params: [Int64: [String: JSONValue]] = [:]
            let paramRows = try Row.fetchCursor(db, sql: "SELECT runId, key, type, number, text FROM param WHERE runId IN (SELECT value FROM json_each(?))",
                                                arguments: [jsonList(ids)])
            while let r = try paramRows.next() {
                let p = ParamRecord(runId: r[0], key: r[1], type: r[2], number: r[3], text: r[4])
                params[p.runId, default: [:]][p.key] = p.json
            }
            var summaries: [Int64: [String: SummaryRecord]] = [:]
            let summaryRows = try Row.fetchCursor(db, sql: "SELECT runId, key, kind, final, finalStep, min, max FROM summary WHERE runId IN (SELECT value FROM json_each(?))",
                                                  arguments: [jsonList(ids)])
            while let r = try summaryRows.next() {
                let s = SummaryRecord(runId: r[0], key: r[1], kind: r[2], final: r[3], finalStep: r[4], min: r[5], max: r[6])
                summaries[s.runId, default: [:]][s.key] = s
            }
            var tags: [Int64: [String]] = [:]
            let tagRows = try Row.fetchCursor(db, sql: "SELECT runId, name FROM tag WHERE runId IN (SELECT value FROM json_each(?)) ORDER BY name",
                                              arguments: [jsonList(ids)])
            while let r = try tagRows.next() { tags[r[0], default: []].append(r[1]) }
            let rows = records.map { RunRow(record: $0, params: params[$0.id!] ?? [:], summaries: summaries[$0.id!] ?? [:], tags: tags[$0.id!] ?? []) }
            guard let hashes = q.hashes, q.sort == nil else { return rows }
            let byHash = Dictionary(rows.map { ($0.record.hash, $0) }, uniquingKeysWith: { a, _ in a })
            return hashes.compactMap { byHash[$0] }
        }
    }

    /// Full metric histories of several runs in one query: hash → key → points by step.
    public func history(runs hashes: [String], keys: [String]? = nil) throws -> [String: [String: [MetricPoint]]] {
        try db.read { db in
            var sql: SQL = """
                SELECT run.hash, series.key, series.scope, point.step, point.epoch, point.value, series.kind
                FROM point JOIN series ON series.id = point.seriesId JOIN run ON run.id = series.runId
                WHERE run.hash IN \(hashes)
                """
            if let keys { sql = "\(sql) AND series.key IN \(keys)" }
            // By step; at one step, the step point before the end-of-epoch point.
            let request = SQLRequest<Row>("\(sql) ORDER BY run.hash, series.key, point.step, series.scope = 'epoch'")
            var out: [String: [String: [MetricPoint]]] = [:]
            for row in try request.fetchAll(db) {
                out[row[0], default: [:]][row[1], default: []].append(MetricPoint(scope: row[2], step: row[3], epoch: row[4], value: row[5], kind: row[6]))
            }
            return out
        }
    }

    /// The records of these runs, in the order given.
    public func runs(_ hashes: [String]) throws -> [RunRecord] {
        let records = try db.read { db in try RunRecord.filter(hashes.contains(Column("hash"))).fetchAll(db) }
        let byHash = Dictionary(records.map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
        return hashes.compactMap { byHash[$0] }
    }

    public func checkpoints(run hash: String) throws -> [CheckpointRecord] {
        try db.read { db in
            try CheckpointRecord.filter(sql: "runId = (SELECT id FROM run WHERE hash = ?)", arguments: [hash]).order(Column("step")).fetchAll(db)
        }
    }

    public func provenance(run hash: String) throws -> ProvenanceRecord? {
        try db.read { db in try ProvenanceRecord.filter(sql: "runId = (SELECT id FROM run WHERE hash = ?)", arguments: [hash]).fetchOne(db) }
    }

    // MARK: Verify, gc, export

    public struct VerifyReport: Sendable {
        /// Object hash → the runs that reference it.
        public var missing: [String: [String]] = [:]
        public var corrupt: [String: [String]] = [:]
        public var orphaned: [String] = []
        public var checked = 0
        public var integrity = "ok"
        public var ok: Bool { missing.isEmpty && corrupt.isEmpty && integrity == "ok" }
    }

    /// Re-hashes every object and checks every reference: missing and corrupt objects (with
    /// the runs they affect), objects no run references, and SQLite's integrity check.
    public func verify() throws -> VerifyReport {
        var report = VerifyReport()
        let refs = try db.read { db -> [String: [String]] in
            var refs: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT checkpoint.object, run.hash FROM checkpoint JOIN run ON run.id = checkpoint.runId") {
                refs[row[0], default: []].append(row[1])
            }
            report.integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            return refs
        }
        let present = Set(objects.all())
        for (object, runs) in refs {
            report.checked += 1
            guard present.contains(object) else { report.missing[object] = runs.sorted(); continue }
            do { _ = try objects.get(object) } catch { report.corrupt[object] = runs.sorted() }
        }
        report.orphaned = present.subtracting(refs.keys).sorted()
        return report
    }

    /// Objects no run references; removed when `apply`. Returns them and the bytes they hold.
    public func gc(apply: Bool) throws -> (objects: [String], bytes: Int) {
        let referenced = try db.read { db in try String.fetchSet(db, sql: "SELECT DISTINCT object FROM checkpoint") }
        let unreferenced = objects.all().filter { !referenced.contains($0) }
        let bytes = unreferenced.reduce(0) { $0 + objects.storedSize($1) }
        if apply { for o in unreferenced { try objects.remove(o) } }
        return (unreferenced, bytes)
    }

    /// Bytes the store takes on disk (index, objects, logs).
    public func sizeOnDisk() -> Int {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: directory) else { return 0 }
        var total = 0
        while let f = e.nextObject() as? String {
            if let a = try? fm.attributesOfItem(atPath: "\(directory)/\(f)"), a[.type] as? FileAttributeType == .typeRegular {
                total += a[.size] as? Int ?? 0
            }
        }
        return total
    }
}

extension Tracker {
    /// Removes runs from the index, with their points (which carry no foreign key) and, through
    /// cascades, their series, params, summaries, tags, checkpoints and sweep memberships; then
    /// their event logs, outputs and leases (a removed run planned again starts afresh, rather
    /// than re-ingesting its old log). Objects may be shared: they stay until `gc(apply: true)`.
    public func remove(runs hashes: [String]) throws {
        try removeRows(hashes)
        for hash in hashes {
            for path in [eventLogPath(hash), logPath(hash), leasePath(hash)] { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    func removeRows(_ hashes: [String]) throws {
        try db.write { db in
            let ids = try Int64.fetchAll(db, RunRecord.select(Column("id")).filter(hashes.contains(Column("hash"))))
            guard !ids.isEmpty else { return }
            try db.execute(sql: """
                DELETE FROM point WHERE seriesId IN (SELECT id FROM series WHERE runId IN (SELECT value FROM json_each(?)))
                """, arguments: [jsonList(ids)])
            _ = try RunRecord.filter(ids.contains(Column("id"))).deleteAll(db)
        }
    }
}

extension Tracker {
    /// Claims a run for this process: sets it `queued` with the next attempt only if it is
    /// still in the state the caller saw (status and attempts), so of two schedulers racing for
    /// one run exactly one wins. Returns whether this one did.
    public func claim(run hash: String, sawStatus: RunStatus, sawAttempts: Int) throws -> Bool {
        try db.write { db in
            try db.execute(sql: """
                UPDATE run SET status = 'queued', attempts = attempts + 1, exitCode = NULL, signal = NULL, error = NULL
                WHERE hash = ? AND status = ? AND attempts = ?
                """, arguments: [hash, sawStatus.rawValue, sawAttempts])
            return db.changesCount == 1
        }
    }

    /// Claims several runs in one transaction (each by the same compare-and-swap as
    /// `claim`); returns the hashes this process won.
    public func claim(runs: [(hash: String, sawStatus: RunStatus, sawAttempts: Int)]) throws -> [String] {
        try db.write { db in
            let st = try db.cachedStatement(sql: """
                UPDATE run SET status = 'queued', attempts = attempts + 1, exitCode = NULL, signal = NULL, error = NULL
                WHERE hash = ? AND status = ? AND attempts = ?
                """)
            var won: [String] = []
            for r in runs {
                try st.execute(arguments: [r.hash, r.sawStatus.rawValue, r.sawAttempts])
                if db.changesCount == 1 { won.append(r.hash) }
            }
            return won
        }
    }

    /// The latest epoch a run has reported and its training loss then.
    public func progress(run hash: String) throws -> (epoch: Int, trainLoss: Double?) {
        try db.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT max(point.epoch), (SELECT final FROM summary WHERE summary.runId = run.id AND summary.key = 'train_loss')
                FROM run JOIN series ON series.runId = run.id JOIN point ON point.seriesId = series.id WHERE run.hash = ?
                """, arguments: [hash])
            return (row?[0] ?? 0, row?[1])
        }
    }
}

extension Tracker {
    public func leasePath(_ hash: String) -> String { "\(directory)/leases/\(hash).lease" }
}
