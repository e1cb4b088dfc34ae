import Codecs
import Foundation
import ZIPFoundation

/// NumPy's `.npy` format (versions 1.0, 2.0 and 3.0): the magic `\x93NUMPY`, a version, the
/// header's length (2 bytes in 1.0, 4 after), a Python dict literal giving `descr`,
/// `fortran_order` and `shape`, then the raw array. Read: little-endian (or byte-sized)
/// `f4`, `f8`, `i1`–`i8`, `u1`–`u8` and `b1`; C or Fortran order (Fortran arrays of more than
/// two dimensions are refused). Values become Float32 (an `f8` or a large integer rounds to
/// the nearest Float). `.npz` archives are zip files of `.npy` members, read by name.
public enum NumPy {
    public typealias Array = NumericArray

    /// `release` is told, every few MiB, how far into `b` the values are converted.
    public static func parse(_ b: UnsafeRawBufferPointer, name: String, release: (Int) -> Void = { _ in }) throws -> Array {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10, (0..<6).allSatisfy({ b[$0] == magic[$0] }) else {
            throw DatasetError("\(name): not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = b[6]
        guard (1...3).contains(major) else {
            throw DatasetError("\(name): .npy format version \(major).\(b[7]) is not supported (1–3 are)")
        }
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        } else {
            guard b.count >= 12 else { throw DatasetError("\(name): truncated: the header is cut off") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        }
        guard b.count >= headerStart + headerLength else { throw DatasetError("\(name): truncated: the header is cut off") }
        let header = String(decoding: UnsafeRawBufferPointer(rebasing: b[headerStart..<(headerStart + headerLength)]), as: UTF8.self)
        guard let descr = field("descr", in: header).flatMap(quoted) else {
            throw DatasetError(
                "\(name): the header has no simple 'descr' (structured dtypes are not supported): \(header.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        guard let fortranText = field("fortran_order", in: header) else { throw DatasetError("\(name): the header has no 'fortran_order'") }
        let fortran = fortranText.hasPrefix("True")
        guard let shapeText = field("shape", in: header), shapeText.hasPrefix("(") else {
            throw DatasetError("\(name): the header has no 'shape'")
        }
        let inner = shapeText.dropFirst().prefix { $0 != ")" }
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty else { continue }
            guard let d = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), d >= 0 else {
                throw DatasetError("\(name): the shape \(shapeText) is not a tuple of sizes")
            }
            shape.append(d)
        }
        var order = descr.first!
        var code = String(descr.dropFirst())
        if order != "<" && order != ">" && order != "|" && order != "=" {
            order = "|"
            code = descr
        }
        let size = Int(code.dropFirst()) ?? 0
        let kind = code.first ?? "?"
        let known: Set<String> = ["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]
        guard known.contains(code) else {
            throw DatasetError("\(name): dtype '\(descr)' is not supported (little-endian f4, f8, i1–i8, u1–u8 or b1 are)")
        }
        if order == ">" && size > 1 {
            throw DatasetError("\(name): dtype '\(descr)' is big-endian; save it little-endian (e.g. arr.astype('<f4'))")
        }
        guard let count = NumericArray.elements(shape, size: size) else { throw DatasetError("\(name): the shape \(shape) is too large") }
        let dataStart = headerStart + headerLength
        let expected = count * size
        guard b.count - dataStart >= expected else {
            throw DatasetError(
                "\(name): truncated: the shape \(shape) of \(descr) needs \(expected) bytes of data, the file has \(b.count - dataStart)")
        }
        guard b.count - dataStart == expected else {
            throw DatasetError("\(name): \(b.count - dataStart - expected) bytes after the array's \(expected)")
        }
        if fortran && shape.count > 2 {
            throw DatasetError("\(name): Fortran-order arrays of more than 2 dimensions are not supported; save with np.ascontiguousarray")
        }
        let src = b.baseAddress! + dataStart
        var values = [Float](repeating: 0, count: count)
        func convert<T>(_: T.Type, _ f: (T) -> Float) {
            let chunk = (8 << 20) / size
            values.withUnsafeMutableBufferPointer { out in
                var i = 0
                while i < count {
                    let stop = min(i + chunk, count)
                    for k in i..<stop { out[k] = f(src.loadUnaligned(fromByteOffset: k * size, as: T.self)) }
                    release(dataStart + stop * size)
                    i = stop
                }
            }
        }
        switch code {
        case "f4":
            #if _endian(little)
                // The bytes are the values: copied a chunk at a time, each chunk released after.
                values.withUnsafeMutableBytes { out in
                    var at = 0
                    while at < expected {
                        let stop = min(at + (8 << 20), expected)
                        (out.baseAddress! + at).copyMemory(from: src + at, byteCount: stop - at)
                        release(dataStart + stop)
                        at = stop
                    }
                }
            #else
                convert(UInt32.self) { Float(bitPattern: UInt32(littleEndian: $0)) }
            #endif
        case "f8": convert(UInt64.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        case "i1": convert(Int8.self) { Float($0) }
        case "u1", "b1": convert(UInt8.self) { Float($0) }
        case "i2": convert(Int16.self) { Float(Int16(littleEndian: $0)) }
        case "u2": convert(UInt16.self) { Float(UInt16(littleEndian: $0)) }
        case "i4": convert(Int32.self) { Float(Int32(littleEndian: $0)) }
        case "u4": convert(UInt32.self) { Float(UInt32(littleEndian: $0)) }
        case "i8": convert(Int64.self) { Float(Int64(littleEndian: $0)) }
        default: convert(UInt64.self) { Float(UInt64(littleEndian: $0)) }
        }
        if fortran && shape.count == 2 {
            let (r, c) = (shape[0], shape[1])
            var t = [Float](repeating: 0, count: count)
            for i in 0..<r { for j in 0..<c { t[i * c + j] = values[j * r + i] } }
            values = t
        }
        return Array(shape: shape, values: values, integral: kind != "f")
    }

    /// The arrays of an `.npz` archive, by name (`x` for the member `x.npy`).
    public static func archive(_ data: DataBytes) throws -> [String: DataBytes] {
        let zip: Archive
        do { zip = try Archive(data: Data(data.bytes), accessMode: .read) } catch {
            throw DatasetError("\(data.path): not a readable .npz (zip) archive: \(error)")
        }
        var out: [String: DataBytes] = [:]
        for entry in zip where entry.type == .file && entry.path.hasSuffix(".npy") {
            var bytes = [UInt8]()
            do { _ = try zip.extract(entry) { bytes.append(contentsOf: $0) } } catch {
                throw DatasetError("\(data.path): member \(entry.path) cannot be extracted: \(error)")
            }
            let name = String(entry.path.dropLast(4))
            out[name] = DataBytes(bytes: bytes, path: "\(data.path)[\(name)]")
        }
        return out
    }

    static func field(_ key: String, in header: String) -> String? {
        for q in ["'", "\""] {
            if let r = header.range(of: "\(q)\(key)\(q)") {
                let rest = header[r.upperBound...].drop { $0 == " " || $0 == ":" }
                return String(rest)
            }
        }
        return nil
    }

    static func quoted(_ s: String) -> String? {
        guard let q = s.first, q == "'" || q == "\"" else { return nil }
        let body = s.dropFirst().prefix { $0 != q }
        return body.isEmpty ? nil : String(body)
    }
}

/// An array as a file holds it: the shape and the values (as Float) in C order.
public struct NumericArray: Sendable {
    /// The element count of `shape`, nil when it (or its bytes at `size` each) overflows.
    static func elements(_ shape: [Int], size: Int) -> Int? {
        var n = 1
        for d in shape + [size] {
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = m
        }
        return n / max(size, 1)
    }

    public let shape: [Int]
    public let values: [Float]
    /// Whether the type was an integer or boolean one (whole numbers: class labels).
    public let integral: Bool
}
