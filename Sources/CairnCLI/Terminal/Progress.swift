import Foundation
import Scheduler
import Tracker

/// Progress of a sweep for the person watching. On a terminal: finished runs scroll by as
/// lines, under them a live block — an overall bar (done, failed, running, cached, elapsed,
/// ETA) and one line per running run (hash, varying params, epoch k/n, loss) — redrawn in
/// place. Elsewhere (not a terminal, `TERM=dumb`, or CI set): one plain line per event.
final class Progress {
    let live: Bool
    let total: Int
    let cached: Int
    let epochs: [String: Int]
    /// For runs planned after the progress display started (a bayes sweep's later rounds).
    var fallbackEpochs = 0
    let label: (String) -> String
    let started = Date()
    var done = 0, failed = 0
    var running: [(hash: String, epoch: Int, loss: Double?)] = []
    /// Runs another cairn holds, followed by this one.
    var elsewhere: Set<String> = []
    var drawn = 0

    init(total: Int, cached: Int, epochs: [String: Int], label: @escaping (String) -> String) {
        self.total = total
        self.cached = cached
        self.epochs = epochs
        self.label = label
        live = Terminal.redrawsInPlace
    }

    func handle(_ event: SchedulerEvent) {
        switch event {
        case let .started(hash, attempt):
            elsewhere.remove(hash)  // taken over, if it was followed
            running.append((hash, 0, nil))
            if !live { emit("  start     \(label(hash))\(attempt > 1 ? "  (attempt \(attempt))" : "")") }
        case let .attached(hash):
            running.append((hash, 0, nil))
            emit("  attached  \(label(hash))  (queued or running on Slurm for an earlier cairn: followed, not submitted again)")
        case let .following(hash):
            elsewhere.insert(hash)
            emit("  following \(label(hash))  (held by another cairn: followed until it has a result, taken over if its holders die)")
        case let .progress(hash, epoch, loss):
            if let i = running.firstIndex(where: { $0.hash == hash }) {
                running[i].epoch = epoch
                running[i].loss = loss
            }
            if !live {
                emit(
                    "  epoch \(String(epoch).padding(toLength: 3, withPad: " ", startingAt: 0)) \(String(hash.prefix(12)))  loss \(loss.map { String(format: "%.4f", $0) } ?? "-")"
                )
            }
        case let .retrying(hash, attempt, reason):
            running.removeAll { $0.hash == hash }
            emit("  retry     \(String(hash.prefix(12))) (attempt \(attempt)): \(reason)")
        case let .finished(hash, status, detail):
            running.removeAll { $0.hash == hash }
            elsewhere.remove(hash)
            done += 1
            if status == .failed { failed += 1 }
            emit(
                "  [\(done)/\(total)] \(status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(label(hash))  \(Self.clock(Date().timeIntervalSince(started)))"
                    + (detail.map { "\n    " + $0.replacingOccurrences(of: "\n", with: "\n    ") } ?? ""))
        }
        redraw()
    }

    /// A permanent line (above the live block on a terminal).
    func emit(_ line: String) {
        clear()
        Terminal.line(line)
    }

    func clear() {
        guard live, drawn > 0 else { return }
        var s = ""
        for _ in 0..<drawn { s += "\u{1B}[1A\u{1B}[2K" }  // up one line, erase it
        FileHandle.standardOutput.write(Data(s.utf8))
        drawn = 0
    }

    func redraw() {
        guard live else { return }
        clear()
        let elapsed = Date().timeIntervalSince(started)
        let width = 24
        let filled = total == 0 ? width : width * done / total
        var lines = [
            "  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + "\(done)/\(total) done · \(failed) failed · \(running.count) running\(elsewhere.isEmpty ? "" : " · \(elsewhere.count) elsewhere") · \(cached) cached · \(Self.clock(elapsed))"
                + (done > 0 && done < total ? " · ETA \(Self.clock(elapsed / Double(done) * Double(total - done)))" : "")
        ]
        for r in running {
            lines.append(
                "    \(label(r.hash))  epoch \(r.epoch)/\(epochs[r.hash] ?? fallbackEpochs)  loss \(r.loss.map { String(format: "%.4f", $0) } ?? "-")"
            )
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        drawn = lines.count
    }

    /// Ends the live block (the summary follows).
    func finish() { clear() }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
