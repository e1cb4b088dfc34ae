import Codecs
import Determinism
import Foundation
import GRDB

/// The store: an SQLite index (WAL mode, through GRDB) and a content-addressed object store
/// beside it, plus each run's event log and output.
///
///     runs/cairn.sqlite          index
///     runs/objects/ab/cdef….gz   objects, named by the SHA-256 of their uncompressed bytes
///     runs/events/<hash>.jsonl   a run's event log, the source the index is ingested from
///     runs/logs/<hash>.log       a run's stdout and stderr
///
/// Readers never block the writer: several processes can read while one writes.
///
///     let tracker = try Tracker(directory: "runs")
///     try tracker.ingest(run: hash)
public final class Tracker: Sendable {
    public let directory: String
    package let layout: StoreLayout
    package let objects: ObjectStore
    let db: DatabasePool

    public struct StoreError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Opens the store at `directory`. With `create` (what `sweep`, `run` and `import` do) a
    /// missing store is made; without it (every command that only reads) a directory that
    /// holds no store is an error, so a mistyped `--store` never leaves an empty store behind.
    ///
    /// `longLived` is for a process that keeps the store open for hours beside its writers (the
    /// dashboard): it reads through a small page cache instead of a memory map, so its resident
    /// memory stays bounded whatever the store's size, and a file changed under it can only
    /// ever be an error code, never a signal.
    public init(directory: String, create: Bool = true, longLived: Bool = false) throws {
        self.directory = directory
        let fm = FileManager.default
        if !create && !fm.fileExists(atPath: "\(directory)/cairn.sqlite") {
            throw StoreError(
                "\(directory): no Cairn store there (\(fm.fileExists(atPath: directory) ? "no cairn.sqlite in it" : "no such directory")); "
                    + "check --store or $CAIRN_STORE, or make one with `cairn sweep`")
        }
        layout = StoreLayout(directory: directory)
        do {
            try layout.create()
        } catch {
            throw StoreError("\(directory): cannot create the store: \((error as NSError).localizedDescription)")
        }
        objects = try ObjectStore(directory: "\(directory)/objects")
        var config = Configuration()
        config.busyMode = .timeout(30)
        // WAL with synchronous = NORMAL: a commit is not fsynced, so a power cut can lose the
        // last transactions but never corrupts the index. Nothing is lost for good: the event
        // logs (which the run's process fsyncs) are the source, and ingest is idempotent.
        // A command that opens an existing store reads it memory-mapped: no copy of every page
        // into SQLite's cache (a listing of a thousand runs reads megabytes). Not for the
        // commands that create and write stores (the scheduler's ingest): with a map, an I/O
        // error while reading can be a signal rather than an error code.
        let mmap = create || longLived ? "" : "; PRAGMA mmap_size = 1073741824"
        let cache = longLived ? "-16384" : "-65536"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = \(cache)" + mmap) }
        do {
            // Two processes opening a new store at once would both create its tables (and
            // both switch it to WAL): opening and migrating happen under an exclusive lock.
            let lock = open("\(directory)/.lock", O_RDWR | O_CREAT, 0o644)
            defer {
                if lock >= 0 {
                    flock(lock, LOCK_UN)
                    close(lock)
                }
            }
            if lock >= 0 { flock(lock, LOCK_EX) }
            db = try DatabasePool(path: "\(directory)/cairn.sqlite", configuration: config)
            try Schema.migrator.migrate(db)
        } catch let e as DatabaseError {
            // SQLite says only "unable to open database file" when it cannot write (WAL mode
            // needs to, even to read): name the cause when it is the directory.
            if access(directory, W_OK) != 0 {
                throw StoreError("\(directory): the store is not writable: \(String(cString: strerror(errno)))")
            }
            throw StoreError("\(directory)/cairn.sqlite: \(e.message ?? e.description)")
        }
    }

    package func eventLogPath(_ hash: String) -> String { layout.eventLog(hash) }
    public func logPath(_ hash: String) -> String { layout.log(hash) }
    package func leasePath(_ hash: String) -> String { layout.lease(hash) }
}
