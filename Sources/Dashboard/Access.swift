import Foundation
import HTTPTypes
import Hummingbird

/// Who may use a dashboard. Every server has a random token; it is printed in the URL.
/// Bound to loopback, reads need no token (the machine's own users can read the store's files
/// anyway). Bound to any other address, every request needs it, in the URL (`?token=`, as
/// Jupyter does: the server answers with a cookie, so links need not carry it), the cookie or
/// the `X-Cairn-Token` header; without it the answer is 401. Writes (tags and notes) always
/// need the header and a same-origin request (`Origin` names this server): a page of another
/// site can neither read the token nor send the header.
public struct Access: Sendable {
    public let token: String
    /// Whether reads need the token too.
    public let everyRequest: Bool

    public init(token: String = Access.randomToken(), host: String) {
        self.token = token
        everyRequest = !Access.isLoopback(host)
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// 24 random bytes as hex, from the system's generator.
    public static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Compares in time independent of where the strings differ.
    func matches(_ candidate: Substring?) -> Bool {
        guard let candidate, candidate.utf8.count == token.utf8.count else { return false }
        return zip(candidate.utf8, token.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static let cookie = "cairn-token"
    static let header = HTTPField.Name("X-Cairn-Token")!
    /// Longest query string served: a `where` a person writes fits many times over.
    static let maxQuery = 8_192
}

/// The access rules and the query-size limit, before any route.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if (request.uri.query?.utf8.count ?? 0) > Access.maxQuery {
            throw Failure(.uriTooLong, "the query string is longer than \(Access.maxQuery) bytes")
        }
        let fromQuery = request.uri.queryParameters["token"]
        if access.everyRequest {
            let given = fromQuery ?? request.headers[Access.header].map { $0[...] } ?? Self.cookie(request)
            guard access.matches(given) else {
                throw Failure(.unauthorized, "this dashboard needs its token: open the URL `cairn ui` printed, which ends in ?token=…")
            }
        }
        if request.method != .get && request.method != .head {
            guard access.matches(request.headers[Access.header].map { $0[...] }) else {
                throw Failure(.forbidden, "changes need the X-Cairn-Token header, which the dashboard's own pages send")
            }
            // HTTP/1's Host header is the request's authority.
            guard let origin = request.headers[.origin], let host = request.head.authority, origin == "http://\(host)" else {
                throw Failure(.forbidden, "changes are accepted only from the dashboard's own pages (same origin)")
            }
        }
        var response = try await next(request, context)
        if access.everyRequest, access.matches(fromQuery) {
            response.headers[values: .setCookie].append("\(Access.cookie)=\(access.token); Path=/; HttpOnly; SameSite=Strict")
        }
        return response
    }

    static func cookie(_ request: Request) -> Substring? {
        for field in request.headers[values: .cookie] {
            for part in field.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == Access.cookie { return kv[1] }
            }
        }
        return nil
    }
}
