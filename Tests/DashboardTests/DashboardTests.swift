import Codecs
import Determinism
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Vocabulary

@testable import Dashboard
@testable import Tracker

/// The dashboard's routes, through Hummingbird's testing module (no socket).
@Suite struct DashboardTests {
    /// A sweep of 6 runs: lr 0.1/0.01/0.001 × seed 0/1, three epochs each, val_accuracy
    /// rising with lr and seed; one run reproduced.
    static func store() throws -> (Tracker, [RunEntry]) {
        let t = try freshStore()
        var runs: [RunEntry] = []
        for (i, lr) in [0.1, 0.01, 0.001].enumerated() {
            for seed in 0..<2 {
                let params: [String: JSONValue] = ["train.lr": .number(lr), "train.seed": .number(Double(seed)), "model.hidden": [32]]
                runs.append(
                    TestRun(
                        hash: sha256Hex([Array("dash \(i) \(seed)".utf8)]), name: "r\(i)-\(seed)",
                        canonicalSpec: JSONValue.object(params).canonical, params: params))
            }
        }
        let sweep = SweepRecord(
            hash: sha256Hex([Array("sweep".utf8)]), source: "sweeps/t.yaml", definition: "{}", metric: "val_accuracy", goal: "maximize")
        _ = try t.record(sweep: sweep, runs: runs)
        for (k, r) in runs.enumerated() {
            try append(
                t, r.hash,
                (1...3).map { e in
                    epochMetrics(e, ["val_accuracy": 0.5 + Double(k) * 0.05 + Double(e) * 0.01, "val_loss": 1.0 - Double(k) * 0.1])
                }
                    + [.end(.init(status: .completed, time: 1))])
        }
        _ = try t.ingestAll()
        try t.record(
            reproduction: ReproductionRecord(
                verdict: .reproduced, detail: nil, at: Date(timeIntervalSince1970: 1_800_000_000), cairnVersion: "0.1.0",
                numericsVersion: 2,
                host: "test-host"), run: runs[0].hash)
        return (t, runs)
    }

    static func app(_ t: Tracker, host: String = "127.0.0.1", token: String = "t0k3n") -> some ApplicationProtocol {
        Application(router: Dashboard.router(tracker: t, access: Access(token: token, host: host), live: LiveUpdates()))
    }

    static func json(_ r: TestResponse) -> JSONValue { (try? JSONValue.parse(Array(r.body.readableBytesView))) ?? .null }
    static func text(_ r: TestResponse) -> String { String(buffer: r.body) }

