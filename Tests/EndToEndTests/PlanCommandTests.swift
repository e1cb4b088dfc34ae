import Foundation
import TestSupport
import Testing

/// `cairn plan` on the shipped sweep files, as a user runs it.
@Suite struct PlanCommandTests {
    func json(_ r: CairnProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func quickstartSweepPlansTwelveRunsAsJSON() throws {
        let r = try CairnProcess.run(["plan", "sweeps/quickstart.yaml", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r)
        #expect(j["count"] as? Int == 12)
        let runs = try #require(j["runs"] as? [[String: Any]])
        #expect(runs.count == 12)
        let params = try #require(runs.first?["params"] as? [String: Any])
        #expect(Set(params.keys) == ["train.lr", "model.hidden", "train.seed"])
        let spec = try #require(runs.first?["spec"] as? [String: Any])
        #expect(Set(spec.keys) == ["data", "model", "train", "checkpoint"])
        for run in runs { #expect((run["hash"] as? String)?.count == 64) }
        // Same plan, same hashes.
        let again = try json(try CairnProcess.run(["plan", "sweeps/quickstart.yaml", "--json"]))
        #expect((again["runs"] as? [[String: Any]])?.map { $0["hash"] as? String } == runs.map { $0["hash"] as? String })
        #expect(again["sweep_hash"] as? String == j["sweep_hash"] as? String)
    }

    @Test func tableShowsOnlyWhatVaries() throws {
        let r = try CairnProcess.run(["plan", "experiments/quickstart.yaml", "--set", "train.lr=0.1,0.01"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines[1] == "2 runs")
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true) == ["run", "train.lr"])
        #expect(lines.count == 5)
    }

    @Test func theTrainHashIsThePlannedHash() throws {
        let train = try CairnProcess.run([
            "train", "experiments/quickstart.yaml", "--json", "--set", "train.epochs=1",
            "--checkpoint-out", "\(try CairnProcess.temporaryDirectory())/c.safetensors",
        ])
        let plan = try json(try CairnProcess.run(["plan", "experiments/quickstart.yaml", "--json", "--set", "train.epochs=1"]))
        let trained = try #require(
            try JSONSerialization.jsonObject(with: Data(train.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        #expect((plan["runs"] as? [[String: Any]])?.first?["hash"] as? String == trained["run_hash"] as? String)
    }

    @Test func everyErrorIsReportedAndExitIsTwo() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try "name: e\n".write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try "experiment: e.yaml\nmethod: gird\nparameters:\n  train.lr: { values: [fast] }\n  model.hidden: { values: 3 }\n"
            .write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        let r = try CairnProcess.run(["plan", "\(dir)/s.yaml"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(
            lines[0]
                == "error: \(dir)/s.yaml:2:9: method: unknown value \"gird\"; expected one of: grid, random, bayes; did you mean \"grid\"?")
        #expect(lines[1] == "error: \(dir)/s.yaml:5:27: parameters.model.hidden.values: expected a non-empty list of values")
        #expect(r.stdout.isEmpty)
    }

    @Test func trainRefusesASweepingOverride() throws {
        let r = try CairnProcess.run(["train", "experiments/quickstart.yaml", "--set", "train.lr=0.1,0.01"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--set train.lr=0.1,0.01: train.lr: gives several values, but this trains one run"))
    }
}
