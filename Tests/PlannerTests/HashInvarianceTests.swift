import Determinism
import Foundation
import PropertyBased
import Testing

@testable import Planner

/// The run hash depends on values only: not on key order, number spelling, YAML style or
/// comments — and any change of a value changes it.
@Suite struct HashInvarianceTests {
    /// Spellings of one number.
    static func spellings(_ x: Double) -> [String] {
        var s = [JSONValueSpelling.canonical(x), String(format: "%.6e", x), String(format: "%.15g", x)]
        if x == x.rounded() && abs(x) < 1e6 { s += [String(Int(x)), "\(Int(x)).0"] }
        if "\(x)".contains(".") && !"\(x)".contains("e") { s.append("\(x)00") }  // trailing zeros
        return s
    }

    static let rates = [0.1, 0.001, 3e-4, 1.0, 2.5]

    /// One experiment as YAML, with the given key order, spellings, style and comments.
    static func render(lr: Double, epochs: Int, hidden: [Int], optimizer: String, style: Int, order: [Int], comment: Bool) -> String {
        let lrText = spellings(lr)[style % spellings(lr).count]
        let epochsText = spellings(Double(epochs))[style % spellings(Double(epochs)).count]
        let train = [("lr", lrText), ("epochs", epochsText), ("optimizer", optimizer)]
        let t = order.map { train[$0 % 3] }.reduce(into: [(String, String)]()) { acc, kv in
            if !acc.contains(where: { $0.0 == kv.0 }) { acc.append(kv) }
        }
        let trainAll = t + train.filter { kv in !t.contains { $0.0 == kv.0 } }
        let c = comment ? "  # a comment" : ""
        if style % 2 == 0 {
            return "train: { " + trainAll.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
                + " }\(c)\nmodel: { hidden: [\(hidden.map(String.init).joined(separator: ", "))] }\n"
        }
        return "model:\(c)\n  hidden:\n" + hidden.map { "    - \($0)\n" }.joined() + "train:\n"
            + trainAll.map { "  \($0.0): \($0.1)\n" }.joined()
    }

    static func hash(_ yaml: String) throws -> String {
        try Experiment.parse(yaml, source: "e.yaml").spec.hash(datasetSHA256: "d")
    }

    @Test func spellingOrderStyleAndCommentsDoNotMatter() async {
        await propertyCheck(
            count: 200, input: Gen.int(in: 0...4), Gen.int(in: 1...50),
            Gen.int(in: 0...5), Gen.shuffled([0, 1, 2])
        ) { r, epochs, style, order in
            let lr = Self.rates[r]
            let hidden = [1 + epochs % 7, 3]
            let canonical = try? Self.hash(
                Self.render(lr: lr, epochs: epochs, hidden: hidden, optimizer: "adam", style: 0, order: [0, 1, 2], comment: false))
            let variant = try? Self.hash(
                Self.render(lr: lr, epochs: epochs, hidden: hidden, optimizer: "adam", style: style, order: order, comment: style > 2))
            #expect(canonical != nil && canonical == variant)
        }
    }

    @Test func anyValueChangeChangesTheHash() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...4), Gen.int(in: 1...50), Gen.int(in: 0...2)) { r, epochs, which in
            let lr = Self.rates[r]
            let base = try? Self.hash(
                Self.render(lr: lr, epochs: epochs, hidden: [4], optimizer: "adam", style: 0, order: [0, 1, 2], comment: false))
            let changed = try? Self.hash(
                Self.render(
                    lr: which == 0 ? lr * 2 : lr, epochs: which == 1 ? epochs + 1 : epochs,
                    hidden: which == 2 ? [5] : [4], optimizer: "adam", style: 0, order: [0, 1, 2], comment: false))
            #expect(base != nil && changed != nil && base != changed)
        }
    }
}

enum JSONValueSpelling {
    static func canonical(_ x: Double) -> String { JSONValue.ecmaScriptString(x) }
}
