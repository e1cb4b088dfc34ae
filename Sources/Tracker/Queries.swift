import Codecs
import Determinism
import Foundation
import GRDB
import Vocabulary

/// A listed run: its record, its params and its metric summaries.
public struct RunRow: Sendable {
    public let record: RunRecord
    public let params: [String: JSONValue]
    public let summaries: [String: SummaryRecord]
    /// Labels people gave the run (`cairn tag`), sorted.
    public let tags: [String]
    /// Its latest `cairn reproduce`, if any.
    public var reproduction: ReproductionRecord? = nil
}

public struct MetricPoint: Sendable, Equatable {
    public let scope: MetricScope
    public let step: Int
    public let epoch: Int
    public let value: Double?
    public let kind: MetricKind
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
    /// Runs to skip after sorting (a page of a listing); only with `limit`.
    public var offset = 0
    /// Only these runs (full hashes), listed in this order unless `sort` is given.
    public var hashes: [String]?
    /// The params each row carries: all of them, or only those whose values differ between
    /// the listed runs (what a listing shows; far fewer rows to read).
    public var params: ParamSelection = .all
    /// The metric summaries each row carries (nil: all of them).
    public var metrics: Set<String>?
    /// Whether each record carries its canonical spec (`config`); a listing shows none, and
    /// a thousand of them are most of the bytes it would read.
    public var configs = true

    public enum ParamSelection: Sendable { case all, varying }

    /// Whether sorting by `key` lists runs in descending order unless told otherwise: metrics
    /// best first by their goal (accuracies descending, losses ascending); params and the
    /// record's own columns ascending.
    public static func descendingByDefault(_ key: String) -> Bool {
        Goal.of(key).maximizes && !["name", "hash", "status"].contains(key)
    }

