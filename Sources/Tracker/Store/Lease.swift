import Determinism
import Foundation

/// A process as a claim or a lease names it: host, pid, start time and boot id, so that a pid
/// the kernel has since given to another process is never mistaken for it.
package struct ProcessIdentity: Equatable, Sendable {
    package let host: String
    package let pid: Int32
    /// Clock ticks from boot to the process's start (`/proc/<pid>/stat`, field 22).
    package let started: UInt64
    package let boot: String

    package static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName, pid: getpid(), started: startTime(of: getpid()) ?? 0, boot: bootID)

    static let bootID =
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        ?? ""

    package init(host: String, pid: Int32, started: UInt64, boot: String) {
        self.host = host
        self.pid = pid
        self.started = started
        self.boot = boot
    }

    /// When `pid` started, or nil if no such process is alive (a zombie is not).
    package static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        // After the command name: the state is the first field, the start time the twentieth.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// Whether this process is alive; nil when that cannot be told from here (another host).
    package var isAlive: Bool? {
        guard host == ProcessIdentity.current.host else { return nil }
        guard boot == ProcessIdentity.current.boot else { return false }  // this machine rebooted since
        return ProcessIdentity.startTime(of: pid) == started
    }

    package var json: JSONValue {
        ["host": .string(host), "pid": .number(Double(pid)), "started": .number(Double(started)), "boot": .string(boot)]
    }

    package init?(json: JSONValue?) {
        guard let j = json, let host = j["host"]?.stringValue, let pid = j["pid"]?.doubleValue, let started = j["started"]?.doubleValue,
            let boot = j["boot"]?.stringValue
        else { return nil }
        self.init(host: host, pid: Int32(pid), started: UInt64(started), boot: boot)
    }

    package init?(text: String?) {
        guard let text, let json = try? JSONValue.parse(Array(text.utf8)) else { return nil }
        self.init(json: json)
    }
}

/// Who holds a run. Its owner is the scheduler that claimed it, recorded in the index with the
/// claim itself (one transaction: two claimers can never both believe they own it); its
/// holder is the run's own process, named in the run's lease file (`runs/leases/<hash>.lease`),
/// which that process writes when it starts and refreshes every `interval` seconds.
///
/// A run is held while its owner or its holder is a live process: one whose scheduler was
/// killed is followed while its process trains, and one whose process died is its
/// scheduler's to retry; when both are gone the hold is void at once. Where a process is on
/// another machine (its liveness cannot be seen from here), the lease file's age decides: held
/// while it was refreshed within `expiry` seconds.
package final class Lease: @unchecked Sendable {
    package static let interval: TimeInterval = 1
    package static let expiry: TimeInterval = 10
    let path: String
    private var timer: DispatchSourceTimer?

    package init(path: String) { self.path = path }

    /// The run's process takes the lease and refreshes it while it trains. Neither atomic nor
    /// fsynced: a lease means something only while this machine is up, and one lost or torn in
    /// a crash reads as void, which it is.
    package func start() {
        let bytes = JSONValue.object(["holder": ProcessIdentity.current.json]).canonicalBytes + [0x0A]
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd >= 0 {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + Lease.interval, repeating: Lease.interval)
        t.setEventHandler { [path] in _ = utimes(path, nil) }
        t.resume()
        timer = t
    }

    /// Stops refreshing. The file stays: until the scheduler has recorded the run's outcome,
    /// the run must not look abandoned; the scheduler removes it then.
    package func stop() {
        timer?.cancel()
    }

    /// A scheduler keeps the leases of the runs it has queued fresh (for readers on other
    /// machines), making an empty one where there is none.
    package static func refresh(_ paths: [String]) {
        for p in paths where utimes(p, nil) != 0 {
            let fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 { close(fd) }
        }
    }

    /// The process a lease file names as the run's holder.
    package static func holder(_ path: String) -> ProcessIdentity? {
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse([UInt8](data)) else { return nil }
        return ProcessIdentity(json: json["holder"])
    }

    /// Whether a run with this `owner` (from its claim) and this lease file is held by a live
    /// process (see the type's comment).
    package static func isHeld(owner: ProcessIdentity?, lease path: String, now: Date = Date()) -> Bool {
        var unknown = false
        let named = [owner, holder(path)].compactMap { $0 }
        for process in named {
            switch process.isAlive {
            case true?: return true
            case false?: continue
            case nil: unknown = true
            }
        }
        // A process on another machine, or a lease that names none (a store from a Cairn that
        // wrote only pids): the file's age decides.
        guard unknown || named.isEmpty else { return false }
        guard let m = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return now.timeIntervalSince(m) < expiry
    }
}
