import Codecs
import Determinism
import Foundation
import TestSupport
import Testing

@testable import Tracker

/// `cairn ui` as a user starts it: the built `cairn`, which runs `cairn-ui` beside it.
@Suite struct DashboardServerTests {
    /// A store with one completed run.
    static func store() throws -> (store: String, run: String) {
        let t = try freshStore()
        let params: [String: JSONValue] = ["train.lr": .number(0.1)]
        let run = TestRun(
            hash: sha256Hex([Array("ui".utf8)]), name: "ui", canonicalSpec: JSONValue.object(params).canonical, params: params)
        _ = try t.record(sweep: nil, runs: [run])
        try append(t, run.hash, [epochMetrics(1, ["val_accuracy": 0.5]), .end(.init(status: .completed, time: 1))])
        _ = try t.ingestAll()
        return (t.directory, run.hash)
    }

    /// Starts the server on a free port; returns it and the URL it printed.
    static func serve(_ store: String, _ extra: [String] = []) throws -> (CairnProcess.Running, String) {
        let server = try CairnProcess.startCapturing(["ui", "--store", store, "--port", "0"] + extra)
        var url = ""
        let printed = try StoreCommandTests.waitUntil(60) {
            let out = (try? String(contentsOfFile: server.outputPath, encoding: .utf8)) ?? ""
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("cairn ui: serving ") }) else { return false }
            url = line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init) ?? ""
            return true
        }
        if !printed {
            kill(server.process.processIdentifier, SIGKILL)
            Issue.record("the server printed no URL: \((try? server.finish())?.stderr ?? "")")
        }
        return (server, url)
    }

    static func curl(_ arguments: [String]) throws -> CairnProcess.Result {
        try CairnProcess.run(["-s", "--max-time", "20"] + arguments, tool: "/usr/bin/curl")
    }

    @Test func aStoreThatDoesNotExistIsRefusedInOneLine() throws {
        let r = try CairnProcess.run(["ui", "--store", "/nonexistent/store"])
        #expect(r.status == 2)
        #expect(
            r.stderr
                == "error: no store at /nonexistent/store (no cairn.sqlite there): give one with --store DIR, or record runs with `cairn sweep`\n"
        )
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func servesAndStopsOnCtrlCWithAStreamOpen() throws {
        let (store, run) = try Self.store()
        let (server, printed) = try Self.serve(store)
        #expect(printed.hasPrefix("http://127.0.0.1:") && printed.contains("/?token="))
        let url = String(printed.prefix { $0 != "?" })
        let page = try Self.curl(["-w", "%{http_code}", url + "runs/" + run.prefix(10)])
        #expect(page.stdout.hasSuffix("200"))
        #expect(page.stdout.contains("data-subject=\"\(run)\""))
        // A name other than loopback's (a page of another site rebound to 127.0.0.1) is refused.
        let rebound = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", url + "api/runs"])
        #expect(rebound.stdout == "403")
        // An open event stream must not hold the shutdown up.
        let stream = try CairnProcess.startCapturing(["-s", "-N", url + "api/events"], tool: "/usr/bin/curl")
        #expect(
            try StoreCommandTests.waitUntil(20) {
                (try? String(contentsOfFile: stream.outputPath, encoding: .utf8))?.contains("event: hello") == true
            })
        kill(server.process.processIdentifier, SIGINT)
        let stopped = try StoreCommandTests.waitUntil(20) { !server.process.isRunning }
        #expect(stopped, "cairn ui did not stop within 20 s of Ctrl-C with an event stream open")
        if !stopped { kill(server.process.processIdentifier, SIGKILL) }
        let ended = try server.finish()
        #expect(ended.status == 0, "\(ended.stdout)\n\(ended.stderr)")
        kill(stream.process.processIdentifier, SIGKILL)
        _ = try stream.finish()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func anotherAddressPrintsAndRequiresItsToken() throws {
        let (store, _) = try Self.store()
        let (server, url) = try Self.serve(store, ["--host", "0.0.0.0"])
        defer {
            kill(server.process.processIdentifier, SIGINT)
            _ = try? server.finish()
        }
        let parts = url.split(separator: "?")
        try #require(parts.count == 2)
        #expect(parts[1].hasPrefix("token=") && parts[1].count == 6 + 48)
        let base = String(parts[0]).replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "api/runs"]).stdout == "401")
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "api/runs?" + parts[1]]).stdout == "200")
    }
}
