import Foundation
import TestSupport
import Testing

/// The shipped examples, exactly as a user runs them: every experiment and sweep file plans,
/// and the README's main command is followed by what a person does next (ls, show, compare,
/// reproduce of the best run) on a scratch store.
@Suite(.serialized) struct ReadmeTests {
    static func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: CairnProcess.packageRoot.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }

    @Test func everyShippedFilePlans() throws {
        let files = try Self.files("experiments") + Self.files("sweeps")
        #expect(files.count >= 5)
        for file in files {
            let r = try CairnProcess.run(["plan", file, "--json"])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            #expect(r.stdout.contains("\"sweep_hash\":"), "\(file)")
        }
    }

    @Test func theQuickstartAsTheReadmeSaysThenWhatComesNext() throws {
        let store = try CairnProcess.temporaryDirectory() + "/runs"
        let env = ["CAIRN_STORE": store]
        let sweep = try CairnProcess.run(["sweep", "sweeps/quickstart.yaml"], environment: env)
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.contains("12 runs — 0 cached, 0 to resume, 12 new"))
        // The summary names the best run and the commands to run next, with short prefixes.
        let bestLine = try #require(sweep.stdout.split(separator: "\n").first { $0.hasPrefix("best: ") })
        let best = String(bestLine.dropFirst(6).prefix(12))
        #expect(best.count == 12 && best.allSatisfy(\.isHexDigit))
        #expect(sweep.stdout.contains("cairn show \(best)") && sweep.stdout.contains("cairn reproduce \(best)"))
        #expect(sweep.stdout.contains("cairn compare --sweep "))
        let sweepPrefix = try #require(sweep.stdout.split(separator: "\n").first { $0.hasPrefix("sweep ") }).dropFirst(6).prefix(12)

        let again = try CairnProcess.run(["sweep", "sweeps/quickstart.yaml"], environment: env)
        #expect(again.status == 0 && again.stdout.contains("12 runs — 12 cached, 0 to resume, 0 new"))
        let ls = try CairnProcess.run(["ls", "--sort", "val_accuracy", "--limit", "3"], environment: env)
        #expect(ls.status == 0 && ls.stdout.split(separator: "\n").dropFirst().first?.contains(best) == true, "\(ls.stdout)")
        let show = try CairnProcess.run(["show", best], environment: env)
        #expect(show.status == 0 && show.stdout.contains("status    completed") && show.stdout.contains("checkpoints"))
        let compare = try CairnProcess.run(["compare", "--sweep", String(sweepPrefix)], environment: env)
        #expect(compare.status == 0 && compare.stdout.contains(best), "\(compare.stderr)")
        let reproduce = try CairnProcess.run(["reproduce", best], environment: env)
        #expect(reproduce.status == 0 && reproduce.stdout.contains("REPRODUCED: \(best)"), "\(reproduce.stdout)\(reproduce.stderr)")
    }
}
