import Foundation

/// The pages' HTML: one shell for every page (the page's script draws it from the API), and
/// the page for a refused request.
enum Page: String {
    case runs, sweep, run, compare

    /// `token`: for the page's writes; only for a request that carried it.
    static func shell(_ page: Page, title: String, token: String?, subject: String? = nil) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="cairn-token" content="\(token ?? "")">
        <link rel="icon" href="data:,">
        <title>\(escape(title)) · Cairn</title>
        <link rel="stylesheet" href="/assets/style.css">
        </head><body>
        <header><a class="brand" href="/">Cairn</a><nav><a href="/">Runs</a></nav><span id="live" class="live" title="live updates">●</span></header>
        <main id="app" data-page="\(page.rawValue)" data-subject="\(escape(subject ?? ""))"><p class="loading">Loading…</p></main>
        <noscript><p class="error">The dashboard draws its pages with JavaScript; the same data is in <code>cairn ls</code> and <code>cairn show</code>.</p></noscript>
        <script src="/assets/charts.js"></script>
        <script src="/assets/app.js"></script>
        </body></html>
        """
    }

    static func failure(_ f: Failure) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(f.status.code) · Cairn</title><link rel="icon" href="data:,">
        <link rel="stylesheet" href="/assets/style.css"></head><body>
        <header><a class="brand" href="/">Cairn</a><nav><a href="/">Runs</a></nav></header>
        <main><h1>\(f.status.code) \(escape(f.status.reasonPhrase))</h1><pre class="error" id="failure">\(escape(f.message))</pre>
        <p><a href="/">All runs</a></p></main></body></html>
        """
    }

    static let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    /// Text as HTML text or an attribute's value.
    static func escape(_ s: String) -> String {
        s.reduce(into: "") { out, c in
            if let e = entities[c] { out += e } else { out.append(c) }
        }
    }
}
