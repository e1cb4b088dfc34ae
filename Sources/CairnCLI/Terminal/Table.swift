import Determinism
import Foundation
import Tracker

/// Plain aligned text tables for the terminal.
enum Table {
    /// `v` with `places` decimals, as `String(format: "%.4f", v)` but without Foundation's
    /// formatter (a listing prints thousands). Display only: a value exactly halfway between
    /// two such numbers may round the other way.
    static func decimal(_ v: Double, places: Int = 4) -> String {
        let unit = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000][min(max(places, 0), 6)]
        guard v.isFinite, v.magnitude < 1e12 else { return String(format: "%.\(places)f", v) }
        let scaled = Int64((v.magnitude * Double(unit)).rounded())
        let fraction = String(scaled % Int64(unit))
        return (v < 0 && scaled != 0 ? "-" : "") + String(scaled / Int64(unit))
            + (places > 0 ? "." + String(repeating: "0", count: places - fraction.count) + fraction : "")
    }

    static func cell(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.canonical
    }

    /// Like `render`, dropping columns from the right (never the first two) until the table
    /// fits `width`, and saying so.
    static func fit(header: [String], rows: [[String]], width: Int) -> String {
        let widths = columnWidths(header: header, rows: rows)
        var keep = header.count
        while keep > 2 && widths.prefix(keep).reduce(2 * keep, +) > width { keep -= 1 }
        let table = render(header: header, rows: rows, widths: Array(widths.prefix(keep)))
        return keep == header.count
            ? table
            : table
                + "\n  (\(header.count - keep) columns do not fit in \(width): \(header.suffix(header.count - keep).joined(separator: ", ")); widen the terminal or use --json)"
    }

    static func render(header: [String], rows: [[String]]) -> String {
        render(header: header, rows: rows, widths: columnWidths(header: header, rows: rows))
    }

    /// Each column's width in characters (measured once per cell: a thousand-row table is
    /// printed in a few milliseconds).
    static func columnWidths(header: [String], rows: [[String]]) -> [Int] {
        var widths = header.map(\.count)
        for row in rows { for (c, cell) in row.enumerated() where c < widths.count { widths[c] = max(widths[c], cell.count) } }
        return widths
    }

    /// The first `widths.count` columns, padded; no trailing spaces.
    static func render(header: [String], rows: [[String]], widths: [Int]) -> String {
        var out = ""
        func line(_ cells: [String]) {
            var text = "  "
            for c in widths.indices {
                let cell = c < cells.count ? cells[c] : ""
                text += cell
                if c < widths.count - 1 { text += String(repeating: " ", count: widths[c] - cell.count + 2) }
            }
            while text.last == " " { text.removeLast() }
            out += text
            out += "\n"
        }
        line(header)
        for row in rows { line(row) }
        out.removeLast()
        return out
    }
}

extension Table {
    /// Markdown and CSV renderings of the same cells (`--format markdown|csv`).
    static func markdown(header: [String], rows: [[String]]) -> String {
        (["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }).joined(separator: "\n")
    }

    static func csv(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(RunExport.csvLine).joined(separator: "\n")
    }
}
