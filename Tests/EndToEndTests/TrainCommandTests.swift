import Foundation
import Testing

/// Runs the built `cairn` as a user would, on the shipped experiment files.
@Suite struct TrainCommandTests {
    @Test func quickstartTrainsAndReportsJSON() throws {
        let dir = try Cairn.temporaryDirectory()
        let out = "\(dir)/q.safetensors"
        let r = try Cairn.run(["train", "experiments/quickstart.yaml", "--json", "--checkpoint-out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let last = try #require(r.stdout.split(separator: "\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        for key in ["checkpoint_sha256", "test_accuracy", "val_accuracy", "final_train_loss", "samples_per_second", "numerics_version", "run_hash"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect((json["test_accuracy"] as? Double ?? 0) > 0.8)
        #expect(r.stdout.contains("epoch 10/10"))
        // The file written is the checkpoint whose hash was printed, and a second run is identical.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(bytes.count > 1000)
        let again = try Cairn.run(["train", "experiments/quickstart.yaml", "--json", "--checkpoint-out", "\(dir)/q2.safetensors"])
        let json2 = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        #expect(json2["checkpoint_sha256"] as? String == json["checkpoint_sha256"] as? String)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/q2.safetensors")) == bytes)
    }

    @Test func badExperimentExitsTwoWithOneClearLine() throws {
        let dir = try Cairn.temporaryDirectory()
        let file = "\(dir)/bad.yaml"
        try "name: bad\ntrain:\n  lr: fast\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Cairn.run(["train", file])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(file):3:7: train.lr: expected a number, found \"fast\"\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func badOverrideAndUsageExitTwo() throws {
        let r = try Cairn.run(["train", "experiments/quickstart.yaml", "--set", "train.epochs=many"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--set train.epochs=many: train.epochs: expected an integer"))
        let usage = try Cairn.run(["train"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("Missing expected argument"))
        let missing = try Cairn.run(["train", "no/such.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("no/such.yaml: cannot read the file"))
    }

    @Test func helpTeaches() throws {
        let r = try Cairn.run(["train", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:") && r.stdout.contains("--set <key=value>"))
    }
}

/// Finds and runs the `cairn` built next to this test bundle.
enum Cairn {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var executable: URL {
        get throws {
            let dir = Bundle.main.bundleURL.hasDirectoryPath && Bundle.main.bundleURL.pathExtension == "xctest"
                ? Bundle.main.bundleURL.deletingLastPathComponent() : Bundle.main.bundleURL
            for candidate in [dir.appendingPathComponent("cairn"), packageRoot.appendingPathComponent(".build/debug/cairn")]
            where FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "cairn executable (build it with `swift build`)"])
        }
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Starts `cairn` without waiting; its output is discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = try executable
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// A started `cairn` whose output goes to files, read when it ends.
    struct Running {
        let process: Process
        let out: URL
        let err: URL
        func finish() throws -> Result {
            process.waitUntilExit()
            return Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                          stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
        }
    }

    static func startCapturing(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let p = Process()
        p.executableURL = try executable
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Output goes to files, not pipes: nothing can block on a full pipe.
        let dir = try temporaryDirectory()
        let out = URL(fileURLWithPath: "\(dir)/stdout"), err = URL(fileURLWithPath: "\(dir)/stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return Running(process: p, out: out, err: err)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try startCapturing(arguments, environment: environment).finish()
    }
}
