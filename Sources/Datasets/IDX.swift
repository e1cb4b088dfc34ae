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
        let expected = 16 + n * rows * cols
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
            images.withUnsafeBufferPointer { src in
                for i in 0..<pixels { out[i] = Float(src[16 + i]) / 255 }
            }
            count = pixels
        }
        return LabeledSet(features: features, labels: labels[8...].map { Int32($0) }, dimension: dim)
    }
}
