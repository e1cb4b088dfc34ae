import Codecs
import Determinism
import Foundation
import GRDB

extension Tracker {
    package struct VerifyReport: Sendable {
        /// Object hash → the runs that reference it.
        package var missing: [String: [String]] = [:]
        package var corrupt: [String: [String]] = [:]
        package var orphaned: [String] = []
        package var checked = 0
        package var integrity = "ok"
        /// Sweeps whose stored definition no longer hashes to the sweep's hash.
        package var alteredSweeps: [String] = []
        /// Sweeps recorded by an older Cairn, which stored a summary instead of the hashed
        /// definition: they cannot be checked.
        package var uncheckableSweeps: [String] = []
        package var sweepsChecked = 0
        package var ok: Bool { missing.isEmpty && corrupt.isEmpty && alteredSweeps.isEmpty && integrity == "ok" }
    }

    /// Re-hashes every object and checks every reference: missing and corrupt objects (with
    /// the runs they affect), objects no run references, and SQLite's integrity check.
    package func verify() throws -> VerifyReport {
        var report = VerifyReport()
        let refs = try db.read { db -> [String: [String]] in
            var refs: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT checkpoint.object, run.hash FROM checkpoint JOIN run ON run.id = checkpoint.runId")
            {
                refs[row["object"], default: []].append(row["hash"])
            }
            report.integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            for sweep in try SweepRecord.order(Column("hash")).fetchAll(db) {
                guard (try? JSONValue.parse(Array(sweep.definition.utf8)))?["numerics_version"] != nil else {
                    report.uncheckableSweeps.append(sweep.hash)
                    continue
                }
                report.sweepsChecked += 1
                if sha256Hex([Array(sweep.definition.utf8)]) != sweep.hash { report.alteredSweeps.append(sweep.hash) }
            }
            return refs
        }
        let present = Set(objects.all())
        for (object, runs) in refs {
            report.checked += 1
            guard present.contains(object) else {
                report.missing[object] = runs.sorted()
                continue
            }
            do { _ = try objects.get(object) } catch { report.corrupt[object] = runs.sorted() }
        }
        report.orphaned = present.subtracting(refs.keys).subtracting(try dataObjects()).sorted()
        return report
    }

    /// Objects no run references; removed when `apply`. Returns them and the bytes they hold.
    package func gc(apply: Bool) throws -> (objects: [String], bytes: Int) {
        // Kept: every checkpoint, every data file a data manifest names, and the latest resume state of each run that has no result yet
        // (older ones are superseded; a result supersedes them all).
        let referenced = try db.read { db in
            try String.fetchSet(db, sql: "SELECT object FROM checkpoint UNION SELECT resumeObject FROM run WHERE resumeObject IS NOT NULL")
        }
        let kept = referenced.union(try dataObjects())  // and the stored copies of data files
        let unreferenced = objects.all().filter { !kept.contains($0) }
        let bytes = unreferenced.reduce(0) { $0 + objects.storedSize($1) }
        if apply { for o in unreferenced { try objects.remove(o) } }
        return (unreferenced, bytes)
    }

    /// Bytes the store takes on disk (index, objects, logs).
    package func sizeOnDisk() -> Int {
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
    package func remove(runs hashes: [String]) throws {
        try removeRows(hashes)
        for hash in hashes {
            for path in [eventLogPath(hash), logPath(hash), leasePath(hash)] { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    func removeRows(_ hashes: [String]) throws {
        try db.write { db in
            let ids = try Int64.fetchAll(db, RunRecord.select(Column("id")).filter(hashes.contains(Column("hash"))))
            guard !ids.isEmpty else { return }
            try db.execute(
                sql: """
                    DELETE FROM point WHERE seriesId IN (SELECT id FROM series WHERE runId IN (SELECT value FROM json_each(?)))
                    """, arguments: [jsonList(ids)])
            _ = try RunRecord.filter(ids.contains(Column("id"))).deleteAll(db)
        }
    }
}

extension Tracker {
    /// Removes the epoch states a run with a result no longer needs: every one but those that
    /// are also a checkpoint (the best is an epoch state) or that another run kept too (the
    /// same bytes). Returns the bytes freed. The scheduler calls it as each run ends, so a sweep
    /// does not leave a state per epoch per run behind it; `gc` finds any it missed.
    @discardableResult
    package func dropSupersededStates(run hash: String) throws -> Int {
        let unneeded = try db.write { db -> [String] in
            guard let run = try RunRecord.fetch(db, hash: hash), run.status.isResult, let id = run.id else { return [] }
            let objects = try String.fetchAll(
                db,
                sql: """
                    SELECT object FROM resumeState WHERE runId = ?
                    AND object NOT IN (SELECT object FROM checkpoint)
                    AND object NOT IN (SELECT object FROM resumeState WHERE runId != ?)
                    AND object NOT IN (SELECT resumeObject FROM run WHERE resumeObject IS NOT NULL)
                    """, arguments: [id, id])
            try db.execute(sql: "DELETE FROM resumeState WHERE runId = ?", arguments: [id])
            return objects
        }
        var freed = 0
        for o in unneeded {
            freed += objects.storedSize(o)
            try? objects.remove(o)
        }
        return freed
    }
}
