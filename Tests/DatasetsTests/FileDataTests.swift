import Codecs
import Datasets
import Determinism
import Foundation
import TestSupport
import Testing
import ZIPFoundation

/// A user's own files: CSV/TSV, NumPy and IDX, read into the sets a run trains on, with
/// every value checked against one computed by hand.
@Suite struct FileDataTests {
    /// A file config over files written into a scratch folder (`file`, `test_file`, … → name).
    static func config(
        _ files: [String: String], roles: [String: String], target: [String] = ["y"], task: Task = .classification,
        _ edit: (inout FileDataConfig) -> Void = { _ in }
    ) throws -> FileDataConfig {
        let dir = try scratch(files, label: "data")
        var c = FileDataConfig()
        c.task = task
        c.target = target
        c.paths = roles.mapValues { "\(dir)/\($0)" }
        c.testFromFile = roles["test_file"] != nil
        edit(&c)
        return c
    }

    static func prepare(_ c: FileDataConfig, _ source: DataConfig.Source = .csv, validation: Int = 0) throws -> PreparedData {
        try Datasets.prepare(DataConfig(dataset: source, validation: validation, file: c))
    }

    static let small = """
        a,b,y
        1,2,cat
        3,4,dog
        5,6,cat
        7,8,dog

        """

    @Test func aCSVWithATestFileReadsAsWritten() throws {
        let test = "a,b,y\n9,10,dog\n11,12,cat\n"
        let d = try Self.prepare(Self.config(["t.csv": Self.small, "v.csv": test], roles: ["file": "t.csv", "test_file": "v.csv"]))
        #expect(d.train.features == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(d.classNames == ["cat", "dog"])
        #expect(d.train.labels == [0, 1, 0, 1])
        #expect(d.test.features == [9, 10, 11, 12])
        #expect(d.test.labels == [1, 0])
        #expect(d.task == .classification && d.classes == 2)
    }

    @Test func quotedFieldsFollowRFC4180() throws {
        let text = "\"a\",b,y\r\n\"1\",2,\"x, \"\"the\"\" one\"\r\n3,4,\"line\nbreak\"\r\n5,6,plain\r\n"
        let c = try Self.config(["t.csv": text, "v.csv": "y,b,a\nplain,8,7\n"], roles: ["file": "t.csv", "test_file": "v.csv"])
        let d = try Self.prepare(c)
        #expect(d.classNames == ["line\nbreak", "plain", "x, \"the\" one"])  // sorted
        #expect(d.train.labels == [2, 0, 1])
        #expect(d.train.features == [1, 2, 3, 4, 5, 6])
        #expect(d.test.features == [7, 8] && d.test.labels == [1])
    }

    @Test func integerLabelsSortNumerically() throws {
        let text = "a,y\n1,10\n2,9\n3,2\n4,10\n5,9\n6,2\n"
        let d = try Self.prepare(Self.config(["t.csv": text, "v.csv": "a,y\n7,10\n"], roles: ["file": "t.csv", "test_file": "v.csv"]))
        #expect(d.classNames == ["2", "9", "10"])
        #expect(d.train.labels == [2, 1, 0, 2, 1, 0])
        #expect(d.test.labels == [2])
    }

    /// "01" and "1" are two classes, in one order in every process; a spreadsheet's byte-order mark is skipped.
    @Test func equalIntegersSortByTheirTextAndABOMIsSkipped() throws {
        let text = "\u{FEFF}a,y\n1,1\n2,01\n3,1\n4,01\n"
        let d = try Self.prepare(Self.config(["t.csv": text, "v.csv": "a,y\n5,01\n"], roles: ["file": "t.csv", "test_file": "v.csv"]))
        #expect(d.classNames == ["01", "1"])
        #expect(d.train.labels == [1, 0, 1, 0])
    }

