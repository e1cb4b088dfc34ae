import Determinism
import Foundation
import GRDB
import Vocabulary

/// Run statuses. `completed` and `diverged` are results (a diverged spec diverges the same way
/// every time); `failed` and `interrupted` are not.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case planned, queued, running, completed, failed, diverged, interrupted
    /// Trained to a band or rung of early termination, waiting for its decision.
    case paused
    /// Early termination stopped it: a result (its metrics and last checkpoint), which a
    /// sweep that needs more of its epochs resumes.
    case stopped
    public var isResult: Bool { self == .completed || self == .diverged || self == .stopped }
}

public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var hash: String
    public var name: String
    public var status: RunStatus
    /// The run's canonical spec (RFC 8785 JSON).
    public var config: String
    public var numericsVersion: Int
    public var datasetSHA256: String
    public var attempts: Int = 0
    public var exitCode: Int?
    public var signal: Int?
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var ingestedBytes: Int = 0
    /// Free text a person attached (`cairn tag --note`).
    public var note: String?
    /// The scheduler that claimed the run (`ProcessIdentity` JSON).
    package var owner: String?
    /// The run's latest resume state, while it has no result (kept from `cairn gc`).
    package var resumeObject: String?

    public init(
        hash: String, name: String, status: RunStatus = .planned, config: String, numericsVersion: Int,
        datasetSHA256: String, createdAt: Date = Date()
    ) {
        self.hash = hash
        self.name = name
        self.status = status
        self.config = config
        self.numericsVersion = numericsVersion
        self.datasetSHA256 = datasetSHA256
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The columns `fetchAll(_:rows:)` reads.
    static let columns = [
        "id", "hash", "name", "status", "config", "numericsVersion", "datasetSHA256", "attempts", "exitCode",
        "signal", "error", "createdAt", "startedAt", "finishedAt", "ingestedBytes", "note", "owner", "resumeObject",
    ]

    /// The run with this hash, through a statement prepared once per connection (ingest and
    /// recording look runs up one at a time, hundreds per call).
    static func fetch(_ db: Database, hash: String) throws -> RunRecord? {
        let select = try db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM run WHERE hash = ?")
        return try fetchAll(select, arguments: [hash]).first
    }

    /// Records decoded by hand, by column name, from a statement selecting `columns`: Codable
    /// decoding costs more than the query when a listing reads a thousand runs.
    static func fetchAll(_ statement: Statement, arguments: StatementArguments? = nil) throws -> [RunRecord] {
        let c = ColumnPositions(statement)
        let (id, hash, name, status, config, numerics) = (c["id"], c["hash"], c["name"], c["status"], c["config"], c["numericsVersion"])
        let (dataset, attempts, exitCode, signal, error) = (c["datasetSHA256"], c["attempts"], c["exitCode"], c["signal"], c["error"])
        let (created, started, finished, ingested, note) = (c["createdAt"], c["startedAt"], c["finishedAt"], c["ingestedBytes"], c["note"])
        let (owner, resume) = (c["owner"], c["resumeObject"])
        var out: [RunRecord] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let r = try rows.next() {
            var record = RunRecord(
                hash: r[hash], name: r[name], status: r[status], config: r[config], numericsVersion: r[numerics],
                datasetSHA256: r[dataset], createdAt: r[created])
            record.id = r[id]
            record.attempts = r[attempts]
            record.exitCode = r[exitCode]
            record.signal = r[signal]
            record.error = r[error]
            record.startedAt = r[started]
            record.finishedAt = r[finished]
            record.ingestedBytes = r[ingested]
            record.note = r[note]
            record.owner = r[owner]
            record.resumeObject = r[resume]
            out.append(record)
        }
        return out
    }
}

public struct SweepRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sweep"
    public var id: Int64?
    public var hash: String
    public var source: String
    public var definition: String
    public var metric: String?
    public var goal: String?
    public var createdAt: Date

    public init(hash: String, source: String, definition: String, metric: String?, goal: String?, createdAt: Date = Date()) {
        self.hash = hash
        self.source = source
        self.definition = definition
        self.metric = metric
        self.goal = goal
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct ParamRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "param"
    public var runId: Int64
    public var key: String
    public var type: String
    public var number: Double?
    public var text: String?
}

public struct SummaryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "summary"
    public var runId: Int64
    public var key: String
    public var kind: MetricKind
    public var final: Double?
    public var finalStep: Int
    public var min: Double?
    public var max: Double?

    /// The best value under a goal.
    public func best(_ goal: Goal) -> Double? { goal.maximizes ? max : min }

    /// The best value under the metric's own goal (`Goal.of(key)`).
    public var best: Double? { best(Goal.of(key)) }
}

