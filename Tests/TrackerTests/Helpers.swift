import Codecs
import Determinism
import Foundation
import TestSupport
import Vocabulary

@testable import Tracker

func planned(_ i: Int, lr: Double = 0.01, optimizer: String = "adam", hidden: [Int] = [32]) -> RunEntry {
    let params: [String: JSONValue] = [
        "train.lr": .number(lr), "train.optimizer": .string(optimizer),
        "model.hidden": .array(hidden.map { .number(Double($0)) }), "train.nesterov": .bool(i % 2 == 0),
    ]
    return TestRun(
        hash: sha256Hex([Array("run \(i)".utf8)]), name: "t\(i)", canonicalSpec: JSONValue.object(params).canonical, params: params)
}