    /// A group column is read for measuring, not training: out of the features, its groups sorted over both files.
    @Test func aGroupColumnIsNotAFeature() throws {
        let train = "x,sex,y\n1,f,a\n2,m,b\n3,f,a\n4,m,b\n"
        let c = try Self.config(["t.csv": train, "v.csv": "x,sex,y\n5,x,a\n6,f,b\n"], roles: ["file": "t.csv", "test_file": "v.csv"]) {
            $0.group = "sex"
        }
        let d = try Self.prepare(c, validation: 1)
        #expect(d.train.dimension == 1 && d.groupNames == ["f", "m", "x"])
        #expect(d.train.groups.count == 3 && d.validation?.groups.count == 1)
        #expect(d.test.groups == [2, 0])
        var both = c
        both.features = ["x", "sex"]
        #expect(throws: DatasetError("data.group: \"sex\" is a feature; the group column is neither")) { try Self.prepare(both) }
    }

    @Test func tsvAndChosenFeatureColumns() throws {
        let text = "a\tb\tc\ty\n1\t2\t3\tp\n4\t5\t6\tq\n"
        let c = try Self.config(["t.tsv": text, "v.tsv": "y\tc\tb\ta\nq\t9\t8\t7\n"], roles: ["file": "t.tsv", "test_file": "v.tsv"]) {
            $0.features = ["c", "a"]
        }
        let d = try Self.prepare(c, .tsv)
        #expect(d.train.features == [3, 1, 6, 4])
        #expect(d.train.dimension == 2)
        #expect(d.test.features == [9, 7])  // columns found by name in the test file
    }

    /// Categories sorted, fixed from the training rows; one seen only in the test file is all zeros.
    @Test func stringColumnsAreOneHotEncoded() throws {
        let train = "x,colour,y\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n"
        let test = "x,colour,y\n5,purple,a\n6,green,b\n"
        let d = try Self.prepare(Self.config(["t.csv": train, "v.csv": test], roles: ["file": "t.csv", "test_file": "v.csv"]))
        // x, then colour as blue, green, red.
        #expect(d.train.dimension == 4)
        #expect(d.train.features == [1, 0, 0, 1, 2, 1, 0, 0, 3, 0, 0, 1, 4, 0, 1, 0])
        #expect(d.test.features == [5, 0, 0, 0, 6, 0, 1, 0])
    }

    @Test func aNumericColumnCanBeDeclaredCategorical() throws {
        let train = "zip,y\n10,a\n20,b\n10,b\n"
        let c = try Self.config(["t.csv": train, "v.csv": "zip,y\n20,a\n"], roles: ["file": "t.csv", "test_file": "v.csv"]) {
            $0.categorical = ["zip"]
        }
        let d = try Self.prepare(c)
        #expect(d.train.features == [1, 0, 0, 1, 1, 0])
        #expect(d.test.features == [0, 1])
    }

    /// Mean and population σ from the training rows, applied to every split; one-hot columns kept.
    @Test func standardisationUsesTheTrainingRowsOnly() throws {
        let train = "x,c,y\n1,u,a\n2,v,b\n3,u,a\n6,v,b\n"
        let c = try Self.config(["t.csv": train, "v.csv": "x,c,y\n4,u,a\n"], roles: ["file": "t.csv", "test_file": "v.csv"]) {
            $0.preprocess = .standardize
        }
        let d = try Self.prepare(c)
        // mean 3, σ = sqrt((4 + 1 + 0 + 9) / 4) = sqrt(3.5)
        let sd = 3.5.squareRoot()
        let expected = [1.0, 2, 3, 6].map { Float(($0 - 3) / sd) }
        let x: [Float] = (0..<4).map { d.train.features[$0 * 3] }
        let oneHot: [Float] = (0..<4).map { d.train.features[$0 * 3 + 1] }
        let test: [Float] = [Float(1 / sd), 1, 0]
        #expect(x == expected)
        #expect(oneHot == [1, 0, 1, 0])
        #expect(d.test.features == test)
    }

    @Test func minMaxScalingAndAConstantColumn() throws {
        let train = "x,k,y\n2,5,a\n4,5,b\n10,5,a\n"
        let c = try Self.config(["t.csv": train, "v.csv": "x,k,y\n6,7,b\n"], roles: ["file": "t.csv", "test_file": "v.csv"]) {
            $0.preprocess = .minmax
        }
        let d = try Self.prepare(c)
        #expect(d.train.features == [0, 0, 0.25, 0, 1, 0])
        #expect(d.test.features == [0.5, 2])  // a constant column: shifted by its value, scale 1
    }

