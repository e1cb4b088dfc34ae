import ArgumentParser
import Datasets
import Determinism
import Engine
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn-bench",
        abstract: "Cairn's performance benchmarks. Each prints human lines, then one JSON object as its last stdout line.",
        discussion: """
            Run in a release build: swift run -c release cairn-bench engine --json
            Side by side with the reference tools: Benchmarks/anchors/README.md.
            """,
        subcommands: [
            EngineBench.self, PlanBench.self, TrackerBench.self, ScheduleBench.self, ResumeBench.self, LoadBench.self, DecisionsBench.self,
            SearchBench.self,
        ])
}

func emit(_ fields: [String: JSONValue], json: Bool) {
    if json { print(JSONValue.object(fields).canonical) }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
