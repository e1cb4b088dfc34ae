import Codecs
import Determinism
import Foundation
import Vocabulary

/// One line of a run's event log (`runs/events/<hash>.jsonl`): what a run's process tells
/// the index. The child appends; the scheduler ingests. Non-finite metric values (a loss
/// that became NaN) are written as null.
///
///     {"type":"start","attempt":1,"time":1764400000.5,"provenance":{…}}
///     {"type":"metrics","scope":"epoch","step":860,"epoch":1,"kind":"model","values":{"val_accuracy":0.86}}
///     {"type":"resume","object":"51c0…","step":860,"epoch":1,"best_value":0.86,"best_object":"51c0…","best_epoch":1,"best_step":860}
///     {"type":"checkpoint","object":"9f86…","step":860,"epoch":1,"kinds":["best","final"],"raw_size":2442368,"stored_size":2241530}
///     {"type":"end","status":"completed","time":1764400012.1}
///
/// A run that dies is started again from its last `resume` event (a later attempt's `start`
/// names the epoch it resumed from), and logs again whatever it had logged of the epoch it
/// was in; ingest checks that those points are equal.
package enum RunEvent: Sendable, Equatable {
    case start(Start)
    case metrics(Metrics)
    case resume(Resume)
    case checkpoint(Checkpoint)
    case end(End)

    package struct Start: Sendable, Equatable {
        package var attempt: Int
        package var time: Double
        package var provenance: Provenance?
        /// The epoch whose end this attempt resumed from; 0: from scratch.
        package var resumedFromEpoch: Int
        package init(attempt: Int, time: Double, provenance: Provenance?, resumedFromEpoch: Int = 0) {
            self.attempt = attempt
            self.time = time
            self.provenance = provenance
            self.resumedFromEpoch = resumedFromEpoch
        }
    }

    /// The state at an epoch's end, from which a later attempt continues: the object holds
    /// weights, optimizer state, step and RNG position (a checkpoint's bytes); the best value
    /// of `checkpoint.best` so far and which state holds it travel with it.
    package struct Resume: Sendable, Equatable {
        package var object: String
        package var step: Int
        package var epoch: Int
        package var best: Best?

        package struct Best: Sendable, Equatable {
            package var value: Double
            package var object: String
            package var step: Int
            package var epoch: Int
            package init(value: Double, object: String, step: Int, epoch: Int) {
                self.value = value
                self.object = object
                self.step = step
                self.epoch = epoch
            }
        }

        package init(object: String, step: Int, epoch: Int, best: Best?) {
            self.object = object
            self.step = step
            self.epoch = epoch
            self.best = best
        }
    }

    package struct Metrics: Sendable, Equatable {
        package var scope: MetricScope
        package var step: Int
        package var epoch: Int
        package var kind: MetricKind
        package var values: [String: Double?]
        package init(scope: MetricScope, step: Int, epoch: Int, kind: MetricKind, values: [String: Double?]) {
            self.scope = scope
            self.step = step
            self.epoch = epoch
            self.kind = kind
            self.values = values
        }
    }

    package struct Checkpoint: Sendable, Equatable {
        package var object: String
        package var step: Int
        package var epoch: Int
        package var kinds: Set<CheckpointKind>
        package var rawSize: Int
        package var storedSize: Int
        package init(object: String, step: Int, epoch: Int, kinds: Set<CheckpointKind>, rawSize: Int, storedSize: Int) {
            self.object = object
            self.step = step
            self.epoch = epoch
            self.kinds = kinds
            self.rawSize = rawSize
            self.storedSize = storedSize
        }
    }

    package struct End: Sendable, Equatable {
        package var status: RunStatus
        package var time: Double
        package var error: String?
        package init(status: RunStatus, time: Double, error: String? = nil) {
            self.status = status
            self.time = time
            self.error = error
        }
    }

    package struct FormatError: Error, CustomStringConvertible {
        package let description: String
    }

    /// The event as JSON (snake_case keys).
    package var json: JSONValue {
        switch self {
        case .start(let e):
            var o: [String: JSONValue] = ["type": "start", "attempt": .number(Double(e.attempt)), "time": .number(e.time)]
            if let p = e.provenance { o["provenance"] = p.json }
            if e.resumedFromEpoch > 0 { o["resumed_from_epoch"] = .number(Double(e.resumedFromEpoch)) }
            return .object(o)
        case .metrics(let e):
            return [
                "type": "metrics", "scope": .string(e.scope.rawValue), "step": .number(Double(e.step)), "epoch": .number(Double(e.epoch)),
                "kind": .string(e.kind.rawValue),
                "values": .object(e.values.mapValues { v in v.flatMap { $0.isFinite ? JSONValue.number($0) : nil } ?? .null }),
            ]
        case .resume(let e):
            var o: [String: JSONValue] = [
                "type": "resume", "object": .string(e.object), "step": .number(Double(e.step)), "epoch": .number(Double(e.epoch)),
            ]
            if let b = e.best {
                o["best_value"] = .number(b.value)
                o["best_object"] = .string(b.object)
                o["best_step"] = .number(Double(b.step))
                o["best_epoch"] = .number(Double(b.epoch))
            }
            return .object(o)
        case .checkpoint(let e):
            return [
                "type": "checkpoint", "object": .string(e.object), "step": .number(Double(e.step)), "epoch": .number(Double(e.epoch)),
                "kinds": .array(e.kinds.sorted().map { .string($0.rawValue) }), "raw_size": .number(Double(e.rawSize)),
                "stored_size": .number(Double(e.storedSize)),
            ]
        case .end(let e):
            return [
                "type": "end", "status": .string(e.status.rawValue), "time": .number(e.time),
                "error": e.error.map { .string($0) } ?? .null,
            ]
        }
    }

    package init(json v: JSONValue) throws {
        func fail(_ what: String) -> FormatError { FormatError(description: what) }
        func int(_ k: String) throws -> Int {
            guard let d = v[k]?.doubleValue, d == d.rounded() else { throw fail("\(k): expected an integer") }
            return Int(d)
        }
        func str(_ k: String) throws -> String {
            guard let s = v[k]?.stringValue else { throw fail("\(k): expected a string") }
            return s
        }
        switch v["type"]?.stringValue {
        case "start":
            var provenance: Provenance?
            if let p = v["provenance"], p != .null { provenance = try Provenance(json: p) }
            self = .start(
                Start(
                    attempt: try int("attempt"), time: v["time"]?.doubleValue ?? 0, provenance: provenance,
                    resumedFromEpoch: v["resumed_from_epoch"] == nil ? 0 : try int("resumed_from_epoch")))
        case "resume":
            var best: Resume.Best?
            if let value = v["best_value"]?.doubleValue {
                best = Resume.Best(value: value, object: try str("best_object"), step: try int("best_step"), epoch: try int("best_epoch"))
            }
            self = .resume(Resume(object: try str("object"), step: try int("step"), epoch: try int("epoch"), best: best))
        case "metrics":
            guard case .object(let values)? = v["values"] else { throw fail("values: expected an object") }
            guard let scope = MetricScope(rawValue: try str("scope")) else { throw fail("scope: expected step or epoch") }
            guard let kind = MetricKind(rawValue: try str("kind")) else { throw fail("kind: expected model or machine") }
            self = .metrics(
                Metrics(
                    scope: scope, step: try int("step"), epoch: try int("epoch"), kind: kind,
                    values: values.mapValues { $0.doubleValue }))
        case "checkpoint":
            guard case .array(let kinds)? = v["kinds"] else { throw fail("kinds: expected a list") }
            self = .checkpoint(
                Checkpoint(
                    object: try str("object"), step: try int("step"), epoch: try int("epoch"),
                    kinds: Set(kinds.compactMap { $0.stringValue.flatMap(CheckpointKind.init) }), rawSize: try int("raw_size"),
                    storedSize: try int("stored_size")))
        case "end":
            guard let status = RunStatus(rawValue: try str("status")) else { throw fail("status: unknown") }
            self = .end(End(status: status, time: v["time"]?.doubleValue ?? 0, error: v["error"]?.stringValue))
        default:
            throw fail("type: expected start, metrics, resume, checkpoint or end")
        }
    }

    /// The event as one line of canonical JSON, newline included.
    package func line() -> [UInt8] {
        var bytes = json.canonicalBytes
        bytes.append(0x0A)
        return bytes
    }

    /// Parses one line (without its newline).
    package static func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> RunEvent {
        try RunEvent(json: try JSONValue.parse(line))
    }
}
