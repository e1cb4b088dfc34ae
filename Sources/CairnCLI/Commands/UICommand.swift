import ArgumentParser
import Foundation

/// `cairn ui`: starts the dashboard's server, `cairn-ui`, which is built beside `cairn` (the
/// server is its own executable so that `cairn` links no server code). The options are
/// `cairn-ui`'s, passed through.
struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "A web dashboard of the store: runs, sweeps, runs in full and comparisons, updated live.",
        discussion: """
            Serves http://127.0.0.1:8765/ by default and prints the URL. Read-only but for tags and \
            notes. Bound to any address but loopback, every request needs the random token printed \
            in the URL. Runs `cairn-ui` from the folder `cairn` is in (build both with \
            `swift build -c release`).

            Examples:
              cairn ui
              cairn ui --store /shared/runs --port 9000 --open
              cairn ui --host 0.0.0.0
            """)

    @Option(name: .customLong("store"), help: ArgumentHelp("The store directory (default: $CAIRN_STORE, else runs).", valueName: "dir"))
    var store: String?
    @Option(help: "The address to listen on (default 127.0.0.1). Anything but loopback requires the token.") var host: String?
    @Option(help: "The port (default 8765; 0: any free one).") var port: Int?
    @Flag(help: "Open the dashboard in the default browser.") var open = false

    func run() throws {
        let server = URL(fileURLWithPath: CommandLine.executablePath).deletingLastPathComponent().appendingPathComponent("cairn-ui").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw CLIError(
                "cairn ui runs cairn-ui, which is not built beside cairn (\(server)): build it with `swift build -c release --product cairn-ui`",
                code: 1)
        }
        var arguments = [server]
        if let store { arguments += ["--store", store] }
        if let host { arguments += ["--host", host] }
        if let port { arguments += ["--port", String(port)] }
        if open { arguments.append("--open") }
        // Replaces this process: Ctrl-C and the exit status are the server's own.
        let argv = arguments.map { strdup($0) } + [nil]
        execv(server, argv)
        throw CLIError("cannot start \(server): \(String(cString: strerror(errno)))", code: 1)
    }
}
