import CairnZlib
import Codecs
import Datasets
import Foundation
import TestSupport
import Testing

/// IDX files made by the test: valid ones load; truncated, corrupt and mismatched ones are
/// refused with an error naming the file and what is wrong.
@Suite struct IDXTests {
    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func images(_ n: Int, _ rows: Int = 2, _ cols: Int = 3) -> [UInt8] {
        be32(0x0803) + be32(n) + be32(rows) + be32(cols) + (0..<(n * rows * cols)).map { UInt8($0 * 37 % 256) }
    }
    static func labels(_ n: Int) -> [UInt8] { be32(0x0801) + be32(n) + (0..<n).map { UInt8($0 % 10) } }

    /// gzip through zlib, as the Debian files are stored.
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        var out = [UInt8](repeating: 0, count: bytes.count + 1024)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(out[0..<produced])
    }

    func directory(_ files: [String: [UInt8]]) throws -> String {
        let dir = try scratch(label: "idx")
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)")) }
        return dir
    }

    func valid(gzipped: Bool) -> [String: [UInt8]] {
        let files = [
            "train-images-idx3-ubyte": Self.images(5), "train-labels-idx1-ubyte": Self.labels(5),
            "t10k-images-idx3-ubyte": Self.images(3), "t10k-labels-idx1-ubyte": Self.labels(3),
        ]
        guard gzipped else { return files }
        return Dictionary(uniqueKeysWithValues: files.map { ($0.key + ".gz", Self.gzip($0.value)) })
    }

    @Test(arguments: [false, true])
    func loadsValidFiles(gzipped: Bool) throws {
        let dir = try directory(valid(gzipped: gzipped))
        let d = try IDX.loadDirectory(dir)
        #expect(d.train.count == 5 && d.test.count == 3)
        #expect(d.train.dimension == 6)
        #expect(d.train.features[1] == Float(37) / 255)
        #expect(d.train.labels == [0, 1, 2, 3, 4])
        // The hash is of the decompressed bytes: gzipped and plain copies hash alike.
        let plain = try IDX.loadDirectory(try directory(valid(gzipped: false)))
        #expect(d.sha256 == plain.sha256)
    }

    func expectError(_ files: [String: [UInt8]], containing parts: [String]) throws {
        let dir = try directory(files)
        do {
            _ = try IDX.loadDirectory(dir)
            Issue.record("expected an error containing \(parts)")
        } catch let e as DatasetError {
            for p in parts { #expect(e.description.contains(p), "\(e.description) lacks \(p)") }
        }
    }

    @Test func truncatedImages() throws {
        var f = valid(gzipped: false)
        f["train-images-idx3-ubyte"] = Array(Self.images(5).dropLast(4))
        try expectError(f, containing: ["train-images-idx3-ubyte: truncated", "promises 5 images of 2×3 (46 bytes), the file has 42"])
    }

    @Test func headerShorterThanSixteenBytes() throws {
        var f = valid(gzipped: false)
        f["t10k-images-idx3-ubyte"] = [0, 0, 8]
        try expectError(f, containing: ["t10k-images-idx3-ubyte: truncated: 3 bytes"])
    }

    @Test func wrongMagicNumber() throws {
        var f = valid(gzipped: false)
        f["train-labels-idx1-ubyte"] = Self.images(5)
        try expectError(f, containing: ["train-labels-idx1-ubyte: not an IDX label file (magic number 0x803, expected 0x801)"])
    }

    @Test func labelCountMismatch() throws {
        var f = valid(gzipped: false)
        f["train-labels-idx1-ubyte"] = Self.labels(4)
        try expectError(f, containing: ["train-labels-idx1-ubyte: has 4 labels but train-images-idx3-ubyte has 5 images"])
    }

    @Test func corruptGzip() throws {
        var f = valid(gzipped: true)
        var bad = f["train-images-idx3-ubyte.gz"]!
        bad.removeLast(bad.count / 2)
        f["train-images-idx3-ubyte.gz"] = bad
        try expectError(f, containing: ["train-images-idx3-ubyte.gz:", "truncated"])
    }

    @Test func missingFile() throws {
        var f = valid(gzipped: false)
        f.removeValue(forKey: "t10k-labels-idx1-ubyte")
        try expectError(f, containing: ["t10k-labels-idx1-ubyte(.gz): no such file"])
    }

    /// The real Fashion-MNIST from Debian's package, where it is installed (CI installs it).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Datasets.defaultFashionMNISTDirectory)))
    func fashionMNIST() throws {
        let d = try Datasets.prepare(DataConfig(dataset: .fashionMNIST, validation: 5000))
        #expect(d.train.count == 55_000 && d.validation?.count == 5000 && d.test.count == 10_000)
        #expect(d.train.dimension == 784 && d.classes == 10)
    }
}

@Suite struct BuiltInDataTests {
    @Test func digits() throws {
        let d = try Datasets.prepare(DataConfig(dataset: .digits))
        #expect(d.train.count == 1437 && d.test.count == 360 && d.classes == 10 && d.train.dimension == 64)
        #expect(d.train.features.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Set(d.test.labels) == Set(0..<10))
    }

    @Test func syntheticIsSeeded() throws {
        func make(_ seed: UInt64) throws -> PreparedData {
            var c = DataConfig(dataset: .synthetic)
            c.synthetic.seed = seed
            return try Datasets.prepare(c)
        }
        let a = try make(1)
        let b = try make(1)
        let c = try make(2)
        #expect(a.train.features == b.train.features && a.sha256 == b.sha256)
        #expect(a.train.features != c.train.features && a.sha256 != c.sha256)
        #expect(a.train.count == 240 && a.classes == 3)
    }

    @Test func splitIsKeyedByItsOwnSeed() throws {
        let a = try Datasets.prepare(DataConfig(dataset: .digits, validation: 100, splitSeed: 1))
        let b = try Datasets.prepare(DataConfig(dataset: .digits, validation: 100, splitSeed: 1))
        let c = try Datasets.prepare(DataConfig(dataset: .digits, validation: 100, splitSeed: 2))
        #expect(a.validation?.labels == b.validation?.labels && a.validation?.features == b.validation?.features)
        #expect(a.validation?.features != c.validation?.features)
        #expect(a.train.count + (a.validation?.count ?? 0) == 1437)
    }

    @Test func validationLargerThanTheSetIsAnError() {
        #expect(throws: DatasetError.self) { try Datasets.prepare(DataConfig(dataset: .digits, validation: 5000)) }
    }
}
