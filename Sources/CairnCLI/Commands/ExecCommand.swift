import ArgumentParser
import Datasets
import Foundation
import Runner

/// `cairn exec <hash>`: what the scheduler starts for each run.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Train one recorded run (the scheduler starts this; not for people).", shouldDisplay: false)

    @Argument var hash: String
    @Option var attempt = 1
    @OptionGroup var data: DataOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        do {
            let tracker = try store.open()
            // The scheduler passes whole hashes (a missing run is reported by `execute`).
            let full = hash.count == 64 ? hash : try tracker.resolve(hash)
            let status = try RunProcess.execute(hash: full, store: tracker, attempt: attempt, dataDirectory: data.option)
            print("run \(hash.prefix(12)): \(status.rawValue)")
            // The result is durable (the log is fsynced): the process ends here, without closing
            // the store's connections, stopping the lease's timer or tearing down the runtime,
            // which took 1-4 ms that the next run on this worker waited for. SQLite needs no
            // close after reads, and the lease is the scheduler's to remove.
            fflush(nil)
            _exit(0)
        } catch {
            // Whatever stopped the run is a failure of the run (exit 1), its reason in its log.
            throw CLIError(String(describing: error), code: 1)
        }
    }
}