    @Test func runsTableSortsFiltersAndPages() async throws {
        let (t, runs) = try Self.store()
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/api/runs?sort=val_accuracy", method: .get) { r in
                #expect(r.status == .ok)
                guard case .object(let o) = Self.json(r), case .array(let rows)? = o["rows"] else {
                    Issue.record("not rows: \(Self.text(r))")
                    return
                }
                #expect(o["total"] == .number(6))
                // Best first: the last recorded run has the highest val_accuracy.
                #expect(rows.map { $0.hash ?? "" } == runs.reversed().map(\.hash))
                #expect(o["columns"] == ["params": ["train.lr", "train.seed"], "metrics": ["val_accuracy", "val_loss"]])
                #expect(o["command"] == .string("cairn ls --sort val_accuracy"))
                #expect(rows.last?.object?["badge"] == .string("reproduced"))
            }
            try await client.execute(uri: "/api/runs?where=train.lr%20%3C%200.05&sort=train.lr&dir=asc&limit=1&offset=1", method: .get) {
                r in
                guard case .object(let o) = Self.json(r), case .array(let rows)? = o["rows"] else {
                    Issue.record("not rows: \(Self.text(r))")
                    return
                }
                #expect(o["total"] == .number(4))
                #expect(rows.count == 1)
                #expect(rows.first?.object?["params"]?.object?["train.lr"] == .number(0.001))
                #expect(o["command"] == .string("cairn ls --where 'train.lr < 0.05' --sort train.lr --order asc"))
            }
            try await client.execute(uri: "/api/runs?tag=best&status=completed", method: .get) { r in
                #expect(Self.json(r).object?["total"] == .number(0))
                #expect(Self.json(r).object?["command"] == .string("cairn ls --status completed --where 'tag = \"best\"'"))
            }
        }
    }

    @Test func aMalformedWhereIsA400WithTheCLIsMessage() async throws {
        let (t, _) = try Self.store()
        let cli: String
        do {
            _ = try Filter.parse("train.lr <")
            cli = ""
        } catch { cli = "\(error)" }
        #expect(cli.contains("expected a value"))
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/api/runs?where=train.lr%20%3C", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(Self.json(r).object?["error"] == .string(cli))
            }
            try await client.execute(uri: "/?where=train.lr%20%3C", method: .get) { r in
                #expect(r.status == .badRequest)
                // The message as HTML text: its `<` escaped.
                #expect(Self.text(r).contains("--where: expected a value after &lt; at column 11"))
            }
            try await client.execute(uri: "/api/runs?where=learning_rate%20%3E%201", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(Self.json(r).object?["error"]?.string?.hasPrefix("--where: no param or metric is called \"learning_rate\"") == true)
            }
            try await client.execute(uri: "/api/runs?status=done", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/runs?limit=-3", method: .get) { r in #expect(r.status == .badRequest) }
        }
    }

    @Test func unknownAndAmbiguousRunsAre404sNamingThem() async throws {
        let (t, runs) = try Self.store()
        // Two more runs whose hashes share the prefix "abc".
        let twins = ["abc1", "abc2"].map { p -> RunEntry in
            let params: [String: JSONValue] = ["train.lr": .number(1)]
            return TestRun(
                hash: p + String(sha256Hex([Array(p.utf8)]).dropFirst(4)), name: p, canonicalSpec: JSONValue.object(params).canonical,
                params: params)
        }
        _ = try t.record(sweep: nil, runs: twins)
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/runs/abcdef0123", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(Self.text(r).contains("no run matches abcdef0123"))
            }
            try await client.execute(uri: "/api/runs/zz", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(Self.json(r).object?["error"] == .string("\"zz\" is not a run hash or prefix (hex digits)"))
            }
            try await client.execute(uri: "/runs/abc", method: .get) { r in
                #expect(r.status == .notFound)
                let body = Self.text(r)
                #expect(body.contains("abc is ambiguous: it matches 2 runs"))
                for h in twins { #expect(body.contains(String(h.hash.prefix(16)))) }
            }
            try await client.execute(uri: "/runs/\(runs[2].hash.prefix(8))", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Self.text(r).contains("data-subject=\"\(runs[2].hash)\""))
            }
            try await client.execute(uri: "/sweeps/ffff", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/compare?runs=\(runs[0].hash.prefix(10)),nothex", method: .get) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func staticFilesAreTheEmbeddedOnesOnly() async throws {
        let (t, _) = try Self.store()
        try await Self.app(t).test(.router) { client in
            let etag = try await client.execute(uri: "/assets/app.js", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(Self.text(r) == Assets.app)
                return r.headers[.eTag]
            }
            try await client.execute(uri: "/assets/app.js", method: .get, headers: [.ifNoneMatch: etag ?? ""]) { r in
                #expect(r.status == .notModified)
            }
            for path in [
                "/assets/../cairn.sqlite", "/assets/%2e%2e%2fcairn.sqlite", "/assets/..%2Fcairn.sqlite", "/cairn.sqlite", "/assets/",
            ] {
                try await client.execute(uri: path, method: .get) { r in #expect(r.status == .notFound, "\(path)") }
            }
            try await client.execute(uri: "/?where=" + String(repeating: "a", count: Access.maxQuery + 1), method: .get) { r in
                #expect(r.status == .uriTooLong)
            }
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
            }
        }
        let total = Assets.files.values.reduce(0) { $0 + $1.text.utf8.count }
        #expect(total > 0)
    }

    @Test func anotherAddressNeedsTheTokenOnEveryRoute() async throws {
        let (t, runs) = try Self.store()
        try await Self.app(t, host: "0.0.0.0", token: "s3cret").test(.router) { client in
            for path in ["/", "/api/runs", "/api/sweeps", "/runs/\(runs[0].hash)", "/assets/app.js", "/api/events", "/nothing"] {
                try await client.execute(uri: path, method: .get) { r in #expect(r.status == .unauthorized, "\(path)") }
            }
            try await client.execute(uri: "/api/runs?token=wrong", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/?token=s3cret", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.setCookie]?.hasPrefix("cairn-token-80=s3cret;") == true)
            }
            try await client.execute(uri: "/api/runs", method: .get, headers: [.cookie: "a=b; cairn-token-80=s3cret"]) { r in
                #expect(r.status == .ok)
            }
            // Another server's cookie (another port) is not this one's.
            try await client.execute(uri: "/api/runs", method: .get, headers: [.cookie: "cairn-token-9000=s3cret"]) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(uri: "/api/runs", method: .get, headers: [Access.header: "s3cret"]) { r in #expect(r.status == .ok) }
        }
    }

    /// On loopback anyone may read, but the page carries the token for its writes only when it
    /// was asked for with it; and only loopback names are answered (no DNS rebinding).
    @Test func loopbackPagesCarryTheTokenOnlyForItsHolder() async throws {
        let (t, _) = try Self.store()
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Self.text(r).contains(#"<meta name="cairn-token" content="">"#))
            }
            try await client.execute(uri: "/?token=t0k3n", method: .get) { r in
                #expect(Self.text(r).contains(#"<meta name="cairn-token" content="t0k3n">"#))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "cairn-token-80=t0k3n"]) { r in
                #expect(Self.text(r).contains(#"<meta name="cairn-token" content="t0k3n">"#))
            }
        }
        #expect(
            Access.isLoopbackAuthority("127.0.0.1:8765") && Access.isLoopbackAuthority("localhost")
                && Access.isLoopbackAuthority("[::1]:80"))
        #expect(!Access.isLoopbackAuthority("evil.example:8765") && !Access.isLoopbackAuthority(nil))
        #expect(!Access.isLoopbackAuthority("127.0.0.1.evil.example:80"))
    }

    @Test func tagsAndNotesNeedTheTokenAndTheSameOrigin() async throws {
        let (t, runs) = try Self.store()
        let run = runs[1].hash
        let body = ByteBuffer(string: #"{"add": ["keep"]}"#)
        // The testing module's requests have the authority "localhost".
        let here: HTTPFields = [.origin: "http://localhost", Access.header: "t0k3n"]
        try await Self.app(t).test(.router) { client in
            var noToken = here
            noToken[Access.header] = nil
            var otherSite = here
            otherSite[.origin] = "http://evil.example"
            var noOrigin = here
            noOrigin[.origin] = nil
            var wrongToken = here
            wrongToken[Access.header] = "guess"
            for headers in [noToken, otherSite, noOrigin, wrongToken] {
                try await client.execute(uri: "/api/runs/\(run)/tags", method: .post, headers: headers, body: body) { r in
                    #expect(r.status == .forbidden)
                }
            }
            #expect(try t.tags(run: run).isEmpty)
            try await client.execute(uri: "/api/runs/\(run.prefix(10))/tags", method: .post, headers: here, body: body) { r in
                #expect(r.status == .ok)
                #expect(Self.json(r).object?["tags"] == ["keep"])
            }
            #expect(try t.tags(run: run) == ["keep"])
            try await client.execute(
                uri: "/api/runs/\(run)/tags", method: .post, headers: here, body: ByteBuffer(string: #"{"add": ["no spaces"]}"#)
            ) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(
                uri: "/api/runs/\(run)/note", method: .put, headers: here, body: ByteBuffer(string: #"{"note": "lr too high"}"#)
            ) { r in
                #expect(r.status == .ok)
            }
            #expect(try t.run(run)?.note == "lr too high")
        }
    }

    @Test func sweepPageDataMatchesTheRuns() async throws {
        let (t, runs) = try Self.store()
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/api/sweeps/\(sha256Hex([Array("sweep".utf8)]).prefix(8))", method: .get) { r in
                #expect(r.status == .ok)
                guard case .object(let o) = Self.json(r) else {
                    Issue.record("not an object")
                    return
                }
                #expect(o["best"]?.object?["hash"] == .string(runs[5].hash))
                #expect(o["params"] == ["train.lr", "train.seed"])
                #expect(o["runs"]?.array?.count == 6)
                // Seed groups: lr 0.001 is runs 4 and 5 (k = 4, 5): final val_accuracy 0.73 and 0.78.
                let groups = o["seed_groups"]?.array ?? []
                #expect(groups.count == 3)
                let top = groups.first?.object
                #expect(top?["n"] == .number(2))
                let mean = top?["metrics"]?.object?["val_accuracy"]?.object?["final"]?.object?["mean"]?.number ?? 0
                let std = top?["metrics"]?.object?["val_accuracy"]?.object?["final"]?.object?["std"]?.number ?? 0
                let a = 0.5 + 4 * 0.05 + 0.03
                let b = 0.5 + 5 * 0.05 + 0.03
                #expect(abs(mean - (a + b) / 2) < 1e-12)
                #expect(abs(std - abs(b - a) / 2.0.squareRoot()) < 1e-12)
            }
        }
    }

    @Test func runAndComparePagesCarryCurvesAndTheDiff() async throws {
        let (t, runs) = try Self.store()
        try await Self.app(t).test(.router) { client in
            try await client.execute(uri: "/api/runs/\(runs[0].hash)", method: .get) { r in
                guard case .object(let o) = Self.json(r) else {
                    Issue.record("not an object")
                    return
                }
                #expect(o["curves"]?.object?["val_accuracy"]?.array?.count == 3)
                #expect(o["checked"]?.string?.hasPrefix("reproduced bit-identical on test-host, ") == true)
                #expect(o["config"]?.object?["train.lr"] == .number(0.1))
            }
            try await client.execute(uri: "/api/compare?runs=\(runs[0].hash.prefix(12)),\(runs[3].hash.prefix(12))", method: .get) { r in
                guard case .object(let o) = Self.json(r) else {
                    Issue.record("not an object")
                    return
                }
                #expect(o["params"] == ["train.lr", "train.seed"])
                #expect(o["curves"]?.object?["val_loss"]?.object?.count == 2)
                let first = o["diff"]?.object?["metrics"]?.array?.first { $0.object?["key"] == .string("val_accuracy") }
                #expect(first?.object?["first_different_epoch"] == .number(1))
            }
            try await client.execute(uri: "/api/compare?runs=", method: .get) { r in #expect(r.status == .badRequest) }
        }
    }

    /// The watcher wakes on the index's own writes, without polling: a tag written by another
    /// handle on the store reaches a subscriber.
    @Test func aWriteToTheIndexReachesOpenPages() async throws {
        let (t, runs) = try Self.store()
        let live = LiveUpdates(quiet: .milliseconds(10))
        try live.watch(directory: t.directory)
        let stream = live.subscribe()
        try t.tag(runs: [runs[0].hash], add: ["x"])
        let generation = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                for await g in stream { return g }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(generation == 1)
        // A shutdown ends every open stream.
        let other = live.subscribe()
        live.finishAll()
        var after: [Int] = []
        for await g in other { after.append(g) }
        #expect(after.isEmpty)
    }
}

extension JSONValue {
    fileprivate var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    fileprivate var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    fileprivate var string: String? { if case .string(let s) = self { s } else { nil } }
    fileprivate var number: Double? { if case .number(let n) = self { n } else { nil } }
    fileprivate var hash: String? { object?["hash"]?.string }
}
