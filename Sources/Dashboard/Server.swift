import Determinism
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Tracker

/// `cairn ui`: the dashboard's routes over one store.
///
///     let app = try Dashboard.application(store: "runs", host: "127.0.0.1", port: 8765)
///     try await app.runService()
public enum Dashboard {
    /// The router, apart from any socket (tests drive it through HummingbirdTesting).
    public static func router(tracker: Tracker, access: Access, live: LiveUpdates) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: FailureMiddleware(access: access))
        router.add(middleware: AccessMiddleware(access: access))
        let api = API(tracker: tracker, live: live)

        // Pages: a shell each, which the page's script fills from the API. The page route checks
        // what the URL names first, so a bad `where` is a 400 and an unknown run a 404 page.
        router.get("/") { request, _ in
            let listing = try RunsListing(request.uri.queryParameters)
            _ = try api.badInput { try tracker.count(listing.query(limited: false)) }
            return Reply.html(Page.shell(.runs, title: "Runs", token: access.token(for: request)))
        }
        router.get("/sweeps/:sweep") { request, context in
            let sweep = try api.notFound { try tracker.sweep(try context.parameters.require("sweep")) }
            return Reply.html(
                Page.shell(.sweep, title: "Sweep \(sweep.hash.prefix(12))", token: access.token(for: request), subject: sweep.hash))
        }
        router.get("/runs/:run") { request, context in
            let hash = try api.resolve(try context.parameters.require("run"))
            return Reply.html(Page.shell(.run, title: "Run \(hash.prefix(12))", token: access.token(for: request), subject: hash))
        }
        router.get("/compare") { request, _ in
            let hashes = try Self.runList(request).map(api.resolve)
            return Reply.html(Page.shell(.compare, title: "Compare \(hashes.count) runs", token: access.token(for: request)))
        }

        router.get("/api/runs") { request, _ in Reply.json(try await api.runs(try RunsListing(request.uri.queryParameters))) }
        router.get("/api/sweeps") { _, _ in Reply.json(try api.sweeps()) }
        router.get("/api/sweeps/:sweep") { _, context in Reply.json(try api.sweep(try context.parameters.require("sweep"))) }
        router.get("/api/runs/:run") { _, context in Reply.json(try api.run(try context.parameters.require("run"))) }
        router.get("/api/compare") { request, _ in Reply.json(try api.compare(try Self.runList(request))) }
        router.post("/api/runs/:run/tags") { request, context in
            let body = try await Self.jsonBody(request)
            return Reply.json(
                try api.tag(try context.parameters.require("run"), add: Self.strings(body["add"]), remove: Self.strings(body["remove"])))
        }
        router.put("/api/runs/:run/note") { request, context in
            let body = try await Self.jsonBody(request)
            guard case .string(let note)? = body["note"] ?? .string("") else {
                throw Failure(.badRequest, "the body is {\"note\": \"text\"}")
            }
            return Reply.json(try api.note(try context.parameters.require("run"), note))
        }
        router.get("/api/events") { _, _ in Self.events(live) }
        router.get("/assets/:name") { request, context in
            guard let asset = Assets.files[try context.parameters.require("name")] else {
                throw Failure(.notFound, "no asset \(request.uri.path)")
            }
            if request.headers[.ifNoneMatch] == asset.etag {
                return Response(status: .notModified, headers: [.eTag: asset.etag])
            }
            var r = Reply.body(asset.text, type: asset.type)
            r.headers[.eTag] = asset.etag
            r.headers[.cacheControl] = "no-cache"
            return r
        }
        return router
    }

    /// The server on `host:port` (port 0: any free one). `onRunning` receives the bound port.
    public static func application(
        store: String, host: String, port: Int, access: Access, live: LiveUpdates = LiveUpdates(),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let tracker: Tracker
        do { tracker = try Tracker(directory: store, create: false, longLived: true) } catch let e as Tracker.StoreError {
            throw StartError(e.description)
        }
        do { try live.watch(directory: store) } catch let f as Failure { throw StartError(f.message) }
        var logger = Logger(label: "cairn-ui")
        logger.logLevel = .warning
        return Application(
            router: router(tracker: tracker, access: access, live: live),
            configuration: .init(address: .hostname(host, port: port), serverName: "cairn-ui"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Why a dashboard cannot start, in one line.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Server-sent events: a `change` with the store's generation each time the index
    /// changes, until the page goes away or the server shuts down.
    static func events(_ live: LiveUpdates) -> Response {
        let stream = live.subscribe()
        let start = live.generation
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\nevent: hello\ndata: \(start)\n\n"))
                for await generation in stream.cancelOnGracefulShutdown() {
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(generation)\n\n"))
                }
                try await writer.finish(nil)
            })
    }

    /// `?runs=a,b,c`.
    static func runList(_ request: Request) throws -> [String] {
        let list = (request.uri.queryParameters["runs"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty else { throw Failure(.badRequest, "name the runs to compare: /compare?runs=HASH,HASH") }
        return list.filter { !$0.isEmpty }
    }

    static func jsonBody(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 128 * 1024)
        guard case .object(let o)? = try? JSONValue.parse(Array(buffer.readableBytesView)) else {
            throw Failure(.badRequest, "the body must be a JSON object")
        }
        return o
    }

    static func strings(_ v: JSONValue?) throws -> [String] {
        switch v {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map {
                guard case .string(let s) = $0 else { throw Failure(.badRequest, "tags are strings") }
                return s
            }
        default: throw Failure(.badRequest, "tags are a list of strings")
        }
    }
}
