import Codecs
import Determinism
import Foundation
import GRDB

/// A bundle moves runs between stores in one file: gzip-compressed JSON Lines, so
/// `zcat bundle | head -1` shows what it holds. The first line is the header; then one line
/// per sweep, one per run (its record, params, tags, sweep memberships, event log and
/// output) and one per object (its uncompressed bytes, base64).
///
/// A run travels as its event log, not as index rows: importing records the run and ingests
/// the log, the same path a sweep's results take, so the other store's index is built by
/// the code that builds every index. Everything is verified before anything is written:
/// every object's bytes against its name, every run's config against its hash, every
/// checkpoint an event log names against the bundle and the store.
package enum RunBundle {
    package static let formatVersion = 1

    struct Header: Codable {
        var cairn_bundle: Int
        var runs: Int
        var objects: Int
    }
    struct Membership: Codable {
        var sweep: String
        var position: Int
    }
    struct Run: Codable {
        var record: RunRecord
        var params: [String: JSONValue]
        var tags: [String]
        var sweeps: [Membership]
        var events: String
        var output: String?
    }
    struct Object: Codable {
        var sha256: String
        var bytes: Data
    }
    struct Line: Codable {
        var header: Header?
        var sweep: SweepRecord?
        var run: Run?
        var object: Object?
        /// A file data set's manifest (its objects follow when the data travels too).
        var data: DataManifest?
    }

    package struct ImportResult: Sendable, Equatable {
        /// Runs added to the store.
        package var imported: [String] = []
        /// Runs the store already had as results; left as they were.
        package var present: [String] = []
        package var objects = 0
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }
}

extension Tracker {
    /// The bundle of these runs (full hashes): gzip-compressed JSON Lines. Runs still queued
    /// or running cannot be bundled: their logs are not finished.
    ///
    /// Each file data set's manifest comes along; with `withData`, so do its files' stored
    /// copies, so the runs reproduce where the files are not.
    package func exportBundle(runs hashes: [String], withData: Bool = false) throws -> [UInt8] {
        let records = try runs(hashes)
        var lines: [RunBundle.Line] = []
        var sweeps: [String: SweepRecord] = [:]
        var objectHashes: [String] = []
        var manifests: [String: DataManifest] = [:]
        for var record in records {
            if manifests[record.datasetSHA256] == nil, let m = try layout.readDataManifest(record.datasetSHA256) {
                manifests[m.dataset] = m
                if withData {
                    for f in m.files {
                        guard objects.contains(f.sha256) else {
                            throw StoreError(
                                "data \(f.role) of run \(record.hash.prefix(12)) (\(f.path)) has no stored copy to bundle (store_copy was false)"
                            )
                        }
                        objectHashes.append(f.sha256)
                    }
                }
            }
            guard record.status != .running && record.status != .queued else {
                throw StoreError("run \(record.hash.prefix(12)) is \(record.status.rawValue); bundle it when it has ended")
            }
            let id = record.id!
            let (params, tags, memberships, checkpoints) = try db.read { db in
                (
                    try Row.fetchAll(db, sql: "SELECT runId, key, type, number, text FROM param WHERE runId = ?", arguments: [id])
                        .map { r in ParamRecord(runId: r["runId"], key: r["key"], type: r["type"], number: r["number"], text: r["text"]) },
                    try String.fetchAll(db, sql: "SELECT name FROM tag WHERE runId = ? ORDER BY name", arguments: [id]),
                    try Row.fetchAll(
                        db,
                        sql: "SELECT sweep.*, sweepRun.position FROM sweepRun JOIN sweep ON sweep.id = sweepRun.sweepId WHERE runId = ?",
                        arguments: [id]
                    ).map { (try SweepRecord(row: $0), $0["position"] as Int) },
                    try String.fetchAll(db, sql: "SELECT DISTINCT object FROM checkpoint WHERE runId = ? ORDER BY object", arguments: [id])
                )
            }
            var bundled: [RunBundle.Membership] = []
            for (sweep, position) in memberships {
                sweeps[sweep.hash] = sweep
                bundled.append(.init(sweep: sweep.hash, position: position))
            }
            let events: String
            if let data = FileManager.default.contents(atPath: eventLogPath(record.hash)) {
                events = String(decoding: data, as: UTF8.self)
            } else if record.status == .planned {
                events = ""
            } else {
                throw StoreError("run \(record.hash.prefix(12)): its event log \(eventLogPath(record.hash)) is missing")
            }
            let output = FileManager.default.contents(atPath: logPath(record.hash)).map { String(decoding: $0, as: UTF8.self) }
            record.id = nil
            record.ingestedBytes = 0
            lines.append(
                .init(
                    run: .init(
                        record: record, params: Dictionary(params.map { ($0.key, $0.json) }, uniquingKeysWith: { a, _ in a }), tags: tags,
                        sweeps: bundled,
                        events: events, output: output)))
            objectHashes += checkpoints
        }
        var seen = Set<String>()
        var objectLines: [RunBundle.Line] = []
        for hash in objectHashes where seen.insert(hash).inserted {
            objectLines.append(.init(object: .init(sha256: hash, bytes: Data(try objects.get(hash)))))
        }
        let header = RunBundle.Line(header: .init(cairn_bundle: RunBundle.formatVersion, runs: lines.count, objects: objectLines.count))
        let all =
            [header]
            + sweeps.values.sorted { $0.hash < $1.hash }.map {
                var s = $0
                s.id = nil
                return RunBundle.Line(sweep: s)
            } + manifests.values.sorted { $0.dataset < $1.dataset }.map { RunBundle.Line(data: $0) } + lines + objectLines
        var out = [UInt8]()
        let encoder = RunBundle.encoder
        for line in all {
            out += try encoder.encode(line)
            out.append(0x0A)
        }
        return try Gzip.compress(out, level: 6)
    }

