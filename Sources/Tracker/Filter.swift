import GRDB

/// The `--where` language: comparisons of params and metrics joined by `and`, `or`, `not`
/// and parentheses.
///
///     train.lr < 0.01 and val_accuracy >= 0.85
///     optimizer = "adam" or optimizer = "sgd"
///     not (status = "failed") and val_loss.min < 0.3
///
/// A name is a param's dotted key (`train.lr`, or a unique last part such as `lr`), a
/// metric's final value (`val_accuracy`) or extreme (`val_accuracy.min`, `.max`), or one of
/// `status`, `name`, `hash`. Values are numbers, quoted strings, `true` or `false`. The
/// expression is parsed into a tree and compiled to SQL whose every value is a bound
/// argument: no text of the user's ever becomes SQL.
public indirect enum Filter: Equatable, Sendable {
    case and(Filter, Filter)
    case or(Filter, Filter)
    case not(Filter)
    case compare(name: String, op: Op, value: Literal)

    public enum Op: String, Sendable, CaseIterable { case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
    public enum Literal: Equatable, Sendable { case number(Double), string(String), bool(Bool) }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let message: String
        public let column: Int
        public let text: String
        public var description: String {
            "--where: \(message) at column \(column)\n  \(text)\n  \(String(repeating: " ", count: max(column - 1, 0)))^"
        }
    }

    // MARK: Parsing

    struct Token: Equatable {
        enum Kind: Equatable { case name(String), number(Double), string(String), op(Op), lparen, rparen, and, or, not, end }
        let kind: Kind
        let column: Int
        let text: String
    }

    static func tokenize(_ s: String) throws -> [Token] {
        let chars = Array(s)
        var i = 0
        var out: [Token] = []
        func fail(_ m: String, _ at: Int) -> ParseError { ParseError(message: m, column: at + 1, text: s) }
        while i < chars.count {
            let c = chars[i]
            let start = i
            if c.isWhitespace {
                i += 1
                continue
            }
            if c == "(" {
                out.append(Token(kind: .lparen, column: i + 1, text: "("))
                i += 1
                continue
            }
            if c == ")" {
                out.append(Token(kind: .rparen, column: i + 1, text: ")"))
                i += 1
                continue
            }
            if c == "\"" || c == "'" {
                i += 1
                var text = ""
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    text.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw fail("unterminated string", start) }
                i += 1
                out.append(Token(kind: .string(text), column: start + 1, text: String(chars[start..<i])))
                continue
            }
            if "=!<>".contains(c) {
                var op = String(c)
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    op.append("=")
                    i += 1
                }
                i += 1
                if op == "==" { op = "=" }
                guard let o = Op(rawValue: op) else { throw fail("unexpected \"\(op)\"", start) }
                out.append(Token(kind: .op(o), column: start + 1, text: op))
                continue
            }
            if c.isNumber || ((c == "-" || c == "+" || c == ".") && i + 1 < chars.count && (chars[i + 1].isNumber || chars[i + 1] == ".")) {
                i += 1
                while i < chars.count,
                    chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
                        || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E"))
                { i += 1 }
                let text = String(chars[start..<i])
                guard let d = Double(text), d.isFinite else { throw fail("\"\(text)\" is not a number", start) }
                out.append(Token(kind: .number(d), column: start + 1, text: text))
                continue
            }
            if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." || chars[i] == "-" {
                    i += 1
                }
                let text = String(chars[start..<i])
                let kind: Token.Kind
                switch text.lowercased() {
                case "and": kind = .and
                case "or": kind = .or
                case "not": kind = .not
                default: kind = .name(text)
                }
                out.append(Token(kind: kind, column: start + 1, text: text))
                continue
            }
            throw fail("unexpected character \"\(c)\"", start)
        }
        out.append(Token(kind: .end, column: chars.count + 1, text: ""))
        return out
    }

    /// Parses an expression. Precedence: `not` binds tightest, then `and`, then `or`.
    public static func parse(_ s: String) throws -> Filter {
        var p = Parser(tokens: try tokenize(s), text: s)
        let f = try p.or()
        guard p.peek.kind == .end else { throw p.fail("unexpected \"\(p.peek.text)\": expected and, or, or the end") }
        return f
    }

    struct Parser {
        let tokens: [Token]
        let text: String
        var i = 0
        var peek: Token { tokens[i] }
        func fail(_ m: String) -> ParseError { ParseError(message: m, column: peek.column, text: text) }

        mutating func or() throws -> Filter {
            var l = try and()
            while peek.kind == .or {
                i += 1
                l = .or(l, try and())
            }
            return l
        }

        mutating func and() throws -> Filter {
            var l = try unary()
            while peek.kind == .and {
                i += 1
                l = .and(l, try unary())
            }
            return l
        }

        mutating func unary() throws -> Filter {
            switch peek.kind {
            case .not:
                i += 1
                return .not(try unary())
            case .lparen:
                i += 1
                let f = try or()
                guard peek.kind == .rparen else {
                    throw fail(peek.kind == .end ? "missing \")\"" : "unexpected \"\(peek.text)\": expected \")\"")
                }
                i += 1
                return f
            case .name(let name):
                i += 1
                guard case .op(let op) = peek.kind else {
                    throw fail(
                        peek.kind == .end
                            ? "expected a comparison (=, !=, <, <=, >, >=) after \(name)"
                            : "unexpected \"\(peek.text)\": expected a comparison (=, !=, <, <=, >, >=)")
                }
                i += 1
                let value: Literal
                switch peek.kind {
                case .number(let d): value = .number(d)
                case .string(let s): value = .string(s)
                case .name(let n) where n == "true" || n == "false": value = .bool(n == "true")
                case .name(let n): throw fail("\"\(n)\" is not a value: quote strings, as in \(name) \(op.rawValue) \"\(n)\"")
                case .end: throw fail("expected a value after \(op.rawValue)")
                default: throw fail("unexpected \"\(peek.text)\": expected a value")
                }
                i += 1
                return .compare(name: name, op: op, value: value)
            case .end: throw fail("expected a comparison such as train.lr < 0.01")
            default: throw fail("unexpected \"\(peek.text)\": expected a name, not or (")
            }
        }
    }

    // MARK: Compiling

    /// What names can refer to in a store.
    struct Names {
        let params: Set<String>
        let metrics: Set<String>

        enum Target { case param(String), metric(String, column: String), column(String), tag }

        func resolve(_ name: String) throws -> Target {
            if ["status", "name", "hash"].contains(name) { return .column(name) }
            if name == "tag" { return .tag }
            if params.contains(name) { return .param(name) }
            if metrics.contains(name) { return .metric(name, column: "final") }
            for suffix in ["min", "max", "final"] where name.hasSuffix(".\(suffix)") {
                let base = String(name.dropLast(suffix.count + 1))
                if metrics.contains(base) { return .metric(base, column: suffix) }
            }
            let bySuffix = params.filter { $0.hasSuffix("." + name) }
            if bySuffix.count == 1 { return .param(bySuffix.first!) }
            if bySuffix.count > 1 {
                throw Tracker.StoreError("--where: \"\(name)\" is ambiguous: \(bySuffix.sorted().joined(separator: ", "))")
            }
            let known = (params.union(metrics).union(["status", "name", "hash", "tag"])).sorted()
            throw Tracker.StoreError("--where: no param or metric is called \"\(name)\"; known: \(known.joined(separator: ", "))")
        }
    }

    func sql(_ names: Names) throws -> SQL {
        switch self {
        case .and(let a, let b): return "(\(try a.sql(names))) AND (\(try b.sql(names)))"
        case .or(let a, let b): return "(\(try a.sql(names))) OR (\(try b.sql(names)))"
        case .not(let a): return "NOT (\(try a.sql(names)))"
        case .compare(let name, let op, let value):
            let opSQL = SQL(sql: op.rawValue)  // one of six fixed operators, never user text
            switch try names.resolve(name) {
            case .column(let c):
                guard case .string(let s) = value else { throw Tracker.StoreError("--where: \(name) is compared with a quoted string") }
                return "\(Column(c)) \(opSQL) \(s)"
            case .tag:
                // `tag = "x"`: the run has that tag; `tag != "x"`: it has not.
                guard case .string(let s) = value, op == .eq || op == .ne else {
                    throw Tracker.StoreError("--where: tag is compared with = or != and a quoted name, as in tag = \"baseline\"")
                }
                let has: SQL = "EXISTS (SELECT 1 FROM tag t WHERE t.runId = run.id AND t.name = \(s))"
                return op == .eq ? has : "NOT \(has)"
            case .param(let key):
                switch value {
                case .number(let d):
                    return "EXISTS (SELECT 1 FROM param p WHERE p.runId = run.id AND p.key = \(key) AND p.number \(opSQL) \(d))"
                case .bool(let b):
                    return
                        "EXISTS (SELECT 1 FROM param p WHERE p.runId = run.id AND p.key = \(key) AND p.type = 'bool' AND p.number \(opSQL) \(b ? 1 : 0))"
                case .string(let s):
                    return "EXISTS (SELECT 1 FROM param p WHERE p.runId = run.id AND p.key = \(key) AND p.text \(opSQL) \(s))"
                }
            case .metric(let key, let column):
                guard case .number(let d) = value else { throw Tracker.StoreError("--where: metric \(name) is compared with a number") }
                let col = SQL(sql: column)  // final, min or max: fixed names
                return "EXISTS (SELECT 1 FROM summary s WHERE s.runId = run.id AND s.key = \(key) AND s.\(col) \(opSQL) \(d))"
            }
        }
    }
}
