import Foundation
import TestSupport
import Testing

/// `method: bayes` through `cairn plan` and `cairn sweep`, with real run processes: the same
/// suggestions at 1 and 2 workers, a rerun that trains nothing and suggests the same, and
/// early termination's W&B rule composing with it.
@Suite(.serialized) struct ModelSearchCommandTests {
    static func files(_ dir: String, model: String, extra: String = "") throws {
        try """
        name: small
        data: { dataset: digits, validation: 200 }
        model: { hidden: [8] }
        train: { optimizer: adam, epochs: 4, batch_size: 16 }
        """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        try """
        experiment: e.yaml
        method: bayes
        run_cap: 6
        seed: 3
        metric: { name: val_accuracy, goal: maximize }
        bayes: { model: \(model), batch: 2 }
        \(extra)
        parameters:
          train.lr: { distribution: log_uniform_values, min: 0.001, max: 0.3 }
          model.hidden: { values: [[4], [8], [16]] }
        """.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
    }

    static func suggestions(_ store: String) throws -> String {
        let dir = "\(store)/searches"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        return try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8)
    }

    @Test(arguments: ["gp", "tpe"])
    func theSameSuggestionsAtOneAndTwoWorkersAndAgainFromTheStore(_ model: String) throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, model: model)
        let plan = try CairnProcess.run(["plan", "\(dir)/s.yaml"])
        #expect(plan.status == 0 && plan.stdout.contains("round 0 (2 runs) below; later rounds depend on the results"), "\(plan.stdout)")
        var outputs: [String] = []
        for workers in [1, 2] {
            let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/w\(workers)", "--workers", "\(workers)", "--json"])
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            #expect(SweepCommandTests.runs(try SweepCommandTests.summary(r)).count == 6)
            outputs.append(try Self.suggestions("\(dir)/w\(workers)"))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].split(separator: "\n").count == 6)
        let again = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/w1", "--json"])
        let s = try SweepCommandTests.summary(again)
        #expect(s["cached"] as? Int == 6, "\(again.stdout)")
        #expect(try Self.suggestions("\(dir)/w1") == outputs[0])
        // --rerun trains each run once (each round claims only its own runs) and ends the same.
        let rerun = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/w1", "--rerun", "--json"])
        #expect(try SweepCommandTests.summary(rerun)["completed"] as? Int == 6, "\(rerun.stdout)")
        #expect(try Self.suggestions("\(dir)/w1") == outputs[0])
    }

    @Test func w_bsRuleStopsRunsOfABayesSweep() throws {
        let dir = try CairnProcess.temporaryDirectory()
        try Self.files(dir, model: "gp", extra: "early_terminate: { type: hyperband, min_iter: 1, eta: 2 }")
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--store", "\(dir)/runs", "--json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let runs = SweepCommandTests.runs(try SweepCommandTests.summary(r))
        #expect(runs.count == 6)
        #expect(runs.values.contains { $0["status"] as? String == "stopped" }, "\(runs.values.map { $0["status"] ?? "" })")
    }
}