    public init(
        sweep: String? = nil, statuses: [RunStatus] = [], filter: String? = nil, sort: String? = nil, descending: Bool = false,
        limit: Int? = nil, offset: Int = 0, hashes: [String]? = nil, params: ParamSelection = .all, metrics: Set<String>? = nil,
        configs: Bool = true
    ) {
        self.offset = offset
        self.configs = configs
        self.params = params
        self.metrics = metrics
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
            throw StoreError(
                "\(prefix) is ambiguous: it matches \(matches.count > 10 ? "more than 10" : "\(matches.count)") runs:\n\(list)")
        }
    }

    /// The sweep whose hash starts with `prefix`.
    public func sweep(_ prefix: String) throws -> SweepRecord {
        try db.read { db in try Tracker.sweep(prefix, in: db, directory: directory) }
    }

    static func sweep(_ prefix: String, in db: Database, directory: String) throws -> SweepRecord {
        // `%` and `_` are LIKE's wildcards: a prefix holding them matches them literally.
        let p = prefix.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let matches = try SweepRecord.filter(sql: "hash LIKE ? ESCAPE '\\'", arguments: [p + "%"]).limit(11).fetchAll(db)
        guard matches.count == 1 else {
            throw StoreError(
                matches.isEmpty
                    ? "no sweep matches \(prefix) in \(directory)"
                    : "\(prefix) is ambiguous: it matches \(matches.count) sweeps: \(matches.map { String($0.hash.prefix(12)) }.joined(separator: ", "))"
            )
        }
        return matches[0]
    }

    /// How many runs `runs(q)` would list without its limit.
    public func count(_ q: RunQuery) throws -> Int {
        var q = q
        (q.sort, q.limit, q.offset) = (nil, nil, 0)
        return try db.read { db in
            var selection = try Selection(q, self, db)
            return try request(q, &selection, db).fetchCount(db)
        }
    }

    /// The params whose values differ between the runs `q` selects (all of them, not one
    /// page), or that some of them lack: the columns a listing of them shows. One grouped
    /// query over the selected runs' params; numbers compare as numbers.
    public func varyingParamKeys(_ q: RunQuery) throws -> [String] {
        var q = q
        (q.sort, q.limit, q.offset) = (nil, nil, 0)
        return try db.read { db in
            var selection = try Selection(q, self, db)
            let ids = try request(q, &selection, db).select(Column("id"))
            let total = try ids.fetchCount(db)
            return try String.fetchAll(
                db,
                SQLRequest<String>(
                    """
                    SELECT key FROM param WHERE runId IN (\(ids)) GROUP BY key
                    HAVING count(*) < \(total) OR min(type) != max(type) OR min(number) != max(number) OR min(text) != max(text)
                    ORDER BY key
                    """))
        }
    }

    /// Runs, filtered and sorted, with their params and summaries (three queries in all).
    public func runs(_ q: RunQuery = RunQuery()) throws -> [RunRow] {
        try db.read { db in
            var selection = try Selection(q, self, db)
            let records =
                try indexOrdered(q, &selection, db)
                ?? RunRecord.fetchAll(try request(q, &selection, db).makePreparedRequest(db, forSingleResult: false).statement)
            return try rows(records, q, db)
        }
    }

    /// What a query selects, as conditions on `run` (SQL with bound arguments), and the names
    /// a filter or a sort can use (read once, when first needed).
    private struct Selection {
        var conditions: [SQL] = []
        var sweepId: Int64?
        private var known: Filter.Names?

        init(_ q: RunQuery, _ tracker: Tracker, _ db: Database) throws {
            if let s = q.sweep {
                let id = try Tracker.sweep(s, in: db, directory: tracker.directory).id!
                sweepId = id
                conditions.append("run.id IN (SELECT runId FROM sweepRun WHERE sweepId = \(id))")
            }
            if !q.statuses.isEmpty { conditions.append("run.status IN \(q.statuses.map(\.rawValue))") }
            if let hashes = q.hashes {
                conditions.append("run.hash IN (SELECT value FROM json_each(\(JSONValue.array(hashes.map(JSONValue.string)).canonical)))")
            }
            if let filter = try q.filter.map(Filter.parse) { conditions.append(try filter.sql(try names(db))) }
        }

        mutating func names(_ db: Database) throws -> Filter.Names {
            if let known { return known }
            let n = Filter.Names(
                params: try Tracker.distinctKeys(of: "param", in: db), metrics: try Tracker.distinctKeys(of: "summary", in: db))
            known = n
            return n
        }

        /// `AND`-ed after a `WHERE` that already holds a condition.
        var andConditions: SQL { conditions.reduce("") { "\($0) AND (\($1))" } }
    }

    /// The runs `q` selects, filtered, sorted and limited, as one request.
    private func request(_ q: RunQuery, _ selection: inout Selection, _ db: Database) throws -> QueryInterfaceRequest<RunRecord> {
        var request = RunRecord.all()
        for c in selection.conditions { request = request.filter(literal: c) }
        if let sort = q.sort {
            let direction = SQL(sql: q.descending ? "DESC" : "ASC")
            let key: SQL
            if Self.recordSortColumns.contains(sort) {
                key = SQL(Column(sort))
            } else {
                switch try selection.names(db).resolve(sort) {
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
        } else if let sweepId = selection.sweepId {
            // Plan order.
            request = request.order(literal: "(SELECT position FROM sweepRun WHERE sweepId = \(sweepId) AND runId = run.id)")
        } else {
            request = request.order(Column("createdAt"), Column("id"))
        }
        if let limit = q.limit { request = request.limit(limit, offset: q.offset) }
        return request.select(literal: Self.selectedColumns(q))
    }

    /// The record's own columns a sort can name.
    private static let recordSortColumns: Set<String> = ["status", "name", "hash", "createdAt", "finishedAt"]

    /// The record's columns, without the spec unless `q` asks for it.
    private static func selectedColumns(_ q: RunQuery) -> SQL {
        SQL(sql: RunRecord.columns.map { q.configs || $0 != "config" ? "run.\($0)" : "'' AS config" }.joined(separator: ", "))
    }

    /// A page sorted by a metric's final value, read in the order of `summary(key, final)`
    /// and stopped at the page's end, rather than every selected run looked up and sorted
    /// (at 10,000 runs, 1-2 ms instead of 30). The runs without the metric follow, by hash,
    /// as in `request`'s order. Nil when `q` is not such a page.
    private func indexOrdered(_ q: RunQuery, _ selection: inout Selection, _ db: Database) throws -> [RunRecord]? {
        guard let sort = q.sort, let limit = q.limit, !Self.recordSortColumns.contains(sort),
            case .metric(let key, "final") = try selection.names(db).resolve(sort)
        else { return nil }
        let columns = Self.selectedColumns(q)
        let withMetric: SQL = """
            FROM summary sortBy JOIN run ON run.id = sortBy.runId
            WHERE sortBy.key = \(key) AND sortBy.final IS NOT NULL\(selection.andConditions)
            """
        let direction = SQL(sql: q.descending ? "DESC" : "ASC")
        let first = try RunRecord.fetchAll(
            db,
            SQLRequest<RunRecord>(
                "SELECT \(columns) \(withMetric) ORDER BY sortBy.final \(direction), run.hash LIMIT \(limit) OFFSET \(q.offset)"))
        guard first.count < limit else { return first }
        // Past the runs with the metric: how many there were, to know where the rest begin.
        let before = first.isEmpty ? try Int.fetchOne(db, SQLRequest<Int>("SELECT count(*) \(withMetric)")) ?? 0 : q.offset + first.count
        let rest = try RunRecord.fetchAll(
            db,
            SQLRequest<RunRecord>(
                """
                SELECT \(columns) FROM run
                WHERE NOT EXISTS (SELECT 1 FROM summary x WHERE x.runId = run.id AND x.key = \(key) AND x.final IS NOT NULL)\(selection.andConditions)
                ORDER BY run.hash LIMIT \(limit - first.count) OFFSET \(max(0, q.offset - before))
                """))
        return first + rest
    }

    /// Each record's params, summaries, tags and latest reproduction, as `q` asks.
    private func rows(_ records: [RunRecord], _ q: RunQuery, _ db: Database) throws -> [RunRow] {
        let ids = records.compactMap(\.id)
        // Rows decoded by hand, by column name (positions looked up once per statement):
        // Codable costs more than the query for thousands of rows.
        let idList = jsonList(ids)
        let paramStatement = try db.cachedStatement(
            sql: "SELECT runId, key, type, number, text FROM param WHERE runId IN (SELECT value FROM json_each(?))")
        let pc = ColumnPositions(paramStatement)
        let (pRun, pKey, pType, pNumber, pText) = (pc["runId"], pc["key"], pc["type"], pc["number"], pc["text"])
        var paramRecords: [ParamRecord] = []
        let paramRows = try Row.fetchCursor(paramStatement, arguments: [idList])
        while let r = try paramRows.next() {
            paramRecords.append(ParamRecord(runId: r[pRun], key: r[pKey], type: r[pType], number: r[pNumber], text: r[pText]))
        }
        if q.params == .varying {
            // The rule of `JSONValue.varyingKeys` on the stored values (numbers compared as
            // numbers): a key varies when some run lacks it or two runs hold different
            // values. Decided before any value is decoded, so only those are.
            var first: [String: ParamRecord] = [:]
            var count: [String: Int] = [:]
            var varies: Set<String> = []
            for p in paramRecords {
                count[p.key, default: 0] += 1
                if let f = first[p.key] {
                    if f.type != p.type || f.number != p.number || f.text != p.text { varies.insert(p.key) }
                } else {
                    first[p.key] = p
                }
            }
            for (key, n) in count where n < ids.count { varies.insert(key) }
            paramRecords.removeAll { !varies.contains($0.key) }
        }
        var params: [Int64: [String: JSONValue]] = [:]
        for p in paramRecords { params[p.runId, default: [:]][p.key] = p.json }
        var summaries: [Int64: [String: SummaryRecord]] = [:]
        var summarySQL =
            "SELECT runId, key, kind, final, finalStep, min, max FROM summary WHERE runId IN (SELECT value FROM json_each(?))"
        var summaryArguments: StatementArguments = [idList]
        if let metrics = q.metrics {
            summarySQL += " AND key IN (SELECT value FROM json_each(?))"
            summaryArguments += [JSONValue.array(metrics.sorted().map(JSONValue.string)).canonical]
        }
        let summaryStatement = try db.cachedStatement(sql: summarySQL)
        let sc = ColumnPositions(summaryStatement)
        let (sRun, sKey, sKind, sFinal) = (sc["runId"], sc["key"], sc["kind"], sc["final"])
        let (sFinalStep, sMin, sMax) = (sc["finalStep"], sc["min"], sc["max"])
        let summaryRows = try Row.fetchCursor(summaryStatement, arguments: summaryArguments)
        while let r = try summaryRows.next() {
            let s = SummaryRecord(
                runId: r[sRun], key: r[sKey], kind: r[sKind], final: r[sFinal], finalStep: r[sFinalStep], min: r[sMin], max: r[sMax])
            summaries[s.runId, default: [:]][s.key] = s
        }
        var tags: [Int64: [String]] = [:]
        let tagRows = try Row.fetchCursor(
            db, sql: "SELECT runId, name FROM tag WHERE runId IN (SELECT value FROM json_each(?)) ORDER BY name",
            arguments: [idList])
        while let r = try tagRows.next() { tags[r["runId"], default: []].append(r["name"]) }
        let reproductions = try ReproductionRecord.latest(db, runIds: idList)
        let rows = records.map {
            RunRow(
                record: $0, params: params[$0.id!] ?? [:], summaries: summaries[$0.id!] ?? [:], tags: tags[$0.id!] ?? [],
                reproduction: reproductions[$0.id!])
        }
        guard let hashes = q.hashes, q.sort == nil else { return rows }
        let byHash = Dictionary(rows.map { ($0.record.hash, $0) }, uniquingKeysWith: { a, _ in a })
        return hashes.compactMap { byHash[$0] }
    }

    /// The distinct keys of `param` or `summary`, one index seek per key (each table has an
    /// index that leads with `key`) rather than a pass over every row: tens of keys, tens of
    /// thousands of rows.
    static func distinctKeys(of table: String, in db: Database) throws -> Set<String> {
        precondition(table == "param" || table == "summary")
        return try String.fetchSet(
            db,
            sql: """
                WITH RECURSIVE k(key) AS (SELECT min(key) FROM \(table)
                    UNION ALL SELECT (SELECT min(key) FROM \(table) WHERE key > k.key) FROM k WHERE k.key IS NOT NULL)
                SELECT key FROM k WHERE key IS NOT NULL
                """)
    }

    /// Full metric histories of several runs: hash → key → points by step (at one step, the
    /// step point before the end-of-epoch point). Two queries: the runs' series (a few hundred
    /// rows), then their points by primary key, decoded by position; at a run's page this is
    /// most of the server's work.
    public func history(runs hashes: [String], keys: [String]? = nil) throws -> [String: [String: [MetricPoint]]] {
        try db.read { db in
            var seriesSQL = """
                SELECT series.id, run.hash, series.key, series.scope, series.kind FROM series JOIN run ON run.id = series.runId
                WHERE run.hash IN (SELECT value FROM json_each(?))
                """
            var arguments: StatementArguments = [JSONValue.array(hashes.map(JSONValue.string)).canonical]
            if let keys {
                seriesSQL += " AND series.key IN (SELECT value FROM json_each(?))"
                arguments += [JSONValue.array(keys.map(JSONValue.string)).canonical]
            }
            var series: [Int64: (hash: String, key: String, scope: MetricScope, kind: MetricKind)] = [:]
            let seriesRows = try Row.fetchCursor(db, sql: seriesSQL, arguments: arguments)
            while let r = try seriesRows.next() { series[r[0]] = (r[1], r[2], r[3], r[4]) }
            var out: [String: [String: [MetricPoint]]] = [:]
            guard !series.isEmpty else { return out }
            // By series, then step; the two series of one key (step and epoch) are merged by
            // the sort at the end (linear on runs already in order).
            let points = try Row.fetchCursor(
                db,
                sql:
                    "SELECT seriesId, step, epoch, value FROM point WHERE seriesId IN (SELECT value FROM json_each(?)) ORDER BY seriesId, step",
                arguments: [jsonList(Array(series.keys))])
            while let r = try points.next() {
                guard let s = series[r[0]] else { continue }
                out[s.hash, default: [:]][s.key, default: []].append(
                    MetricPoint(scope: s.scope, step: r[1], epoch: r[2], value: r[3], kind: s.kind))
            }
            return out.mapValues { $0.mapValues { $0.sorted(by: Self.precedes) } }
        }
    }

    /// The order of a key's points: by step; at one step, the step point first.
    static func precedes(_ a: MetricPoint, _ b: MetricPoint) -> Bool {
        a.step != b.step ? a.step < b.step : a.scope != .epoch && b.scope == .epoch
    }

    /// The records of these runs, in the order given.
    public func runs(_ hashes: [String]) throws -> [RunRecord] {
        let records = try db.read { db in try RunRecord.filter(hashes.contains(Column("hash"))).fetchAll(db) }
        let byHash = Dictionary(records.map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
        return hashes.compactMap { byHash[$0] }
    }

    public func checkpoints(run hash: String) throws -> [CheckpointRecord] {
        try db.read { db in
            try CheckpointRecord.fetchAll(
                db, sql: "SELECT * FROM checkpoint WHERE runId = (SELECT id FROM run WHERE hash = ?) ORDER BY step",
                arguments: [hash])
        }
    }

    /// Each run's attempts, first to last (a run that never started has none).
    public func attempts(runs hashes: [String]) throws -> [String: [AttemptRecord]] {
        try db.read { db in
            var out: [String: [AttemptRecord]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT run.hash, attempt.* FROM attempt JOIN run ON run.id = attempt.runId
                    WHERE run.hash IN (SELECT value FROM json_each(?)) ORDER BY run.hash, attempt.attempt
                    """, arguments: [JSONValue.array(hashes.map(JSONValue.string)).canonical])
            while let r = try rows.next() { out[r["hash"], default: []].append(AttemptRecord(row: r)) }
            return out
        }
    }

    /// A run's attempts, first to last.
    public func attempts(run hash: String) throws -> [AttemptRecord] { try attempts(runs: [hash])[hash] ?? [] }

    public func provenance(run hash: String) throws -> Provenance? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM provenance WHERE runId = (SELECT id FROM run WHERE hash = ?)", arguments: [hash])
                .map(Provenance.init(row:))
        }
    }

    public func run(_ hash: String) throws -> RunRecord? {
        try db.read { db in try RunRecord.fetch(db, hash: hash) }
    }
}

/// A sweep as a list shows it: its record and how many of its runs are in each status.
public struct SweepListing: Sendable {
    public let record: SweepRecord
    public let statuses: [RunStatus: Int]
    public var runs: Int { statuses.values.reduce(0, +) }

    package init(record: SweepRecord, statuses: [RunStatus: Int]) {
        self.record = record
        self.statuses = statuses
    }
}

extension Tracker {
    /// Every sweep, newest first, with its runs counted by status (one grouped query).
    public func sweeps() throws -> [SweepListing] {
        try db.read { db in
            var counts: [Int64: [RunStatus: Int]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT sweepRun.sweepId, run.status, count(*) AS n FROM sweepRun JOIN run ON run.id = sweepRun.runId GROUP BY 1, 2")
            while let r = try rows.next() {
                if let status = RunStatus(rawValue: r["status"]) { counts[r["sweepId"], default: [:]][status] = r["n"] }
            }
            return try SweepRecord.order(Column("createdAt").desc, Column("id").desc).fetchAll(db).map {
                SweepListing(record: $0, statuses: counts[$0.id!] ?? [:])
            }
        }
    }
}

extension Tracker {
    /// Every param key and metric name in the store, sorted: what a filter, a sort or a
    /// column can name.
    public func names() throws -> (params: [String], metrics: [String]) {
        try db.read { db in
            (try Tracker.distinctKeys(of: "param", in: db).sorted(), try Tracker.distinctKeys(of: "summary", in: db).sorted())
        }
    }
}
