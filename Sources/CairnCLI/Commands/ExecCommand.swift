import ArgumentParser
import Foundation
import Runner
import Scheduler
import Tracker

/// `cairn exec <hash>`: what the scheduler starts for each run (`ExecInvocation` builds its
/// command line). It reads the run's spec file and writes its event log and objects; it never
/// opens the store's index.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Train one recorded run (the scheduler starts this; not for people).", shouldDisplay: false)

    @Argument var hash: String
    @Option var attempt = 1
    @Option var pauseAfter: Int?
    /// Exactly what the scheduler passes (never $CAIRN_THREADS, which a run's process inherits).
    @Option var threads = 1
    @OptionGroup var data: DataOptions
    @OptionGroup var store: StoreOptions

    /// What the scheduler asked for.
    var invocation: ExecInvocation {
        ExecInvocation(
            hash: hash, attempt: attempt, store: store.path, dataDirectory: data.option, pauseAfter: pauseAfter,
            threads: threads)
    }

    func run() throws {
        do {
            let status = try RunProcess.execute(
                hash: hash, store: StoreLayout(directory: store.path), attempt: attempt, dataDirectory: data.option,
                pauseAfter: pauseAfter, threads: threads)
            print("run \(hash.prefix(12)): \(status.rawValue)")
            // The result is durable (the log is fsynced): the process ends here, without stopping
            // the lease's timer or tearing down the runtime, which took 1-4 ms that the next run
            // on this worker waited for. The lease is the scheduler's to remove.
            fflush(nil)
            _exit(0)
        } catch {
            // Whatever stopped the run is a failure of the run (exit 1), its reason in its log.
            throw CLIError(String(describing: error), code: 1)
        }
    }
}
