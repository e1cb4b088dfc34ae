import Codecs
import Foundation

/// The IDX format of MNIST and Fashion-MNIST: a big-endian magic number (0x0803 for
/// unsigned-byte images with 3 dimensions, 0x0801 for labels), the dimensions as 32-bit
/// big-endian integers, then the bytes. Files may be gzipped (`.gz`).
public enum IDX {
    public static let files = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// Loads a directory holding the four IDX files (gzipped or not). The hash covers the
    /// decompressed files in the order train images, train labels, test images, test labels.
    public static func loadDirectory(_ dir: String) throws -> (train: LabeledSet, test: LabeledSet, classes: Int, sha256: String) {
        var raw: [[UInt8]] = []
        for name in files {
            raw.append(try readFile(dir: dir, name: name))
        }
        let train = try parse(images: raw[0], labels: raw[1], imagesName: files[0], labelsName: files[1], dir: dir)
        let test = try parse(images: raw[2], labels: raw[3], imagesName: files[2], labelsName: files[3], dir: dir)
        guard train.dimension == test.dimension else {
            throw DatasetError("\(dir): training images are \(train.dimension) pixels but test images are \(test.dimension)")
        }
        let classes = Int((train.labels.max() ?? 0) + 1)
        return (train, test, max(classes, Int((test.labels.max() ?? 0) + 1)), sha256Hex(raw))
    }

    static func readFile(dir: String, name: String) throws -> [UInt8] {
        let fm = FileManager.default
        for candidate in ["\(dir)/\(name).gz", "\(dir)/\(name)"] where fm.fileExists(atPath: candidate) {
            guard let data = fm.contents(atPath: candidate) else {
                throw DatasetError("\(candidate): cannot be read")
            }
            let bytes = [UInt8](data)
            guard Gzip.isGzip(bytes) else { return bytes }
            do { return try Gzip.decompress(bytes) } catch {
                throw DatasetError("\(candidate): \(error)")
            }
        }
        var hint = ""
        if dir == Datasets.defaultFashionMNISTDirectory {
            hint = " (install it with `apt-get install dataset-fashion-mnist`, or pass --data-dir)"
        }
        throw DatasetError("\(dir)/\(name)(.gz): no such file\(hint)")
    }