public struct CheckpointRecord: Sendable, Equatable, FetchableRecord {
    public static let databaseTableName = "checkpoint"
    public var runId: Int64
    public var object: String
    public var step: Int
    public var epoch: Int
    /// Stored as `CheckpointKind.label` (`best,final`).
    public var kinds: Set<CheckpointKind>
    public var rawSize: Int
    public var storedSize: Int

    public init(row r: Row) {
        runId = r["runId"]
        object = r["object"]
        step = r["step"]
        epoch = r["epoch"]
        kinds = CheckpointKind.parse(r["kinds"])
        rawSize = r["rawSize"]
        storedSize = r["storedSize"]
    }

    public var kindsLabel: String { CheckpointKind.label(kinds) }
}

/// Where and by what a run was trained: recorded by its process at each start, kept in the
/// index, shown by `cairn show`. One type for the event log, the index and every view.
public struct Provenance: Sendable, Equatable {
    public var cairnVersion: String
    public var numericsVersion: Int
    public var gitCommit: String?
    public var host: String
    public var cpu: String
    public var os: String
    public var swiftVersion: String

    public init(cairnVersion: String, numericsVersion: Int, gitCommit: String?, host: String, cpu: String, os: String, swiftVersion: String)
    {
        self.cairnVersion = cairnVersion
        self.numericsVersion = numericsVersion
        self.gitCommit = gitCommit
        self.host = host
        self.cpu = cpu
        self.os = os
        self.swiftVersion = swiftVersion
    }

    /// The index's columns, in the order `values` gives them.
    static let columns = ["cairnVersion", "numericsVersion", "gitCommit", "host", "cpu", "os", "swiftVersion"]
    var values: [(any DatabaseValueConvertible)?] { [cairnVersion, numericsVersion, gitCommit, host, cpu, os, swiftVersion] }

    init(row r: Row) {
        self.init(
            cairnVersion: r["cairnVersion"], numericsVersion: r["numericsVersion"], gitCommit: r["gitCommit"], host: r["host"],
            cpu: r["cpu"], os: r["os"], swiftVersion: r["swiftVersion"])
    }

    /// As JSON (snake_case keys): in the event log and in `cairn show --json`.
    public var json: JSONValue {
        [
            "cairn_version": .string(cairnVersion), "numerics_version": .number(Double(numericsVersion)),
            "git_commit": gitCommit.map { .string($0) } ?? .null, "host": .string(host), "cpu": .string(cpu), "os": .string(os),
            "swift_version": .string(swiftVersion),
        ]
    }

    public init(json p: JSONValue) throws {
        func str(_ k: String) throws -> String {
            guard let s = p[k]?.stringValue else { throw RunEvent.FormatError(description: "provenance.\(k): expected a string") }
            return s
        }
        guard let n = p["numerics_version"]?.doubleValue, n == n.rounded() else {
            throw RunEvent.FormatError(description: "provenance.numerics_version: expected an integer")
        }
        self.init(
            cairnVersion: try str("cairn_version"), numericsVersion: Int(n), gitCommit: p["git_commit"]?.stringValue,
            host: try str("host"), cpu: try str("cpu"), os: try str("os"), swiftVersion: try str("swift_version"))
    }
}

/// One attempt of a run: when it started, where, and from which epoch (0: from scratch).
public struct AttemptRecord: Sendable, Equatable {
    public let attempt: Int
    public let resumedFromEpoch: Int
    public let startedAt: Date?
    public let host: String?

    init(row r: Row) {
        attempt = r["attempt"]
        resumedFromEpoch = r["resumedFromEpoch"]
        startedAt = r["startedAt"]
        host = r["host"]
    }
}

public struct SweepRunRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sweepRun"
    public var sweepId: Int64
    public var runId: Int64
    public var position: Int
}

/// A statement's column positions by name, looked up once per statement: rows are then read
/// by name (a new column is one edit) at the cost of reading them by position.
///
///     let c = ColumnPositions(statement)
///     let key = c["key"]
///     while let r = try rows.next() { let k: String = r[key] }
struct ColumnPositions {
    let positions: [String: Int]
    let sql: String

    init(_ statement: Statement) {
        positions = Dictionary(statement.columnNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        sql = statement.sql
    }

    subscript(_ name: String) -> Int {
        guard let p = positions[name] else { preconditionFailure("no column \(name) in \(sql)") }
        return p
    }
}

// The index stores these enums as their names. Written out here rather than left to GRDB's
// generic RawRepresentable conversion, which is not specialised across modules: decoding
// a listing's thousands of statuses and metric kinds cost more through it than the rows.
extension RunStatus: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ value: DatabaseValue) -> RunStatus? { String.fromDatabaseValue(value).flatMap(Self.init) }
}

extension MetricKind: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ value: DatabaseValue) -> MetricKind? { String.fromDatabaseValue(value).flatMap(Self.init) }
}

extension MetricScope: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ value: DatabaseValue) -> MetricScope? { String.fromDatabaseValue(value).flatMap(Self.init) }
}
