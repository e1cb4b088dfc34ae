import Codecs

/// Every file the pages load, embedded in the binary (SwiftPM resources would live beside it):
/// the stylesheet, the page script and the charts. No page loads anything from another host.
enum Assets {
    struct File: Sendable {
        let type: String
        let text: String
        let etag: String
        init(_ type: String, _ text: String) {
            self.type = type
            self.text = text
            etag = "\"" + String(sha256Hex([Array(text.utf8)]).prefix(16)) + "\""
        }
    }

    /// By name, the only names `/assets/` serves: anything else (`../cairn.sqlite`) is a 404.
    static let files: [String: File] = [
        "style.css": File("text/css; charset=utf-8", style),
        "app.js": File("text/javascript; charset=utf-8", app),
        "charts.js": File("text/javascript; charset=utf-8", charts),
    ]
}
