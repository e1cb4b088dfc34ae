import Foundation
import TestSupport
import Testing

/// Runs the built `cairn` as a user would, on the shipped experiment files.
@Suite struct TrainCommandTests {
    @Test func quickstartTrainsAndReportsJSON() throws {
        let dir = try CairnProcess.temporaryDirectory()
        let out = "\(dir)/q.safetensors"
        let r = try CairnProcess.run(["train", "experiments/quickstart.yaml", "--json", "--checkpoint-out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let last = try #require(r.stdout.split(separator: "\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        for key in [
            "checkpoint_sha256", "test_accuracy", "val_accuracy", "final_train_loss", "samples_per_second", "numerics_version", "run_hash",
        ] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect((json["test_accuracy"] as? Double ?? 0) > 0.8)
        #expect(r.stdout.contains("epoch 10/10"))
        // The file written is the checkpoint whose hash was printed, and a second run is identical.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(bytes.count > 1000)
        let again = try CairnProcess.run(["train", "experiments/quickstart.yaml", "--json", "--checkpoint-out", "\(dir)/q2.safetensors"])
        let json2 = try #require(
            try JSONSerialization.jsonObject(with: Data(again.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        #expect(json2["checkpoint_sha256"] as? String == json["checkpoint_sha256"] as? String)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/q2.safetensors")) == bytes)
    }

    @Test func badExperimentExitsTwoWithOneClearLine() throws {
        let dir = try CairnProcess.temporaryDirectory()
        let file = "\(dir)/bad.yaml"
        try "name: bad\ntrain:\n  lr: fast\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CairnProcess.run(["train", file])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(file):3:7: train.lr: expected a number, found \"fast\"\n")
        #expect(r.stdout.isEmpty)
    }

    /// Every command reports a file with several errors the same way: one line each, each
    /// prefixed `error: `.
    @Test func aMultiErrorReportPrefixesEveryLine() throws {
        let dir = try CairnProcess.temporaryDirectory()
        let file = "\(dir)/bad.yaml"
        try "name: bad\ntrain:\n  lr: fast\n  epochs: many\n".write(toFile: file, atomically: true, encoding: .utf8)
        let expected =
            "error: \(file):3:7: train.lr: expected a number, found \"fast\"\n"
            + "error: \(file):4:11: train.epochs: expected an integer, found \"many\"\n"
        for command in [["train", file], ["plan", file], ["run", file, "--store", "\(dir)/runs"]] {
            let r = try CairnProcess.run(command)
            #expect(r.status == 2, "\(command)")
            #expect(r.stderr == expected, "\(command): \(r.stderr)")
        }
    }

    @Test func badOverrideAndUsageExitTwo() throws {
        let r = try CairnProcess.run(["train", "experiments/quickstart.yaml", "--set", "train.epochs=many"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--set train.epochs=many: train.epochs: expected an integer"))
        let usage = try CairnProcess.run(["train"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("Missing expected argument"))
        let missing = try CairnProcess.run(["train", "no/such.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("no/such.yaml: cannot read the file"))
    }

    @Test func helpTeaches() throws {
        let r = try CairnProcess.run(["train", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:") && r.stdout.contains("--set <key=value>"))
    }
}

/// Finds and runs the `cairn` built next to this test bundle.
