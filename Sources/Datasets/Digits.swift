import Codecs
import Foundation

/// The UCI optical-recognition handwritten digits (1,797 images of 8×8 pixels valued 0–16,
/// ten classes), as scikit-learn ships it (`digits.csv.gz`: 64 pixels then the label per
/// line). Embedded so the quickstart needs nothing installed; see Resources/README.md for
/// source and licence.
///
/// The set has no official test split; Cairn's is fixed: the last 360 rows (20%) are the
/// test set, the first 1,437 the training set.
public enum Digits {
    public static let testCount = 360

    /// The decompressed CSV: the bytes the data set's hash is taken over.
    static func csv() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else { throw DatasetError("the embedded digits data set is missing from this build") }
        return try Gzip.decompress([UInt8](data))
    }

    public static func load() throws -> (train: LabeledSet, test: LabeledSet, classes: Int, sha256: String) {
        let csv = try csv()
        var features: [Float] = []
        var labels: [Int32] = []
        features.reserveCapacity(1797 * 64)
        var field = 0
        var value = 0
        var column = 0
        var line = 1
        for byte in csv {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                field += 1
            case UInt8(ascii: ","), UInt8(ascii: "\n"):
                guard field > 0 else { throw DatasetError("digits.csv.gz:\(line): empty field") }
                if column < 64 {
                    features.append(Float(value) / 16)
                } else {
                    labels.append(Int32(value))
                }
                column += 1
                value = 0
                field = 0
                if byte == UInt8(ascii: "\n") {
                    guard column == 65 else { throw DatasetError("digits.csv.gz:\(line): \(column) fields, expected 65") }
                    column = 0
                    line += 1
                }
            case UInt8(ascii: "\r"): continue
            default: throw DatasetError("digits.csv.gz:\(line): unexpected byte \(byte)")
            }
        }
        let all = LabeledSet(features: features, labels: labels, dimension: 64)
        let n = all.count
        let train = all.subset(Array(0..<(n - testCount)))
        let test = all.subset(Array((n - testCount)..<n))
        return (train, test, 10, sha256Hex([csv]))
    }
}
