import Foundation
import HTTPTypes
import Hummingbird

/// Who may use a dashboard. Every server has a random token, printed in its URL (`?token=`,
/// as Jupyter does; the server answers with a cookie, so links need not carry it).
/// - Bound to loopback, reads need no token (the machine's own users can read the store's
///   files anyway), but only requests addressed to a loopback name are answered: a page of
///   another site whose name was rebound to 127.0.0.1 (DNS rebinding) gets 403.
/// - Bound to any other address, every request needs the token, in the URL, the cookie or
///   the `X-Cairn-Token` header; without it the answer is 401.
/// - Writes (tags and notes) always need the header and a same-origin request (`Origin`
///   names this server). A page carries the token for its script only when it was itself
///   asked for with the token, so another local user who opens the page cannot write.
public struct Access: Sendable {
    public let token: String
    /// Whether reads need the token too.
    public let everyRequest: Bool

    public init(token: String = Access.randomToken(), host: String) {
        self.token = token
        everyRequest = !Access.isLoopback(host)
    }

    public static func isLoopback(_ host: String) -> Bool {
        // 127.0.0.0/8, written as four numbers (not a name that merely starts with "127.").
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        let v4 = parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
        return host == "localhost" || host == "::1" || v4
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

    /// The cookie's name: cookies ignore ports, so each server's is its own.
    static func cookie(_ request: Request) -> String {
        let authority = request.head.authority ?? ""
        let port = authority.hasSuffix("]") || !authority.contains(":") ? "80" : String(authority.split(separator: ":").last!)
        return "cairn-token-" + port
    }
    static let header = HTTPField.Name("X-Cairn-Token")!

    /// The token for a page's script to send with its writes, if the page was asked for with it.
    func token(for request: Request) -> String? { held(by: request) ? token : nil }

    /// Whether the request carries the token: in the URL, the header or the cookie.
    func held(by request: Request) -> Bool {
        matches(request.uri.queryParameters["token"]) || matches(request.headers[Access.header].map { $0[...] })
            || matches(Self.cookieValue(request))
    }

    static func cookieValue(_ request: Request) -> Substring? {
        let name = cookie(request)
        for field in request.headers[values: .cookie] {
            for part in field.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == name { return kv[1] }
            }
        }
        return nil
    }

    /// A loopback name: `127.0.0.1`, `localhost`, `[::1]`, with or without a port.
    static func isLoopbackAuthority(_ authority: String?) -> Bool {
        guard let authority else { return false }
        let host =
            authority.hasPrefix("[")
            ? String(authority.prefix { $0 != "]" }.dropFirst()) : String(authority.split(separator: ":").first ?? "")
        return isLoopback(host)
    }
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
        let held = access.held(by: request)
        if access.everyRequest {
            guard held else {
                throw Failure(.unauthorized, "this dashboard needs its token: open the URL `cairn ui` printed, which ends in ?token=…")
            }
        } else if !Access.isLoopbackAuthority(request.head.authority) {
            throw Failure(.forbidden, "this dashboard answers only requests to 127.0.0.1 or localhost")
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
        if access.matches(request.uri.queryParameters["token"]) {
            response.headers[values: .setCookie].append("\(Access.cookie(request))=\(access.token); Path=/; HttpOnly; SameSite=Strict")
        }
        return response
    }
}
