import Foundation

/// A line chart of a few curves in Unicode braille: each character cell holds 2 × 4 dots, so
/// a 60 × 12 chart has 120 × 48 points of resolution. Every curve has its own marker at its
/// data points (and, on a colour terminal, its own colour), named in the legend under the
/// chart. Axes are labelled with the y range (top, middle, bottom) and the x range.
///
///     val_accuracy
///      0.9210 ┤          ⢀⣀⠤●⠒⠒●⠉⠉⠉●
///      0.7645 ┤     ⣀⠤●⠊⠁
///      0.6080 ┤●⠒⠉
///             └──────────────────────
///              1        epoch       10
///       ● 3f2a9c1b0a12  lr=0.03
struct Chart {
    struct Series {
        let label: String
        let points: [(x: Double, y: Double)]
    }

    static let markers: [Character] = ["●", "○", "■", "□", "▲", "△", "◆", "◇"]
    /// ANSI foreground colours, one per curve: blue, red, green, yellow, magenta, cyan, bright blue, bright red.
    static let colors = [34, 31, 32, 33, 35, 36, 94, 91]

    /// The chart's lines. `width` is the whole chart's width in columns, labels included.
    static func render(title: String, xLabel: String, series: [Series], width: Int, height: Int = 12, color: Bool) -> [String] {
        let all = series.flatMap(\.points)
        guard let x0 = all.map(\.x).min(), let x1 = all.map(\.x).max(), let y0 = all.map(\.y).min(), let y1 = all.map(\.y).max() else {
            return ["\(title): no values to chart"]
        }
        let (lo, hi) = y0 == y1 ? (y0 - 0.5, y1 + 0.5) : (y0, y1)
        let labels = [hi, (hi + lo) / 2, lo].map(axisNumber)
        let labelWidth = labels.map(\.count).max()!
        let columns = max(16, min(64, width - labelWidth - 3))
        let (px, py) = (columns * 2, height * 4)
        func pixel(_ p: (x: Double, y: Double)) -> (Int, Int) {
            let fx = x1 == x0 ? 0.5 : (p.x - x0) / (x1 - x0)
            return (Int((fx * Double(px - 1)).rounded()), Int(((hi - p.y) / (hi - lo) * Double(py - 1)).rounded()))
        }
        var dots = [[UInt8]](repeating: [UInt8](repeating: 0, count: columns), count: height)
        var owner = [[Int]](repeating: [Int](repeating: -1, count: columns), count: height)
        var marks = [[Character?]](repeating: [Character?](repeating: nil, count: columns), count: height)
        let bit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]  // [dx][dy]
        for (k, s) in series.enumerated() {
            let ps = s.points.map(pixel)
            func plot(_ x: Int, _ y: Int) {
                dots[y / 4][x / 2] |= bit[x % 2][y % 4]
                owner[y / 4][x / 2] = k
            }
            if ps.count == 1 { plot(ps[0].0, ps[0].1) }
            for (a, b) in zip(ps, ps.dropFirst()) {
                let steps = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
                for i in 0...steps {
                    let t = Double(i) / Double(steps)
                    plot(Int((Double(a.0) + Double(b.0 - a.0) * t).rounded()), Int((Double(a.1) + Double(b.1 - a.1) * t).rounded()))
                }
            }
            // Markers at the data points, when there are few enough to tell apart; else at the last.
            for p in (ps.count <= columns / 3 ? ps : Array(ps.suffix(1))) {
                marks[p.1 / 4][p.0 / 2] = markers[k % markers.count]
                owner[p.1 / 4][p.0 / 2] = k
            }
        }
        func paint(_ s: String, _ k: Int) -> String { color && k >= 0 ? "\u{1B}[\(colors[k % colors.count])m\(s)\u{1B}[0m" : s }
        var lines = [title]
        for row in 0..<height {
            let label = row == 0 ? labels[0] : row == height / 2 ? labels[1] : row == height - 1 ? labels[2] : ""
            var line = String(repeating: " ", count: labelWidth - label.count) + label + (label.isEmpty ? " │" : " ┤")
            for col in 0..<columns {
                let cell =
                    marks[row][col].map(String.init)
                    ?? (dots[row][col] == 0 ? " " : String(UnicodeScalar(0x2800 + UInt32(dots[row][col]))!))
                line += cell == " " ? cell : paint(cell, owner[row][col])
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        lines.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: columns))
        let left = axisNumber(x0)
        let right = axisNumber(x1)
        let gap = max(1, columns - left.count - right.count)
        let middle = xLabel.count + 2 <= gap ? xLabel : ""
        let before = (gap - middle.count) / 2
        lines.append(
            String(repeating: " ", count: labelWidth + 2) + left + String(repeating: " ", count: before) + middle
                + String(repeating: " ", count: gap - before - middle.count) + right)
        for (k, s) in series.enumerated() { lines.append("  " + paint(String(markers[k % markers.count]), k) + " " + s.label) }
        return lines
    }

    /// Up to 4 decimals, no trailing zeros beyond what tells values apart; integers as integers.
    static func axisNumber(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
        return abs(v) >= 1e4 || abs(v) < 1e-3 ? String(format: "%.3g", v) : String(format: "%.4f", v)
    }
}
