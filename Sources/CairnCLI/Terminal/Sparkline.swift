/// A curve in one line of Unicode block characters, scaled to its own range.
enum Sparkline {
    static let blocks = Array("▁▂▃▄▅▆▇█")
    static func render(_ values: [Double], width: Int = 24) -> String {
        guard let lo = values.min(), let hi = values.max(), !values.isEmpty else { return "" }
        let step = max(1, Int((Double(values.count) / Double(width)).rounded(.up)))
        let picked = stride(from: 0, to: values.count, by: step).map { values[$0] }
        return String(picked.map { v in hi == lo ? blocks[3] : blocks[Int(((v - lo) / (hi - lo) * 7).rounded())] })
    }
}
