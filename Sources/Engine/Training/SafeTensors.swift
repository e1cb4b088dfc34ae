import Determinism
import Foundation

/// The safetensors file format, with the byte-level rules that make a checkpoint
/// reproducible: every tensor F32 little-endian; tensors stored in ascending name order; the
/// header is RFC 8785 canonical JSON padded with spaces to a multiple of 8 bytes;
/// `__metadata__` holds strings only. Python's `safetensors` reads these files.
///
///     let bytes = SafeTensors.encode([.init(name: "0.bias", shape: [2], values: [1, 2])], metadata: ["step": "3"])
///     let file = try SafeTensors.decode(bytes)   // file.tensors["0.bias"]?.values == [1, 2]
public enum SafeTensors {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public struct File: Sendable {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Name order: byte-wise on UTF-8, the same on every platform and locale.
    static func precedes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    public static func encode(_ tensors: [Tensor], metadata: [String: String]) -> [UInt8] {
        let sorted = tensors.sorted { precedes($0.name, $1.name) }
        var header: [String: JSONValue] = ["__metadata__": .object(metadata.mapValues { .string($0) })]
        var offset = 0
        for t in sorted {
            precondition(t.shape.reduce(1, *) == t.values.count, "\(t.name): shape \(t.shape) does not fit \(t.values.count) values")
            let end = offset + 4 * t.values.count
            header[t.name] = [
                "dtype": "F32", "shape": .array(t.shape.map { .number(Double($0)) }),
                "data_offsets": [.number(Double(offset)), .number(Double(end))],
            ]
            offset = end
        }
        var json = JSONValue.object(header).canonicalBytes
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for t in sorted {
            #if _endian(little)
                t.values.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
                for v in t.values {
                    var bits = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
                }
            #endif
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> File {
        guard bytes.count >= 8 else { throw FormatError(description: "not a safetensors file: \(bytes.count) bytes") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { throw FormatError(description: "header length \(n) runs past the end of the file") }
        let headerEnd = 8 + Int(n)
        let header: JSONValue
        do { header = try JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<headerEnd])) } catch {
            throw FormatError(description: "the header is not JSON")
        }
        guard case .object(let entries) = header else { throw FormatError(description: "the header is not a JSON object") }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in entries {
            if name == "__metadata__" {
                if case .object(let m) = entry { for (k, v) in m { metadata[k] = v.stringValue ?? "" } }
                continue
            }
            guard entry["dtype"]?.stringValue == "F32",
                case .array(let shapeValues)? = entry["shape"],
                case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
                let start = offsets[0].doubleValue.map(Int.init), let end = offsets[1].doubleValue.map(Int.init)
            else { throw FormatError(description: "tensor \(name): expected dtype F32 with shape and data_offsets") }
            let shape = shapeValues.compactMap { $0.doubleValue.map(Int.init) }
            let count = shape.reduce(1, *)
            guard end - start == 4 * count, headerEnd + end <= bytes.count, start >= 0 else {
                throw FormatError(description: "tensor \(name): data_offsets [\(start), \(end)] do not fit its shape or the file")
            }
            var values = [Float](repeating: 0, count: count)
            for k in 0..<count {
                let at = headerEnd + start + 4 * k
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                values[k] = Float(bitPattern: bits)
            }
            tensors[name] = Tensor(name: name, shape: shape, values: values)
        }
        return File(tensors: tensors, metadata: metadata)
    }
}
