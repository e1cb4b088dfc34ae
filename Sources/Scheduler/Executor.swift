import CLinux
import Foundation

/// A run's process could not be started.
public struct ExecutorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where a run's process starts: the seam between "what the scheduler does" and "how a
/// process is started, watched and stopped". Two implementations: the local pool
/// (`LocalProcessExecutor`) and Slurm job arrays (`SlurmExecutor`). The batch forms exist
/// for a cluster, where one submission starts many runs and one query sees them all; their
/// defaults do it one by one.
public protocol Executor: AnyObject {
    associatedtype Handle
    /// Starts `arguments` (the `cairn exec` command line) with output to `logPath`.
    func start(arguments: [String], logPath: String) throws -> Handle
    /// Starts several runs at once, in order (a cluster submits them as one job array).
    func start(batch: [(arguments: [String], logPath: String)]) throws -> [Handle]
    /// Looks once at every handle before `poll` is asked about each (a cluster's one queue
    /// query per interval); nothing by default.
    func refresh(_ handles: [Handle]) throws
    /// The exit status once the process has ended; nil while it runs (or waits in a queue).
    func poll(_ handle: Handle) -> ProcessExit?
    /// Asks the run's processes to stop (`force`: at once).
    func cancel(_ handle: Handle, force: Bool)
    /// Asks several at once (a cluster cancels them in one call).
    func cancel(batch: [Handle], force: Bool)
    /// Returns once one of `handles` may have ended, or after `timeout` seconds.
    func wait(for handles: [Handle], timeout: Double)
    /// Of `runs`, those this executor still has queued or running for an earlier scheduler
    /// (a cluster's queue outlives its submitter), with handles to follow them by: "is this
    /// run's owner alive", asked of the cluster. None by default: a local process ends with
    /// its scheduler's session or is seen through its lease.
    func queued(runs: [String]) throws -> [String: Handle]
}

extension Executor {
    /// One by one; if one cannot start, those already started are stopped (all or nothing).
    public func start(batch: [(arguments: [String], logPath: String)]) throws -> [Handle] {
        var started: [Handle] = []
        do {
            for b in batch { started.append(try start(arguments: b.arguments, logPath: b.logPath)) }
        } catch {
            cancel(batch: started, force: true)
            for h in started { _ = poll(h) }
            throw error
        }
        return started
    }
    public func refresh(_ handles: [Handle]) throws {}
    public func cancel(batch: [Handle], force: Bool) { for h in batch { cancel(h, force: force) } }
    public func queued(runs: [String]) throws -> [String: Handle] { [:] }

    /// Polling: a millisecond at most.
    public func wait(for handles: [Handle], timeout: Double) { Self.pause(timeout) }

    /// Sleeps a millisecond, or `timeout` seconds if less: how often an executor that cannot
    /// be woken by a process's end asks again.
    static func pause(_ timeout: Double) { usleep(UInt32(min(timeout, 0.001) * 1e6)) }
}

public enum ProcessExit: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// A cluster ended the job for its own reason (Slurm's TIMEOUT, CANCELLED, NODE_FAIL,
    /// OUT_OF_MEMORY, PREEMPTED…), with the exit code it reports, and what that means.
    case cluster(state: String, exitCode: Int32, meaning: String)

    public var description: String {
        switch self {
        case .exited(let c): return "exit code \(c)"
        case .cluster(let state, _, let meaning): return "\(meaning) (Slurm \(state))"
        case .signaled(let s): return "killed by signal \(s)\(s == SIGKILL ? " (SIGKILL)" : s == SIGTERM ? " (SIGTERM)" : "")"
        }
    }
}

/// Runs each job as a local child process in its own session (so its whole process group
/// can be signalled, grandchildren included), with stdout and stderr appended to its log.
///
/// Built on posix_spawn rather than swift-subprocess: the scheduler is one synchronous
/// polling loop over many children (waitpid with WNOHANG), which swift-subprocess's
/// async, one-closure-per-process API would have to be rebuilt around.
public final class LocalProcessExecutor: Executor {
    public let executable: String
    /// Linux's POSIX_SPAWN_SETSID (spawn.h, glibc ≥ 2.26), which Swift's Glibc module does not export.
    static let setsid: Int16 = 0x80

    /// A pidfd per running process (Linux ≥ 5.3): readable once the process has ended, so
    /// `wait` sleeps until then instead of waking every millisecond to ask.
    private var pidfds: [pid_t: Int32] = [:]

    public init(executable: String) { self.executable = executable }

    deinit { for fd in pidfds.values { close(fd) } }

    public struct Handle: Sendable {
        public let pid: pid_t
    }

    public func start(arguments: [String], logPath: String) throws -> Handle {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The scheduler ignores SIGINT and SIGTERM (it reads them from a dispatch source), and
        // an ignored signal stays ignored across exec, as a blocked one stays blocked: give the
        // child the default actions and an empty mask, or a timed-out run's SIGTERM would do
        // nothing and only the SIGKILL after the grace period would end it.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Self.setsid | Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, environ)
        guard rc == 0 else {
            throw ExecutorError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        #if os(Linux)
            let fd = pidfd_open(pid, 0)
            if fd >= 0 { pidfds[pid] = fd }
        #endif
        return Handle(pid: pid)
    }

    public func poll(_ handle: Handle) -> ProcessExit? {
        var status: Int32 = 0
        let r = waitpid(handle.pid, &status, WNOHANG)
        guard r == handle.pid else { return nil }
        if let fd = pidfds.removeValue(forKey: handle.pid) { close(fd) }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    public func wait(for handles: [Handle], timeout: Double) {
        #if os(Linux)
            var fds = handles.compactMap { pidfds[$0.pid].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) } }
            if !fds.isEmpty, fds.count == handles.count {
                _ = CLinux.poll(&fds, nfds_t(fds.count), Int32(timeout * 1000))
                return
            }
        #endif
        Self.pause(timeout)  // no pidfds: ask again in a millisecond
    }

    public func cancel(_ handle: Handle, force: Bool) {
        // The child leads its own process group (setsid): signal the group.
        kill(-handle.pid, force ? SIGKILL : SIGTERM)
    }
}
