import Determinism
import Foundation
import HTTPTypes
import Hummingbird

/// A request the dashboard refuses, with the sentence a person reads: the same one the CLI
/// prints for the same input. `FailureMiddleware` renders it as JSON under /api and as a page
/// elsewhere.
struct Failure: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String
    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

struct FailureMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let f as Failure {
            return Self.render(f, request)
        } catch let e as HTTPError where e.status == .notFound {
            return Self.render(Failure(.notFound, "nothing is served at \(request.uri.path)"), request)
        } catch let e as HTTPError {
            return Self.render(Failure(e.status, e.body ?? e.status.reasonPhrase), request)
        } catch {
            // A store the server cannot read (damaged, or of a newer Cairn): say what went wrong.
            return Self.render(Failure(.internalServerError, "\(error)"), request)
        }
    }

    static func render(_ f: Failure, _ request: Request) -> Response {
        if request.uri.path.hasPrefix("/api/") {
            return Reply.json(["error": .string(f.message), "status": .number(Double(f.status.code))], status: f.status)
        }
        return Reply.html(Page.failure(f), status: f.status)
    }
}

/// Response builders every route shares.
enum Reply {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        body(value.canonical, type: "application/json; charset=utf-8", status: status)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var r = body(text, type: "text/html; charset=utf-8", status: status)
        // Only this server: no script, style, image or connection to any other host.
        r.headers[.contentSecurityPolicy] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
        r.headers[.cacheControl] = "no-store"
        return r
    }

    static func body(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        let buffer = ByteBuffer(string: text)
        return Response(
            status: status, headers: [.contentType: type, .contentLength: String(buffer.readableBytes)],
            body: ResponseBody(byteBuffer: buffer))
    }
}