    static func be32(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    /// Parses one images file and one labels file, checking every size against the header.
    public static func parse(images: [UInt8], labels: [UInt8], imagesName: String, labelsName: String, dir: String = ".") throws
        -> LabeledSet
    {
        let ip = "\(dir)/\(imagesName)"
        let lp = "\(dir)/\(labelsName)"
        guard images.count >= 16 else { throw DatasetError("\(ip): truncated: \(images.count) bytes, shorter than the 16-byte header") }
        guard be32(images, 0) == 0x0803 else {
            throw DatasetError("\(ip): not an IDX image file (magic number 0x\(String(be32(images, 0), radix: 16)), expected 0x803)")
        }
        let n = be32(images, 4)
        let rows = be32(images, 8)
        let cols = be32(images, 12)
        guard let values = NumericArray.elements([n, rows, cols], size: 1) else {
            throw DatasetError("\(ip): the header's sizes \(n)×\(rows)×\(cols) are too large")
        }
        let expected = 16 + values
        guard images.count == expected else {
            let what = images.count < expected ? "truncated" : "too long"
            throw DatasetError(
                "\(ip): \(what): the header promises \(n) images of \(rows)×\(cols) (\(expected) bytes), the file has \(images.count)")
        }
        guard labels.count >= 8 else { throw DatasetError("\(lp): truncated: \(labels.count) bytes, shorter than the 8-byte header") }
        guard be32(labels, 0) == 0x0801 else {
            throw DatasetError("\(lp): not an IDX label file (magic number 0x\(String(be32(labels, 0), radix: 16)), expected 0x801)")
        }
        let m = be32(labels, 4)
        guard labels.count == 8 + m else {
            let what = labels.count < 8 + m ? "truncated" : "too long"
            throw DatasetError("\(lp): \(what): the header promises \(m) labels (\(8 + m) bytes), the file has \(labels.count)")
        }
        guard m == n else {
            throw DatasetError("\(lp): has \(m) labels but \(imagesName) has \(n) images")
        }
        let dim = rows * cols
        // Pixel scaling: one correctly rounded division per pixel, the same on every machine.
        let pixels = images.count - 16
        let features = [Float](unsafeUninitializedCapacity: pixels) { out, count in
            adviseHugePages(UnsafeMutableRawBufferPointer(out))
            images.withUnsafeBufferPointer { src in
                for i in 0..<pixels { out[i] = Float(src[16 + i]) / 255 }
            }
            count = pixels
        }
        return LabeledSet(features: features, labels: labels[8...].map { Int32($0) }, dimension: dim)
    }
}

extension IDX {
    /// Any IDX file: two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B
    /// int16, 0x0C int32, 0x0D float32, 0x0E float64, all big-endian), the number of
    /// dimensions, each as a big-endian 32-bit size, then the values in C order. Unsigned
    /// bytes in a file of two or more dimensions (images) are scaled to [0, 1] by ÷255, as
    /// MNIST's are; every other value is kept as it is.
    public static func array(_ b: UnsafeRawBufferPointer, name: String) throws -> NumericArray {
        guard b.count >= 4, b[0] == 0, b[1] == 0 else {
            throw DatasetError("\(name): not an IDX file (it does not start with two zero bytes)")
        }
        let sizes: [UInt8: Int] = [0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8]
        guard let size = sizes[b[2]] else {
            throw DatasetError("\(name): IDX type 0x\(String(b[2], radix: 16)) is not one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E")
        }
        let dims = Int(b[3])
        guard dims >= 1, b.count >= 4 + 4 * dims else { throw DatasetError("\(name): truncated: the header is cut off") }
        let bytes = [UInt8](b[0..<(4 + 4 * dims)])
        let shape = (0..<dims).map { be32(bytes, 4 + 4 * $0) }
        guard let count = NumericArray.elements(shape, size: size) else { throw DatasetError("\(name): the shape \(shape) is too large") }
        let start = 4 + 4 * dims
        let expected = start + count * size
        guard b.count == expected else {
            throw DatasetError(
                "\(name): \(b.count < expected ? "truncated" : "too long"): the header promises \(shape.map(String.init).joined(separator: "×")) values (\(expected) bytes), the file has \(b.count)"
            )
        }
        let src = b.baseAddress! + start
        var values = [Float](repeating: 0, count: count)
        let type = b[2]
        for i in 0..<count {
            let p = src + i * size
            switch type {
            case 0x08: values[i] = dims >= 2 ? Float(p.load(as: UInt8.self)) / 255 : Float(p.load(as: UInt8.self))
            case 0x09: values[i] = Float(p.load(as: Int8.self))
            case 0x0B: values[i] = Float(Int16(bigEndian: p.loadUnaligned(as: Int16.self)))
            case 0x0C: values[i] = Float(Int32(bigEndian: p.loadUnaligned(as: Int32.self)))
            case 0x0D: values[i] = Float(bitPattern: UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)))
            default: values[i] = Float(Double(bitPattern: UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))))
            }
        }
        return NumericArray(shape: shape, values: values, integral: type <= 0x0C && !(type == 0x08 && dims >= 2))
    }

    /// The four files of an IDX data set in `dir`, by role: the one file whose name holds
    /// `train-images`, `train-labels`, `t10k-images` (or `test-images`) and `t10k-labels` (or
    /// `test-labels`), gzipped or not.
    public static func locate(_ dir: String) throws -> [String: String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw DatasetError("\(dir): no such directory")
        }
        var out: [String: String] = [:]
        for (role, patterns) in FileData.idxRoles {
            let hits = names.filter { n in patterns.contains { n.contains($0) } }.sorted()
            guard hits.count == 1 else {
                throw DatasetError(
                    "\(dir): \(hits.isEmpty ? "no file" : "\(hits.count) files (\(hits.joined(separator: ", ")))") named like *\(patterns[0])*: an IDX data set has exactly one of each of train-images, train-labels, t10k-images and t10k-labels"
                )
            }
            out[role] = "\(dir)/\(hits[0])"
        }
        return out
    }
}
