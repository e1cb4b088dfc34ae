import Foundation

/// A running run's lease: a file whose modification time its process refreshes every
/// `Lease.interval` seconds. A scheduler that finds a run `running` in the index treats it as
/// alive while its lease is younger than `Lease.expiry`, and re-queues it after.
package final class Lease: @unchecked Sendable {
    package static let interval: TimeInterval = 1
    package static let expiry: TimeInterval = 10
    let path: String
    private var timer: DispatchSourceTimer?

    package init(path: String) { self.path = path }

    package func start() {
        touch()
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + Lease.interval, repeating: Lease.interval)
        t.setEventHandler { [path] in _ = utimes(path, nil) }
        t.resume()
        timer = t
    }

    func touch() { Self.stamp(path) }

    /// Creates or rewrites a lease file holding this process's pid. Neither atomic nor
    /// fsynced: only its modification time counts, a lease means something only while this
    /// machine is up, and one lost in a crash reads as expired, which it is. (A sweep claims
    /// all its runs at once: a sync per lease cost it a disk flush per run before its first.)
    static func stamp(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Stops refreshing. The file stays: until the scheduler has recorded the run's outcome,
    /// the run must not look abandoned to another scheduler; the scheduler removes it then.
    package func stop() {
        timer?.cancel()
    }

    /// Takes or refreshes a lease on behalf of a scheduler (for a run it has claimed but not
    /// started yet).
    package static func hold(_ path: String) {
        if utimes(path, nil) != 0 { stamp(path) }
    }

    /// Whether the lease at `path` was refreshed within `expiry` seconds.
    package static func isAlive(_ path: String, now: Date = Date()) -> Bool {
        guard let m = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return now.timeIntervalSince(m) < expiry
    }
}
