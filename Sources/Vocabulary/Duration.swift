/// A length of time as people write it on a command line or in a file: 90, 90s, 10m, 2h,
/// 500ms. One rule for `--timeout` and a sweep file's `executor.time`.
public enum DurationText {
    public static let help = "90, 90s, 10m, 2h"

    /// The longest accepted: a year.
    public static let longest: Double = 365 * 86400

    /// Seconds, or nil if the text is not a positive duration of at most a year.
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var value = Double(text).map { ($0, 1.0) }
        for (u, f) in units where value == nil && text.hasSuffix(u) {
            value = Double(text.dropLast(u.count)).map { ($0, f) }
        }
        guard let (v, f) = value, v.isFinite, v > 0, v * f <= longest else { return nil }
        return v * f
    }
}
