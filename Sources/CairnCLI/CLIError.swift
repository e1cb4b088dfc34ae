import ArgumentParser
import Codecs
import Datasets
import Foundation
import Planner
import Tracker

/// A failure already explained in words for the person at the terminal, with its exit code.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ description: String, code: Int32 = 2) {
        self.description = description
        self.code = code
    }
}

/// The one place an error becomes a message and an exit code. Exit codes: 0 success; 1 a run
/// or a check failed, or the store could not be written; 2 bad input of any kind (config
/// files, overrides, a hash prefix, a filter, command-line usage); 130 interrupted.
enum ErrorReport {
    static func exit(for error: Error) -> Never {
        let (message, code) = describe(error)
        if let message { Terminal.error(message) }
        fflush(nil)
        Foundation.exit(code)
    }

    /// The message (nil: already shown) and the exit code for `error`.
    static func describe(_ error: Error) -> (String?, Int32) {
        switch error {
        case let e as CLIError: return (e.description, e.code)
        case let e as ConfigErrors: return (e.errors.map(\.description).joined(separator: "\n"), 2)
        case let e as DatasetError: return (e.description, 2)
        case let e as Filter.ParseError: return (e.description, 2)
        case let e as Tracker.StoreError: return (e.description, 2)
        case let e as ExitCode: return (nil, e.rawValue)
        default:
            let code = Cairn.exitCode(for: error).rawValue
            // The argument parser's messages (usage, help, version) are its own, and a usage
            // error is bad input: 2, not its 64.
            if code == 0 || code == 64 || error is ValidationError || error is CleanExit {
                let text = Cairn.fullMessage(for: error)
                if code == 0 {
                    print(text)
                    return (nil, 0)
                }
                FileHandle.standardError.write(Data((text + "\n").utf8))
                return (nil, code == 64 ? 2 : code)
            }
            // Anything else (a store that cannot be written, a full disk) is a failure of the command.
            return (String(describing: error), 1)
        }
    }
}
