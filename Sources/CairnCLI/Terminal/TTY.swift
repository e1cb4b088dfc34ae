import Foundation

/// Everything this tool knows about the terminal, decided once: whether stdout is one, its
/// width, whether to colour and whether to redraw in place.
enum Terminal {
    static let environment = ProcessInfo.processInfo.environment

    /// stdout is a terminal that can move the cursor (not `TERM=dumb`).
    static var isCapable: Bool { isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb" }

    /// Colour only on a capable terminal, never when `NO_COLOR` is set (no-color.org).
    static var colorsWanted: Bool { isCapable && (environment["NO_COLOR"] ?? "").isEmpty }

    /// Redraw a live block in place only on a capable terminal outside CI; elsewhere progress
    /// is one plain line per event.
    static var redrawsInPlace: Bool { isCapable && environment["CI"] == nil }

    /// The terminal's width ($COLUMNS, else the tty's, else 80).
    static var width: Int {
        if let c = environment["COLUMNS"].flatMap(Int.init), c > 20 { return c }
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return Int(w.ws_col) }
        return 80
    }

    /// One line on stdout, written at once (progress must show while a run trains).
    static func line(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }

    /// Lines on stderr, each prefixed `error: ` (a message of several lines reads as several errors).
    static func error(_ message: String) {
        let text = message.split(separator: "\n", omittingEmptySubsequences: false).map { "error: " + $0 }.joined(separator: "\n")
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A warning or note on stderr, as given.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
