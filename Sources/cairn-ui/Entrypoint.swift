import ArgumentParser
import Dashboard
import Foundation

/// `cairn ui`'s server. `cairn ui` starts this binary, which lives beside `cairn`, so that the
/// server's code is not linked into `cairn` (and every run's `cairn exec`).
@main
enum Entrypoint {
    /// Parses and runs; bad usage exits 2 with one message, as every `cairn` command does.
    static func main() async {
        do {
            var command = try CairnUI.parseAsRoot()
            if var async = command as? AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch {
            let code = CairnUI.exitCode(for: error)
            let message = CairnUI.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            CairnUI.fail(message, code: 2)
        }
    }
}

struct CairnUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn ui",
        abstract: "A web dashboard of a store: runs, sweeps, single runs and comparisons, updated live.",
        discussion: """
            Serves the store on http://127.0.0.1:8765/ by default and prints the URL. Read-only but \
            for tags and notes. Bound to any address but loopback, every request needs the token \
            printed in the URL (it is random at each start); the page sets a cookie from it. \
            Ctrl-C stops the server, also with pages open.

            Pages: / (runs: filter with the --where language, sort, columns, paging), \
            /sweeps/HASH, /runs/HASH, /compare?runs=HASH,HASH. Each URL holds its query, so it \
            is a permalink.

            Examples:
              cairn ui
              cairn ui --store /shared/runs --port 9000 --open
              cairn ui --host 0.0.0.0        # other machines: needs the printed token
            """)

    @Option(name: .customLong("store"), help: ArgumentHelp("The store directory (default: $CAIRN_STORE, else runs).", valueName: "dir"))
    var store: String?
    @Option(help: "The address to listen on. Anything but loopback requires the token.") var host = "127.0.0.1"
    @Option(help: "The port (0: any free one).") var port = 8765
    @Flag(help: "Open the dashboard in the default browser (xdg-open).") var open = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
    }

    func run() async throws {
        let path = store ?? ProcessInfo.processInfo.environment["CAIRN_STORE"] ?? "runs"
        guard FileManager.default.fileExists(atPath: path + "/cairn.sqlite") else {
            Self.fail("no store at \(path) (no cairn.sqlite there): give one with --store DIR, or record runs with `cairn sweep`", code: 2)
        }
        let access = Access(host: host)
        do {
            let app = try Dashboard.application(store: path, host: host, port: port, access: access) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shown):\(bound)/?token=\(access.token)"
                FileHandle.standardOutput.write(Data("cairn ui: serving \(path) on \(url)  (Ctrl-C stops it)\n".utf8))
                if open { Self.openBrowser(url) }
            }
            try await app.runService()
        } catch let e as Dashboard.StartError {
            Self.fail(e.description, code: 1)
        } catch {
            let why = "\(error)".contains("Address already in use") ? "the port is in use (--port 0 takes any free one)" : "\(error)"
            Self.fail("cannot serve on \(host):\(port): \(why)", code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        let text = message.hasPrefix("Error: ") ? "error: " + message.dropFirst(7) : "error: " + message
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        Foundation.exit(code)
    }

    static func openBrowser(_ url: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["xdg-open", url]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
    }
}