    /// Adds a bundle's runs to this store. `runHashIsValid` checks a run's config against its
    /// hash (the rule lives with the planner). Verifies everything first, then writes objects,
    /// then each run: recorded, its event log written (atomically) and ingested. Runs the store
    /// already has as results stay as they are; other runs of the same hash are replaced.
    package func importBundle(_ bytes: [UInt8], origin: String, runHashIsValid: (RunRecord) -> Bool) throws -> RunBundle.ImportResult {
        func bad(_ message: String) -> StoreError { StoreError("\(origin): \(message)") }
        guard Gzip.isGzip(bytes), let text = try? Gzip.decompress(bytes) else { throw bad("not a Cairn bundle (not gzip data)") }
        let decoder = RunBundle.decoder
        var sweeps: [String: SweepRecord] = [:]
        var runs: [RunBundle.Run] = []
        var bundled: [String: [UInt8]] = [:]
        var lineNumber = 0
        var header: RunBundle.Header?
        var manifests: [DataManifest] = []
        for slice in text.split(separator: 0x0A) {
            lineNumber += 1
            let line: RunBundle.Line
            do { line = try decoder.decode(RunBundle.Line.self, from: Data(slice)) } catch {
                throw bad("line \(lineNumber) is not a bundle entry")
            }
            if lineNumber == 1 {
                guard let h = line.header else { throw bad("not a Cairn bundle (no header)") }
                guard h.cairn_bundle <= RunBundle.formatVersion else {
                    throw bad("bundle format \(h.cairn_bundle) is newer than this Cairn reads (\(RunBundle.formatVersion))")
                }
                header = h
            } else if let m = line.data {
                // Its name becomes a file name here: it must be the hash of what it lists.
                guard m.files.allSatisfy({ DataSetIdentity.isHash($0.sha256) }),
                    DataSetIdentity.sha256(files: Dictionary(m.files.map { ($0.role, $0.sha256) }, uniquingKeysWith: { a, _ in a }))
                        == m.dataset
                else { throw bad("data manifest \(m.dataset.prefix(12)): its files do not hash to its name (the bundle was altered)") }
                manifests.append(m)
            } else if let s = line.sweep {
                sweeps[s.hash] = s
            } else if let r = line.run {
                guard runHashIsValid(r.record) else {
                    throw bad("run \(r.record.hash.prefix(12)): its config does not hash to its name (the bundle was altered)")
                }
                runs.append(r)
            } else if let o = line.object {
                let bytes = [UInt8](o.bytes)
                guard sha256Hex([bytes]) == o.sha256 else { throw bad("object \(o.sha256) is corrupt: its bytes do not hash to its name") }
                bundled[o.sha256] = bytes
            }
        }
        guard let header, header.runs == runs.count, header.objects == bundled.count else {
            throw bad("the bundle is incomplete (its header promises more than it holds)")
        }
        // Every checkpoint an event log names must come with the bundle or be here already.
        for r in runs {
            for raw in r.events.utf8.split(separator: 0x0A) {
                let event = try Array(raw).withUnsafeBufferPointer { buffer in
                    do { return try RunEvent.parse(buffer) } catch {
                        throw bad("run \(r.record.hash.prefix(12)): its event log has an invalid line")
                    }
                }
                if case .checkpoint(let c) = event, bundled[c.object] == nil, !objects.contains(c.object) {
                    throw bad(
                        "run \(r.record.hash.prefix(12)) names checkpoint object \(c.object), which is neither in the bundle nor in \(directory)"
                    )
                }
            }
        }

        var result = RunBundle.ImportResult()
        for (hash, bytes) in bundled.sorted(by: { $0.key < $1.key }) where !objects.contains(hash) {
            _ = try objects.put(bytes)
            result.objects += 1
        }
        // A manifest this store has already keeps its paths (they are this machine's).
        for m in manifests where try layout.readDataManifest(m.dataset) == nil { try recordData(m, copy: false) }
        for r in runs {
            let hash = r.record.hash
            if let existing = try run(hash) {
                if existing.status.isResult {
                    result.present.append(hash)
                    try joinSweeps(r, sweeps)
                    continue
                }
                try removeRows([hash])
            }
            try record(sweep: nil, runs: [r])
            try writeAtomically(Array(r.events.utf8), to: eventLogPath(hash))
            if let output = r.output { try writeAtomically(Array(output.utf8), to: logPath(hash)) }
            try ingest(run: hash)
            let imported = r.record
            try update(run: hash) { run in
                run.exitCode = imported.exitCode
                run.signal = imported.signal
                run.note = imported.note
                run.createdAt = imported.createdAt
                if run.status == .planned { run.status = imported.status }  // a run with no log
            }
            try tag(runs: [hash], add: r.tags)
            try joinSweeps(r, sweeps)
            result.imported.append(hash)
        }
        return result
    }