    @Test func regressionTargetsScaleForTrainingOnly() throws {
        let train = "x,y,z\n1,10,1\n2,20,2\n3,30,3\n"
        let c = try Self.config(
            ["t.csv": train, "v.csv": "x,y,z\n4,40,4\n"], roles: ["file": "t.csv", "test_file": "v.csv"], target: ["y", "z"],
            task: .regression
        ) {
            $0.targetPreprocess = .standardize
        }
        let d = try Self.prepare(c)
        #expect(d.train.outputs == 2 && d.outputs == 2 && d.classes == 0)
        let sd = (200.0 / 3).squareRoot()
        #expect(d.train.targets[0] == Float(-10 / sd))
        #expect(d.targetShift == [20, 2])
        #expect(d.targetScale[0] == sd)
        #expect(d.test.targets == [40, 4])  // validation and test metrics are taken in the original units
    }

    /// The held-out test rows: a permutation keyed by the test seed alone.
    @Test func aTestFractionIsSeededAndDisjoint() throws {
        let rows = (0..<50).map { "\($0),\($0 % 2)" }.joined(separator: "\n")
        let c = try Self.config(["t.csv": "x,y\n" + rows + "\n"], roles: ["file": "t.csv"]) { $0.testFraction = 0.2 }
        let a = try Self.prepare(c, validation: 5)
        let b = try Self.prepare(c, validation: 5)
        #expect(a.test.count == 10 && a.validation?.count == 5 && a.train.count == 35)
        #expect(a.test.features == b.test.features)
        let all = Set(a.train.features + a.validation!.features + a.test.features)
        #expect(all.count == 50)
        var other = c
        other.testSeed = 1
        #expect(try Self.prepare(other).test.features != a.test.features)
    }

    // MARK: NumPy

