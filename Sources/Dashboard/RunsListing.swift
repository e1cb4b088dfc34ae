import Determinism
import Foundation
import Hummingbird
import Tracker

/// The runs table's query, as its URL holds it (the page's permalink and the API's
/// arguments are the same): `where`, `sort`, `dir` (asc or desc), `sweep`, `status`
/// (comma-separated), `tag`, `cols` (comma-separated params and metrics), `offset`, `limit`.
struct RunsListing: Sendable {
    var filter: String?
    var sort: String?
    var descending = false
    /// Whether `dir` was given (else the order is the CLI's: best first).
    var ordered = false
    var sweep: String?
    var statuses: [RunStatus] = []
    var tag: String?
    var columns: [String]?
    var offset = 0
    var limit = 100

    static let maxLimit = 1_000

    init(_ q: Parameters) throws {
        filter = Self.nonEmpty(q["where"])
        sort = Self.nonEmpty(q["sort"])
        sweep = Self.nonEmpty(q["sweep"])
        tag = Self.nonEmpty(q["tag"])
        if let dir = Self.nonEmpty(q["dir"]) {
            guard dir == "asc" || dir == "desc" else { throw Failure(.badRequest, "dir must be asc or desc, not \"\(dir)\"") }
            descending = dir == "desc"
            ordered = true
        } else if let sort {
            // As `cairn ls`: metrics best first by their goal.
            descending = RunQuery.descendingByDefault(sort)
        }
        if let s = Self.nonEmpty(q["status"]) {
            statuses = try s.split(separator: ",").map { name in
                guard let status = RunStatus(rawValue: String(name)) else {
                    throw Failure(
                        .badRequest,
                        "\"\(name)\" is not a status: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
        }
        if let tag, !Tracker.isTagName(tag) { throw Failure(.badRequest, "\"\(tag)\" is not a tag name") }
        columns = Self.nonEmpty(q["cols"]).map { $0.split(separator: ",").map(String.init) }
        offset = try Self.count(q["offset"], "offset") ?? 0
        limit = min(try Self.count(q["limit"], "limit") ?? 100, Self.maxLimit)
        if let filter { _ = try Self.parse(filter) }
    }

    /// The user's `where`, checked alone so that an error names the column the person typed.
    static func parse(_ filter: String) throws -> Filter {
        do { return try Filter.parse(filter) } catch let e as Filter.ParseError { throw Failure(.badRequest, e.description) }
    }

    /// The `where` with the tag filter joined to it.
    var combinedFilter: String? {
        switch (filter, tag) {
        case (nil, nil): return nil
        case (let f?, nil): return f
        case (nil, let t?): return "tag = \"\(t)\""
        case (let f?, let t?): return "(\(f)) and tag = \"\(t)\""
        }
    }

    func query(limited: Bool = true) -> RunQuery {
        RunQuery(
            sweep: sweep, statuses: statuses, filter: combinedFilter, sort: sort, descending: descending,
            limit: limited ? limit : nil, offset: limited ? offset : 0, configs: false)
    }

    /// The same listing as a `cairn ls` command, quoted for a POSIX shell.
    var command: String {
        var words = ["cairn", "ls"]
        if let sweep { words += ["--sweep", sweep] }
        for s in statuses { words += ["--status", s.rawValue] }
        if let f = combinedFilter { words += ["--where", f] }
        if let sort { words += ["--sort", sort] + (ordered ? ["--order", descending ? "desc" : "asc"] : []) }
        return words.map(Self.shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:,".unicodeScalars.contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func nonEmpty(_ s: Substring?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return String(s)
    }

    static func count(_ s: Substring?, _ name: String) throws -> Int? {
        guard let s = nonEmpty(s) else { return nil }
        guard let n = Int(s), n >= 0 else { throw Failure(.badRequest, "\(name) must be a whole number ≥ 0, not \"\(s)\"") }
        return n
    }
}
