import Codecs
import Datasets
import Foundation
import TestSupport
import Testing

/// Every kind of bad data file is refused with one line that names the file, the line (or
/// row) and the column — checked here word for word, with the scratch folder as DIR.
@Suite struct BrokenDataCatalogueTests {
    static func message(
        _ files: [String: [UInt8]], _ source: DataConfig.Source = .csv, roles: [String: String] = ["file": "t.csv"],
        target: [String] = ["y"], _ edit: (inout FileDataConfig) -> Void = { _ in }
    ) -> String {
        do {
            let dir = try FileDataTests.write(files)
            var c = FileDataConfig()
            c.target = target
            c.paths = roles.mapValues { "\(dir)/\($0)" }
            c.testFromFile = roles["test_file"] != nil
            edit(&c)
            do {
                _ = try Datasets.prepare(DataConfig(dataset: source, file: c))
                return "(no error)"
            } catch {
                return "\(error)".replacingOccurrences(of: dir, with: "DIR")
            }
        } catch {
            return "setup failed: \(error)"
        }
    }

    static func csv(_ text: String) -> [String: [UInt8]] { ["t.csv": Array(text.utf8)] }

    @Test(arguments: [
        ("a,b,y\n1,2,x\n3,4\n", "DIR/t.csv:3: 2 fields, but the header has 3 columns"),
        ("\na,b,y\n\n1,2,x\n3,q,y\n", "DIR/t.csv:5: column \"b\": \"q\" is not a number"),  // blank lines count as lines
        ("a,b,y\n1,2\n", "DIR/t.csv:2: 2 fields, but the header has 3 columns"),
        ("a,b,y\n1,2,x\n3,abc,y\n", "DIR/t.csv:3: column \"b\": \"abc\" is not a number"),
        ("a,b,y\n1,2,x\n3,nan,y\n", "DIR/t.csv:3: column \"b\": \"nan\" is not a finite Float32 (NaN and infinity are refused)"),
        ("a,b,y\nNaN,2,x\n3,4,y\n", "DIR/t.csv:2: column \"a\": \"NaN\" is not a finite Float32 (NaN and infinity are refused)"),
        ("a,b,y\n1,2,x\n3,-inf,y\n", "DIR/t.csv:3: column \"b\": \"-inf\" is not a finite Float32 (NaN and infinity are refused)"),
        ("a,b,y\n1,2,x\n3,1e39,y\n", "DIR/t.csv:3: column \"b\": \"1e39\" is not a finite Float32 (NaN and infinity are refused)"),
        ("a,b,y\n1,,x\n", "DIR/t.csv:2: column \"b\": the value is missing (empty fields are not supported)"),
        ("", "DIR/t.csv: the file is empty"),
        ("a,b,y\n", "DIR/t.csv: no data rows after the header"),
        ("a,b,y\n1,2,\"x\n3,4,y\n", "DIR/t.csv:2: a quoted field is not closed before the end of the file"),
        ("a,a,y\n1,2,x\n", "DIR/t.csv:1: column \"a\" appears twice in the header"),
        ("a,y\n1,x\n2,x\n3,x\n4,x\n5,x\n", "DIR/t.csv: the target column \"y\" has one class, \"x\": classification needs two or more"),
    ])
    func csvRows(_ text: String, _ expected: String) {
        #expect(Self.message(Self.csv(text)) == expected)
    }

