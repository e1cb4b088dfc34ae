import Foundation

/// Appends events to a run's log: O_APPEND writes, fsync on demand.
///
/// Epoch-end fsyncs run on a background queue while training goes on: they bound what a
/// crash can lose of an unfinished run (which is trained again anyway), and waiting for
/// each one left a core idle for a disk flush per epoch — with several runs at once, one
/// flush after another, since they share the file system's journal. The end-of-run `sync`
/// waits for those and then for its own, before the run's process reports its result.
package final class EventLog: @unchecked Sendable {
    let fd: Int32
    let path: String
    private let syncs = DispatchQueue(label: "cairn.event-log.sync")
    /// A background fsync's failure (errno), reported by the next `append` or `sync`.
    private var syncError: Int32 = 0
    private let lock = NSLock()

    package struct WriteError: Error, CustomStringConvertible {
        package let description: String
    }

    /// Opens the log for appending. A log whose last line was cut off (its process died
    /// mid-write) is first cut back to its last complete line, so the next event starts a line
    /// of its own; ingest never reads past a log's last newline, so nothing ingested is lost.
    package init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else {
            throw EventLog.WriteError(description: "\(path): cannot open the event log: \(String(cString: strerror(errno)))")
        }
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 {
            var end = size
            var byte: UInt8 = 0
            while end > 0 && pread(fd, &byte, 1, end - 1) == 1 && byte != 0x0A { end -= 1 }
            if end < size { _ = ftruncate(fd, end) }
        }
    }

    /// The events of a log as far as its last complete line; lines that do not parse (a log
    /// written by another version, a torn write) are skipped.
    package static func read(_ path: String) -> [RunEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var events: [RunEvent] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while let nl = bytes[start...].firstIndex(of: 0x0A) {
                if let e = try? RunEvent.parse(UnsafeBufferPointer(rebasing: bytes[start..<nl])) { events.append(e) }
                start = nl + 1
            }
        }
        return events
    }

    deinit {
        syncs.sync {}
        close(fd)
    }

    package func append(_ event: RunEvent) throws {
        try checkBackgroundSync()
        let line = event.line()
        try line.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(fd, b.baseAddress! + off, b.count - off)
                guard n > 0 else { throw EventLog.WriteError(description: "\(path): cannot write: \(String(cString: strerror(errno)))") }
                off += n
            }
        }
    }

    /// Starts an fsync of everything appended so far, without waiting for it.
    package func syncInBackground() throws {
        try checkBackgroundSync()
        syncs.async { [self] in
            if fsync(fd) != 0 {
                let e = errno
                lock.lock()
                syncError = e
                lock.unlock()
            }
        }
    }

    /// Makes everything appended so far durable, waiting for it.
    package func sync() throws {
        syncs.sync {}
        try checkBackgroundSync()
        guard fsync(fd) == 0 else { throw EventLog.WriteError(description: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }

    private func checkBackgroundSync() throws {
        lock.lock()
        let e = syncError
        lock.unlock()
        guard e == 0 else { throw EventLog.WriteError(description: "\(path): fsync failed: \(String(cString: strerror(e)))") }
    }
}
