import CLinux
import Foundation
import Hummingbird
import Synchronization

/// Live updates: the server sleeps in `read(2)` on an inotify descriptor watching the store's
/// directory, and wakes only when the index's files change (a scheduler ingesting an epoch,
/// a tag, a reproduction). Each change, coalesced over `quiet` seconds, bumps a generation
/// that every open page's event stream receives; the page then fetches what it shows again.
/// No timer, no polling: an idle server uses no CPU.
public final class LiveUpdates: Sendable {
    private struct State {
        var generation = 0
        var subscribers: [Int: AsyncStream<Int>.Continuation] = [:]
        var nextId = 0
        var pending = false
        var watching = false
    }
    private let state = Mutex(State())
    /// How long changes are gathered into one (a commit touches the WAL several times).
    let quiet: Duration

    public init(quiet: Duration = .milliseconds(20)) { self.quiet = quiet }

    public var generation: Int { state.withLock { $0.generation } }

    /// Whether the store is watched, so that an unchanged generation means an unchanged store.
    public var watching: Bool { state.withLock { $0.watching } }

    /// Watches `directory` (the store) on a thread of its own. Linux only; elsewhere pages
    /// show what they had when loaded.
    public func watch(directory: String) throws {
        #if os(Linux)
            let fd = inotify_init1(Int32(IN_CLOEXEC))
            guard fd >= 0 else { throw Failure(.internalServerError, "inotify_init1 failed (errno \(errno))") }
            let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE)
            guard inotify_add_watch(fd, directory, mask) >= 0 else {
                throw Failure(.internalServerError, "cannot watch \(directory) for changes (errno \(errno))")
            }
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return }
                    if Self.touchesIndex(buffer[..<n]) { changed() }
                }
            }
            thread.name = "cairn-ui store watch"
            thread.start()
            state.withLock { $0.watching = true }
        #endif
    }

    /// Whether any of the events names one of the index's files (`cairn.sqlite`, its WAL
    /// and shared memory), not a spec or a lease written beside them.
    static func touchesIndex(_ events: ArraySlice<UInt8>) -> Bool {
        #if os(Linux)
            var i = events.startIndex
            let header = MemoryLayout<inotify_event>.size
            while i + header <= events.endIndex {
                let (mask, len) = events.withUnsafeBytes {
                    (
                        $0.loadUnaligned(fromByteOffset: i - events.startIndex + 4, as: UInt32.self),
                        Int($0.loadUnaligned(fromByteOffset: i - events.startIndex + 12, as: UInt32.self))
                    )
                }
                // The kernel dropped events: something may have changed.
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { return true }
                let name = events[(i + header)..<min(i + header + len, events.endIndex)].prefix { $0 != 0 }
                if name.starts(with: Array("cairn.sqlite".utf8)) { return true }
                i += header + len
            }
        #endif
        return false
    }

    /// Marks the store changed; subscribers hear of it once `quiet` has passed.
    public func changed() {
        let schedule = state.withLock { s -> Bool in
            if s.pending { return false }
            s.pending = true
            return true
        }
        guard schedule else { return }
        Task {
            try? await Task.sleep(for: quiet)
            state.withLock { s in
                s.pending = false
                s.generation += 1
                for c in s.subscribers.values { c.yield(s.generation) }
            }
        }
    }

    /// A stream of generations, from now on, until the page goes away.
    func subscribe() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s in
            s.nextId += 1
            s.subscribers[s.nextId] = continuation
            return s.nextId
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// Closes every stream: what a graceful shutdown does, so it need not wait for open pages.
    func finishAll() {
        let open = state.withLock { s in
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for c in open { c.finish() }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