    private func joinSweeps(_ run: RunBundle.Run, _ sweeps: [String: SweepRecord]) throws {
        try db.write { db in
            guard let runId = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE hash = ?", arguments: [run.record.hash]) else { return }
            for m in run.sweeps {
                guard var sweep = sweeps[m.sweep] else { continue }
                if let existing = try SweepRecord.filter(Column("hash") == sweep.hash).fetchOne(db) {
                    sweep = existing
                } else {
                    sweep.id = nil
                    try sweep.insert(db)
                }
                try SweepRunRecord(sweepId: sweep.id!, runId: runId, position: m.position).insert(db, onConflict: .ignore)
            }
        }
    }

}

/// Writes a file so that it is either absent or complete, never half-written: a temporary
/// file beside it, renamed into place.
package func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".partial-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
        throw Tracker.StoreError("\(path): cannot write: \(String(cString: strerror(errno)))")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw Tracker.StoreError("\(path): cannot write: \(reason)")
    }
}

/// A bundled run is recorded afresh (`planned`, nothing ingested), then its log is ingested.
extension RunBundle.Run: RecordableRun {
    var hash: String { record.hash }
    var name: String { record.name }
    var canonicalSpec: String { record.config }
    var numericsVersion: Int { record.numericsVersion }
    var datasetSHA256: String { record.datasetSHA256 }
    var recordedParams: [String: JSONValue] { params }
}