    @Test func unknownColumns() {
        let text = "a,b,y\n1,2,x\n3,4,z\n"
        #expect(
            Self.message(Self.csv(text), target: ["q"]) == "DIR/t.csv:1: no column \"q\" (data.target); the header has \"a\", \"b\", \"y\"")
        #expect(
            Self.message(Self.csv(text)) { $0.features = ["a", "c"] }
                == "DIR/t.csv:1: no column \"c\" (data.features); the header has \"a\", \"b\", \"y\"")
    }

    @Test func testFilesShapedUnlikeTheTrainingFiles() {
        typealias T = FileDataTests
        let roles = ["file": "x.npy", "targets_file": "y.npy", "test_file": "tx.npy", "test_targets_file": "ty.npy"]
        let files = [
            "x.npy": T.npy("<f4", shape: [2, 2], T.f4([0, 1, 2, 3])), "y.npy": T.npy("<i8", shape: [2], T.i8([0, 1])),
            "tx.npy": T.npy("<f4", shape: [1, 3], T.f4([0, 1, 2])), "ty.npy": T.npy("<i8", shape: [1], T.i8([0])),
        ]
        #expect(
            Self.message(files, .npy, roles: roles) { $0.testFromFile = true }
                == "DIR/ty.npy: 3 features per row, but the training data has 2")
        #expect(
            Self.message(
                ["x.npy": T.npy("<f4", shape: [2, 2], T.f4([0, 1, 2, 3])), "y.npy": T.npy("<f4", shape: [2, 0], [])], .npy,
                roles: ["file": "x.npy", "targets_file": "y.npy"]
            ) { $0.task = .regression }
                == "DIR/y.npy: regression targets must have shape (n) or (n, k) with k ≥ 1, not [2, 0]")
        #expect(
            Self.message(
                ["x.npy": T.npy("<f4", shape: [4_294_967_296, 4_294_967_296], []), "y.npy": []], .npy,
                roles: ["file": "x.npy", "targets_file": "y.npy"])
                == "DIR/x.npy: the shape [4294967296, 4294967296] is too large")
    }

    @Test func aClassOnlyInTheTestFile() {
        let files = ["t.csv": Array("a,y\n1,x\n2,y\n".utf8), "v.csv": Array("a,y\n3,y\n4,z\n".utf8)]
        #expect(
            Self.message(files, roles: ["file": "t.csv", "test_file": "v.csv"])
                == "DIR/v.csv:3: column \"y\": class \"z\" does not occur in the training rows (classes: x, y)")
    }

    @Test func numpyFiles() {
        typealias T = FileDataTests
        let x = T.npy("<f4", shape: [4, 2], T.f4([0, 1, 2, 3, 4, 5, 6, 7]))
        let roles = ["file": "x.npy", "targets_file": "y.npy"]
        #expect(
            Self.message(["x.npy": x, "y.npy": T.npy("<i8", shape: [3], T.i8([0, 1, 0]))], .npy, roles: roles)
                == "DIR/x.npy has 4 rows but DIR/y.npy has 3")
        #expect(
            Self.message(["x.npy": T.npy("<c8", shape: [4], Array(repeating: 0, count: 32)), "y.npy": x], .npy, roles: roles)
                == "DIR/x.npy: dtype '<c8' is not supported (little-endian f4, f8, i1–i8, u1–u8 or b1 are)")
        #expect(
            Self.message(["x.npy": Array(x.dropLast(12)), "y.npy": x], .npy, roles: roles)
                == "DIR/x.npy: truncated: the shape [4, 2] of <f4 needs 32 bytes of data, the file has 20")
        #expect(
            Self.message(["x.npy": T.npy(">f4", shape: [1], [0, 0, 0, 0]), "y.npy": x], .npy, roles: roles)
                == "DIR/x.npy: dtype '>f4' is big-endian; save it little-endian (e.g. arr.astype('<f4'))")
        #expect(
            Self.message(["x.npy": Array("not numpy".utf8), "y.npy": x], .npy, roles: roles)
                == "DIR/x.npy: not a NumPy .npy file (no \\x93NUMPY magic)")
        #expect(
            Self.message(["x.npy": x, "y.npy": T.npy("<f8", shape: [4], T.f8([0, 1, 0.5, 1]))], .npy, roles: roles)
                == "DIR/y.npy: row 2: 0.5 is not a whole number, so not a class label (for numeric targets set data.task: regression)")
        #expect(
            Self.message(
                ["x.npy": T.npy("<f4", shape: [2], T.f4([1, .nan])), "y.npy": T.npy("<i8", shape: [2], T.i8([0, 1]))], .npy, roles: roles)
                == "DIR/x.npy: row 1: the value is nan (NaN and infinity are refused)")
    }
}
