import ArgumentParser
import Scheduler
import Testing

@testable import CairnCLI

/// `Cairn.parseQuickly` parses a subcommand by its own declaration: it must accept exactly what
/// the full command tree accepts, with the same values, and leave everything else (help,
/// errors) to the full parse.
struct QuickParseTests {
    static let accepted: [[String]] = [
        ["exec", "0123abcd", "--attempt", "3", "--store", "s", "--data-dir", "d"],
        ["exec", "0123abcd"],
        ["ls", "--sweep", "8a87", "--status", "completed", "--status", "failed", "--sort", "val_accuracy", "--limit", "5", "--json"],
        ["ls", "--where", "train.lr < 0.01", "--aggregate", "seed"],
        ["show", "3f2a", "--json", "--store", "runs"],
        ["compare", "a1", "b2", "--metric", "val_loss", "--format", "csv", "--no-chart"],
        ["diff", "a1", "b2"],
        ["sweep", "sweeps/quickstart.yaml", "--workers", "2", "--timeout", "10m", "--set", "train.lr=0.1,0.01", "--dry-run"],
        ["train", "experiments/quickstart.yaml", "--set", "train.epochs=1", "--checkpoint-out", "x.safetensors"],
        ["export", "--format", "jsonl", "--sweep", "ab"],
    ]

    static let refused: [[String]] = [
        ["exec"], ["exec", "abc", "--attempt", "many"], ["ls", "--status", "done"], ["ls", "--bogus"],
        ["sweep", "s.yaml", "--timeout", "soon"], ["compare", "--format", "html"], ["ls", "--help"], ["nosuch"], [],
    ]

    @Test(arguments: accepted) func acceptsWhatTheFullParseAccepts(_ args: [String]) throws {
        let quick = try #require(Cairn.parseQuickly(args))
        let full = try Cairn.parseAsRoot(args)
        #expect(type(of: quick) == type(of: full))
        #expect(String(describing: quick) == String(describing: full))
    }

    @Test(arguments: refused) func leavesTheRestToTheFullParse(_ args: [String]) {
        #expect(Cairn.parseQuickly(args) == nil)
    }

    /// The scheduler builds `cairn exec`'s command line with `ExecInvocation`; the `exec`
    /// command's declaration must read back exactly what was built.
    @Test(arguments: [
        ExecInvocation(hash: String(repeating: "ab", count: 32), attempt: 1, store: "runs", dataDirectory: nil),
        ExecInvocation(hash: String(repeating: "0f", count: 32), attempt: 7, store: "/shared/store with space", dataDirectory: "/data/fm"),
        ExecInvocation(hash: String(repeating: "9", count: 64), attempt: 2, store: "--odd", dataDirectory: "-x"),
        ExecInvocation(hash: String(repeating: "9", count: 64), attempt: 3, store: "runs", dataDirectory: nil, pauseAfter: 9),
        ExecInvocation(hash: String(repeating: "9", count: 64), attempt: 1, store: "runs", dataDirectory: nil, threads: 4),
    ])
    func execReadsBackWhatTheSchedulerBuilds(_ invocation: ExecInvocation) throws {
        let parsed = try #require(Cairn.parseQuickly(invocation.arguments) as? ExecCommand)
        #expect(parsed.invocation == invocation)
        let full = try #require(try Cairn.parseAsRoot(invocation.arguments) as? ExecCommand)
        #expect(full.invocation == invocation)
    }

    @Test func durationsParseAsTheHelpSays() throws {
        #expect(TimeLimit(argument: "90")?.seconds == 90)
        #expect(TimeLimit(argument: "90s")?.seconds == 90)
        #expect(TimeLimit(argument: "10m")?.seconds == 600)
        #expect(TimeLimit(argument: "2h")?.seconds == 7200)
        #expect(TimeLimit(argument: "500ms")?.seconds == 0.5)
        for bad in ["", "soon", "-5", "0", "10x"] { #expect(TimeLimit(argument: bad) == nil, "\(bad)") }
    }

    @Test func errorsBecomeOneLineAndAnExitCode() {
        let (message, code) = ErrorReport.describe(CLIError("first\nsecond"))
        #expect(code == 2 && message == "first\nsecond")
        #expect(ErrorReport.describe(ExitCode(130)).1 == 130)
    }
}