    static func npy(_ descr: String, shape: [Int], _ data: [UInt8], version: UInt8 = 1, fortran: Bool = false) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let n = header.utf8.count
        let length: [UInt8] = version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + Array(header.utf8) + data
    }

    static func f4(_ v: [Float]) -> [UInt8] { v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } } }
    static func f8(_ v: [Double]) -> [UInt8] { v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } } }
    static func i8(_ v: [Int64]) -> [UInt8] { v.flatMap { i in withUnsafeBytes(of: i.littleEndian) { Array($0) } } }

    static func write(_ files: [String: [UInt8]]) throws -> String {
        let dir = try scratch(label: "npy")
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)")) }
        return dir
    }

    static func parse(_ bytes: [UInt8]) throws -> NumericArray {
        try bytes.withUnsafeBytes { try NumPy.parse($0, name: "a.npy") }
    }

    @Test func npyDtypesVersionsAndOrders() throws {
        #expect(try Self.parse(Self.npy("<f4", shape: [2, 2], Self.f4([1, 2, 3, 4]))).values == [1, 2, 3, 4])
        #expect(try Self.parse(Self.npy("<f8", shape: [3], Self.f8([0.1, 2, -3]), version: 2)).values == [Float(0.1), 2, -3])
        #expect(try Self.parse(Self.npy("<i8", shape: [2], Self.i8([7, -1]), version: 3)).values == [7, -1])
        #expect(try Self.parse(Self.npy("|u1", shape: [3], [0, 128, 255])).values == [0, 128, 255])
        #expect(try Self.parse(Self.npy("|u1", shape: [3], [0, 128, 255])).integral)
        // Fortran order: column after column on disk, rows in memory.
        let f = try Self.parse(Self.npy("<f4", shape: [2, 3], Self.f4([1, 4, 2, 5, 3, 6]), fortran: true))
        #expect(f.shape == [2, 3] && f.values == [1, 2, 3, 4, 5, 6])
    }

    @Test func npyPairsForClassificationAndRegression() throws {
        let dir = try Self.write([
            "x.npy": Self.npy("<f4", shape: [4, 2], Self.f4([0, 1, 2, 3, 4, 5, 6, 7])),
            "y.npy": Self.npy("<i8", shape: [4], Self.i8([3, 1, 3, 1])),
            "r.npy": Self.npy("<f8", shape: [4, 1], Self.f8([0.5, 1.5, 2.5, 3.5])),
        ])
        var c = FileDataConfig()
        c.paths = ["file": "\(dir)/x.npy", "targets_file": "\(dir)/y.npy"]
        c.testFraction = 0.25
        let d = try Self.prepare(c, .npy)
        #expect(d.classNames == ["1", "3"] && d.train.count == 3 && d.test.count == 1)
        c.task = .regression
        c.paths["targets_file"] = "\(dir)/r.npy"
        let r = try Self.prepare(c, .npy)
        #expect(r.train.outputs == 1 && Set(r.train.targets + r.test.targets) == [0.5, 1.5, 2.5, 3.5])
    }

    static func npz(_ members: [String: [UInt8]]) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        for (name, bytes) in members.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) {
                position, size in Data(bytes[Int(position)..<(Int(position) + size)])
            }
        }
        return [UInt8](archive.data!)
    }

    @Test func npzArraysAreReadByName() throws {
        let dir = try Self.write([
            "d.npz": try Self.npz([
                "features.npy": Self.npy("<f4", shape: [3, 1], Self.f4([1, 2, 3])),
                "labels.npy": Self.npy("|u1", shape: [3], [0, 1, 0]),
            ])
        ])
        var c = FileDataConfig()
        c.paths = ["file": "\(dir)/d.npz"]
        c.featuresArray = "features"
        c.targetsArray = "labels"
        c.testFraction = 0.34
        let d = try Self.prepare(c, .npz)
        #expect(Set(d.train.features + d.test.features) == [1, 2, 3])
        c.targetsArray = "y"
        #expect(throws: DatasetError("\(dir)/d.npz: no array named \"y\"; it holds \"features\", \"labels\"")) { try Self.prepare(c, .npz) }
    }

    // MARK: IDX

    @Test func anyIDXDataSetWithTheFourFiles() throws {
        func be32(_ v: Int) -> [UInt8] { IDXTests.be32(v) }
        let images = [0, 0, 0x08, 3] + be32(4) + be32(1) + be32(2) + [0, 255, 51, 102, 1, 2, 3, 4]
        let labels = [0, 0, 0x08, 1] + be32(4) + [5, 7, 5, 7]
        let test = [0, 0, 0x0D, 2] + be32(1) + be32(2) + [0x3F, 0x80, 0, 0, 0x40, 0, 0, 0]  // float32 1, 2 (big-endian)
        let testLabels = [0, 0, 0x08, 1] + be32(1) + [7]
        let dir = try Self.write([
            "emnist-train-images-idx3-ubyte": images, "emnist-train-labels-idx1-ubyte": labels,
            "emnist-test-images-idx3-ubyte": test, "emnist-test-labels-idx1-ubyte": testLabels,
        ])
        var c = FileDataConfig()
        c.paths = try IDX.locate(dir)
        c.testFromFile = true
        let d = try Self.prepare(c, .idx)
        #expect(d.train.features[0...3] == [0, 1, 0.2, 0.4])
        #expect(d.classNames == ["5", "7"] && d.train.labels == [0, 1, 0, 1])
        #expect(d.test.features == [1, 2] && d.test.labels == [1])
    }

    // MARK: Identity

    @Test func theHashIsTheContentsNotThePath() throws {
        let a = try Self.config(["one/t.csv": Self.small], roles: ["file": "one/t.csv"])
        let b = try Self.config(["elsewhere/renamed.csv": Self.small], roles: ["file": "elsewhere/renamed.csv"])
        let changed = try Self.config(["t.csv": Self.small.replacingOccurrences(of: "7,8", with: "7,9")], roles: ["file": "t.csv"])
        let hash = { (c: FileDataConfig) in try Datasets.sha256(of: DataConfig(dataset: .csv, file: c)) }
        #expect(try hash(a) == hash(b))
        #expect(try hash(a) != hash(changed))
        #expect(try hash(a) == Self.prepare(a).sha256)
        // gzipped, the same content: the same data set.
        let gz = try Self.write(["t.csv.gz": try Gzip.compress(Array(Self.small.utf8))])
        var z = a
        z.paths = ["file": "\(gz)/t.csv.gz"]
        #expect(try hash(z) == hash(a))
    }
}
