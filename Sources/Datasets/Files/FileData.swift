import Codecs
import Determinism
import Foundation

/// How a run reads a user's own data file: CSV/TSV, NumPy `.npy` pairs, `.npz` archives or
/// an IDX directory. Everything here that changes what the model sees is part of the run's
/// spec; where the files are (`paths`) and whether a copy is kept (`storeCopy`) are not.
public struct FileDataConfig: Sendable, Equatable {
    public enum Scaling: String, Sendable, CaseIterable {
        case none
        /// (x − mean) / standard deviation, both from the training rows (population σ; a
        /// constant column is only centred).
        case standardize
        /// (x − min) / (max − min), from the training rows (a constant column becomes 0).
        case minmax
    }

    public var task: Task = .classification
    /// CSV/TSV: the target column (several: multi-output regression).
    public var target: [String] = []
    /// CSV/TSV: the feature columns, in this order (nil: every column but the target, in file order).
    public var features: [String]?
    /// CSV/TSV: columns to one-hot encode even though their first value is a number.
    public var categorical: [String] = []
    /// CSV/TSV: a sensitive column whose groups the decisions are compared across (not a feature).
    public var group: String?
    /// `.npz`: the arrays' names.
    public var featuresArray = "x"
    public var targetsArray = "y"
    /// Without a test file: the fraction of rows held out as the test set, drawn by a
    /// permutation keyed by `testSeed`.
    public var testFraction = 0.2
    public var testSeed: UInt64 = 0
    public var preprocess: Scaling = .none
    /// Regression: the same for the target (metrics stay in the original units).
    public var targetPreprocess: Scaling = .none
    /// Where each file is, by role (`file`, `test_file`, `targets_file`, …). Never hashed.
    public var paths: [String: String] = [:]
    /// Whether the files' bytes are kept in the store so runs reproduce without them. Never hashed.
    public var storeCopy = true

    public init() {}

    /// Whether the test set is a file of its own (else `testFraction` of the rows is held out).
    public var testFromFile = false
}

/// One file of a data set, as identified: its role, where it was read, its content's hash.
public struct DataFile: Sendable, Equatable {
    public let role: String
    public let path: String
    public let sha256: String
    public let bytes: Int
}

/// Reading the file-based data sets.
public enum FileData {
    /// The roles of an IDX directory's files, and the names that identify them.
    static let idxRoles: [(String, [String])] = [
        ("train_images", ["train-images"]), ("train_labels", ["train-labels"]),
        ("test_images", ["t10k-images", "test-images"]), ("test_labels", ["t10k-labels", "test-labels"]),
    ]

    /// The data set's hash from its files' hashes: SHA-256 of the canonical JSON
    /// `{"files":{"<role>":"<sha256>",…}}`. The path is not in it, so a moved file keeps its
    /// hash; every byte of content is.
    public static func datasetSHA256(_ files: [DataFile]) -> String {
        DataSetIdentity.sha256(files: Dictionary(uniqueKeysWithValues: files.map { ($0.role, $0.sha256) }))
    }

    /// Hashes every file of the configuration.
    public static func identify(_ c: FileDataConfig) throws -> [DataFile] {
        try c.paths.sorted { $0.key < $1.key }.map { role, path in
            let d = try DataBytes(path: path)
            return DataFile(role: role, path: path, sha256: d.sha256(), bytes: d.bytes.count)
        }
    }

    /// The rows of one file (or pair) before splitting and encoding.
    struct Raw {
        var numbers: [Float]  // rows × numeric features
        var categorical: [[String]]  // per categorical feature column
        var labels: [String]  // classification
        var labelsAreIntegers = false
        var groups: [String] = []  // data.group, per row
        var targets: [Float]  // regression, rows × outputs
        var lines: [Int32]  // per row, for messages (0: no line numbers)
        var name: String
        var rows: Int
    }

    /// The layout of the features: per source column, numeric or categorical, in order.
    struct Layout {
        enum Column {
            case number(Int)  // index into Raw.numbers' row
            case category(Int)  // index into Raw.categorical
        }
        var columns: [(name: String, column: Column)]
        var numberCount: Int
    }

    static func load(_ c: FileDataConfig, source: DataConfig.Source) throws -> (
        train: Raw, test: Raw?, layout: Layout, files: [DataFile]
    ) {
        // Each file is hashed as it is read (see `DataBytes.release`), and identified after.
        var opened: [(String, DataBytes)] = []
        var files: [DataFile] {
            opened.map { role, d in DataFile(role: role, path: d.path, sha256: d.sha256(), bytes: d.bytes.count) }
        }
        func open(_ role: String) throws -> DataBytes? {
            guard let path = c.paths[role] else { return nil }
            let d = try DataBytes(path: path)
            opened.append((role, d))
            return d
        }
        let (train, test, layout) = try loadRows(c, source: source, open: open)
        if let test {
            // Test rows must be shaped as the training rows (a CSV test file is, by its layout).
            func perRow(_ values: [Float], _ r: Raw) -> Int { r.rows == 0 ? 0 : values.count / r.rows }
            guard perRow(test.numbers, test) == perRow(train.numbers, train) else {
                throw DatasetError(
                    "\(test.name): \(perRow(test.numbers, test)) features per row, but the training data has \(perRow(train.numbers, train))"
                )
            }
            guard perRow(test.targets, test) == perRow(train.targets, train) else {
                throw DatasetError(
                    "\(test.name): \(perRow(test.targets, test)) targets per row, but the training data has \(perRow(train.targets, train))"
                )
            }
        }
        return (train, test, layout, files)
    }

    static func loadRows(_ c: FileDataConfig, source: DataConfig.Source, open: (String) throws -> DataBytes?) throws -> (
        train: Raw, test: Raw?, layout: Layout
    ) {
        switch source {
        case .csv, .tsv:
            let delimiter: UInt8 = source == .csv ? 0x2C : 0x09
            guard let main = try open("file") else { throw DatasetError("data.file: missing") }
            let (train, layout) = try readDelimited(main, delimiter: delimiter, c, layout: nil)
            let test = try open("test_file").map { try readDelimited($0, delimiter: delimiter, c, layout: layout).raw }
            return (train, test, layout)
        case .npy:
            guard let x = try open("file"), let y = try open("targets_file") else {
                throw DatasetError("data.file and data.targets_file: missing")
            }
            let train = try arrays(
                x: NumPy.parse(x.bytes, name: x.path, release: x.release), y: NumPy.parse(y.bytes, name: y.path), xName: x.path,
                yName: y.path, c)
            var test: Raw?
            if let tx = try open("test_file") {
                guard let ty = try open("test_targets_file") else {
                    throw DatasetError("data.test_targets_file: missing (data.test_file is given)")
                }
                test = try arrays(
                    x: NumPy.parse(tx.bytes, name: tx.path), y: NumPy.parse(ty.bytes, name: ty.path), xName: tx.path, yName: ty.path, c)
            }
            return (train, test, numericLayout(train))
        case .npz:
            func read(_ d: DataBytes) throws -> Raw {
                let members = try NumPy.archive(d)
                func member(_ n: String) throws -> DataBytes {
                    guard let m = members[n] else {
                        throw DatasetError(
                            "\(d.path): no array named \"\(n)\"; it holds \(members.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))"
                        )
                    }
                    return m
                }
                let x = try member(c.featuresArray)
                let y = try member(c.targetsArray)
                return try arrays(
                    x: NumPy.parse(x.bytes, name: x.path), y: NumPy.parse(y.bytes, name: y.path), xName: x.path, yName: y.path, c)
            }
            guard let main = try open("file") else { throw DatasetError("data.file: missing") }
            let train = try read(main)
            return (train, try open("test_file").map(read), numericLayout(train))
        case .idx:
            func read(_ images: String, _ labels: String) throws -> Raw {
                let x = try open(images)!
                let y = try open(labels)!
                return try arrays(x: IDX.array(x.bytes, name: x.path), y: IDX.array(y.bytes, name: y.path), xName: x.path, yName: y.path, c)
            }
            let train = try read("train_images", "train_labels")
            return (train, try read("test_images", "test_labels"), numericLayout(train))
        default:
            preconditionFailure("not a file data set")
        }
    }

    static func numericLayout(_ r: Raw) -> Layout {
        let d = r.rows == 0 ? 0 : r.numbers.count / r.rows
        return Layout(columns: (0..<d).map { ("\($0)", .number($0)) }, numberCount: d)
    }

    /// Features and targets from two arrays (NumPy, IDX): features (n, …) flattened per row;
    /// targets (n) or, for regression, (n, k).
    static func arrays(x: NumericArray, y: NumericArray, xName: String, yName: String, _ c: FileDataConfig) throws -> Raw {
        guard let n = x.shape.first, x.shape.count >= 1 else { throw DatasetError("\(xName): a 0-dimensional array has no rows") }
        guard n > 0 else { throw DatasetError("\(xName): the array has no rows") }
        guard y.shape.first == n else {
            throw DatasetError("\(xName) has \(n) rows but \(yName) has \(y.shape.first.map(String.init) ?? "none")")
        }
        if let i = x.values.withUnsafeBufferPointer({ firstNonFinite($0) }) {
            let v = x.values[i]
            throw DatasetError("\(xName): row \(i / max(x.values.count / n, 1)): the value is \(v) (NaN and infinity are refused)")
        }
        guard x.values.count / n >= 1 else { throw DatasetError("\(xName): the rows have no features (shape \(x.shape))") }
        var raw = Raw(numbers: x.values, categorical: [], labels: [], targets: [], lines: [], name: yName, rows: n)
        switch c.task {
        case .classification:
            guard y.shape.count == 1 else {
                throw DatasetError("\(yName): class labels must be one per row (shape (\(n),)), not \(y.shape)")
            }
            for (i, v) in y.values.enumerated() where v != v.rounded() || !v.isFinite || abs(v) > 9_007_199_254_740_992 {
                throw DatasetError(
                    "\(yName): row \(i): \(v) is not a whole number, so not a class label (for numeric targets set data.task: regression)")
            }
            raw.labels = y.values.map { String(Int($0)) }
            raw.labelsAreIntegers = true
        case .regression:
            guard y.shape.count <= 2, y.values.count / n >= 1 else {
                throw DatasetError("\(yName): regression targets must have shape (n) or (n, k) with k ≥ 1, not \(y.shape)")
            }
            for (i, v) in y.values.enumerated() where !v.isFinite {
                throw DatasetError("\(yName): row \(i / max(y.values.count / n, 1)): the value is \(v) (NaN and infinity are refused)")
            }
            raw.targets = y.values
        }
        return raw
    }

    /// A CSV/TSV file: the header names the columns; the first data row decides which
    /// feature columns are numeric (a number there) and which categorical. A test file is
    /// read with the training file's layout (its columns found by name).
    static func readDelimited(_ d: DataBytes, delimiter: UInt8, _ c: FileDataConfig, layout: Layout?) throws -> (raw: Raw, layout: Layout) {
        let reader = CSVReader(data: d, delimiter: delimiter)
        let header = try reader.header()
        let names = header.names
        let firstLine = header.firstLine
        guard let first = header.first else { throw DatasetError("\(d.path): no data rows after the header") }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        func column(_ n: String, _ what: String) throws -> Int {
            guard let i = index[n] else {
                let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
                throw DatasetError("\(d.path):\(header.headerLine): no column \"\(n)\" (\(what)); the header has \(list)")
            }
            return i
        }
        guard !c.target.isEmpty else { throw DatasetError("data.target: missing: the column to predict") }
        let targets = try c.target.map { try column($0, "data.target") }
        let featureNames = c.features ?? names.filter { !c.target.contains($0) && $0 != c.group }
        let groupColumn = try c.group.map { try column($0, "data.group") }
        if let g = c.group, c.target.contains(g) || featureNames.contains(g) {
            throw DatasetError("data.group: \"\(g)\" is \(c.target.contains(g) ? "the target" : "a feature"); the group column is neither")
        }
        guard !featureNames.isEmpty else { throw DatasetError("\(d.path): no feature columns besides the target") }
        for f in featureNames where c.target.contains(f) { throw DatasetError("data.features: \"\(f)\" is the target") }
        for f in c.categorical where !featureNames.contains(f) {
            _ = try column(f, "data.categorical")
            throw DatasetError("data.categorical: \"\(f)\" is not a feature column")
        }
        let featureColumns = try featureNames.map { try column($0, "data.features") }
        guard first.count == names.count else {
            throw DatasetError(
                "\(d.path):\(firstLine): \(first.count) field\(first.count == 1 ? "" : "s"), but the header has \(names.count) columns")
        }
        // Layout: fixed by the training file.
        var lay: Layout
        if let layout {
            lay = layout
        } else {
            var columns: [(String, Layout.Column)] = []
            var numbers = 0
            var categories = 0
            for (name, k) in zip(featureNames, featureColumns) {
                // Text makes a column categorical; NaN, infinity or a missing value there are
                // errors in a numeric column, reported when the rows are read.
                let isNumber: Bool
                if case .notANumber = first[k].utf8CString.withUnsafeBufferPointer({ b in
                    b.withMemoryRebound(to: UInt8.self) { DecimalParser.parse($0.baseAddress!, $0.count - 1) }
                }) {
                    isNumber = false
                } else {
                    isNumber = true
                }
                if isNumber && !c.categorical.contains(name) {
                    columns.append((name, .number(numbers)))
                    numbers += 1
                } else {
                    columns.append((name, .category(categories)))
                    categories += 1
                }
            }
            lay = Layout(columns: columns, numberCount: numbers)
        }
        var kinds = [CSVReader.Kind?](repeating: nil, count: names.count)
        var numberOrder: [(Int, Int)] = []  // (file column, slot in Raw.numbers' row)
        var textOrder: [(Int, Int)] = []  // (file column, categorical index)
        for (name, col) in lay.columns {
            let k = try column(name, "a feature of the training file")
            switch col {
            case .number(let s):
                kinds[k] = .number
                numberOrder.append((k, s))
            case .category(let s):
                kinds[k] = .text
                textOrder.append((k, s))
            }
        }
        for t in targets { kinds[t] = c.task == .regression ? .number : .text }
        if let g = groupColumn { kinds[g] = .text }
        var parsed = try reader.read(from: header.dataStart, line: header.dataLine, columns: kinds, names: names)
        // The reader gives numbers and texts in file-column order; put them in layout order.
        let fileNumberColumns = (0..<names.count).filter { kinds[$0] == .number }
        let fileTextColumns = (0..<names.count).filter { kinds[$0] == .text }
        let width = fileNumberColumns.count
        let rows = parsed.rows
        var targetValues: [Float] = []
        if c.task == .regression {
            let slots = targets.map { fileNumberColumns.firstIndex(of: $0)! }
            targetValues = [Float](repeating: 0, count: rows * slots.count)
            for r in 0..<rows { for (j, s) in slots.enumerated() { targetValues[r * slots.count + j] = parsed.numbers[r * width + s] } }
        }
        let sourceSlot = numberOrder.map { (file, slot) in (fileNumberColumns.firstIndex(of: file)!, slot) }.sorted { $0.1 < $1.1 }
        let n = lay.numberCount
        var numbers: [Float]
        if sourceSlot.allSatisfy({ $0.0 >= $0.1 }) && zip(sourceSlot, sourceSlot.dropFirst()).allSatisfy({ $0.0 < $1.0 }) {
            // Features in file order (the target and skipped columns removed): compacted in
            // place, every value moving only towards the front, so the matrix is never held twice.
            numbers = parsed.numbers
            parsed.numbers = []
            if sourceSlot.count != width || !sourceSlot.enumerated().allSatisfy({ $0.offset == $0.element.0 }) {
                numbers.withUnsafeMutableBufferPointer { m in
                    for r in 0..<rows { for (from, to) in sourceSlot { m[r * n + to] = m[r * width + from] } }
                }
                numbers.removeLast(numbers.count - rows * n)
            }
        } else {
            numbers = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows { for (from, to) in sourceSlot { numbers[r * n + to] = parsed.numbers[r * width + from] } }
        }
        var categorical = [[String]](repeating: [], count: textOrder.count)
        for (file, slot) in textOrder { categorical[slot] = parsed.texts[fileTextColumns.firstIndex(of: file)!] }
        var raw = Raw(
            numbers: numbers, categorical: categorical, labels: [], targets: targetValues, lines: parsed.lines, name: d.path, rows: rows)
        if c.task == .classification {
            raw.labels = parsed.texts[fileTextColumns.firstIndex(of: targets[0])!]
            raw.labelsAreIntegers = raw.labels.allSatisfy { Int($0) != nil }
        }
        if let g = groupColumn { raw.groups = parsed.texts[fileTextColumns.firstIndex(of: g)!] }
        return (raw, lay)
    }
}

extension FileData {
    /// Loads, splits, encodes and scales, in this fixed order: the test rows (a test file, or
    /// a permutation keyed by `test_seed`), then the validation rows (keyed by `split_seed`,
    /// as for every data set), then the classes (from the training and validation rows, sorted:
    /// numerically when every label is an integer) and each categorical column's categories
    /// (from the training rows, sorted; a value seen only in validation or test rows encodes
    /// as all zeros), then the scaling statistics (from the training rows, in row order, in
    /// Double), applied to every split.
    static func prepare(_ config: DataConfig) throws -> PreparedData {
        let c = config.file
        var (raw, testFile, layout, files) = try load(c, source: config.dataset)
        let sha = datasetSHA256(files)
        var trainRows = Array(0..<raw.rows)
        var testRows: [Int] = []
        if testFile == nil {
            let held = Int((c.testFraction * Double(raw.rows)).rounded())
            guard held >= 1 && held < raw.rows else {
                throw DatasetError(
                    "data.test_fraction is \(c.testFraction): of \(raw.rows) rows in \(raw.name) that holds out \(held) for testing; it must leave at least one row on each side"
                )
            }
            (testRows, trainRows) = Datasets.holdOut(held, of: raw.rows, seed: c.testSeed, purpose: .testSplit)
        }
        guard config.validation < trainRows.count else {
            throw DatasetError("data.validation is \(config.validation), but \(raw.name) has \(trainRows.count) training rows")
        }
        var validationRows: [Int] = []
        if config.validation > 0 {
            let (held, kept) = Datasets.holdOut(config.validation, of: trainRows.count, seed: config.splitSeed, purpose: .split)
            validationRows = held.map { trainRows[$0] }
            trainRows = kept.map { trainRows[$0] }
        }

        // Classes and categories.
        var classNames: [String] = []
        var classIndex: [String: Int32] = [:]
        if c.task == .classification {
            let seen = Set(trainRows.map { raw.labels[$0] } + validationRows.map { raw.labels[$0] })
            // Numerically when every label is an integer ("01" and "1" are two classes: the text breaks ties).
            classNames = raw.labelsAreIntegers ? seen.sorted { (Int($0)!, $0) < (Int($1)!, $1) } : seen.sorted()
            guard classNames.count >= 2 else {
                throw DatasetError(
                    "\(raw.name): the target \(targetName(c)) has one class, \"\(classNames.first ?? "")\": classification needs two or more"
                )
            }
            classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int32($0)) })
        }
        let categories = raw.categorical.map { values in Set(trainRows.map { values[$0] }).sorted() }
        // Groups are for measuring, never for training: every group of either file, sorted.
        let groupNames = Set(raw.groups + (testFile?.groups ?? [])).sorted()
        let groupIndex = Dictionary(uniqueKeysWithValues: groupNames.enumerated().map { ($1, Int32($0)) })

        // Takes the rows' numbers over (the matrix is not copied when nothing is one-hot encoded).
        func encode(_ r: inout Raw) throws -> LabeledSet {
            var set = try encodeRows(&r)
            if !r.groups.isEmpty { set.groups = r.groups.map { groupIndex[$0]! } }
            return set
        }
        func encodeRows(_ r: inout Raw) throws -> LabeledSet {
            var features = r.numbers
            r.numbers = []
            let extra = categories.reduce(0) { $0 + $1.count }
            if !layout.columns.isEmpty && extra > 0 {
                let dim = layout.numberCount + extra
                let numbers = features
                features = [Float](repeating: 0, count: r.rows * dim)
                let lookup = categories.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
                for row in 0..<r.rows {
                    var at = row * dim
                    for (_, column) in layout.columns {
                        switch column {
                        case .number(let s):
                            features[at] = numbers[row * layout.numberCount + s]
                            at += 1
                        case .category(let k):
                            if let hot = lookup[k][r.categorical[k][row]] { features[at + hot] = 1 }
                            at += categories[k].count
                        }
                    }
                }
            }
            let dim = layout.numberCount + extra
            if c.task == .regression {
                let k = r.targets.count / max(r.rows, 1)
                return LabeledSet(features: features, targets: r.targets, outputs: k, dimension: dim)
            }
            var labels = [Int32](repeating: 0, count: r.rows)
            for row in 0..<r.rows {
                guard let l = classIndex[r.labels[row]] else {
                    let at = r.lines.isEmpty ? "row \(row)" : "\(r.lines[row])"
                    throw DatasetError(
                        "\(r.name):\(at): \(targetName(c)): class \"\(r.labels[row])\" does not occur in the training rows (classes: \(classNames.joined(separator: ", ")))"
                    )
                }
                labels[row] = l
            }
            return LabeledSet(features: features, labels: labels, dimension: dim)
        }
        var train = try encode(&raw)
        var test: LabeledSet
        if testFile != nil { test = try encode(&testFile!) } else { test = train.subset(testRows) }
        var validation = validationRows.isEmpty ? nil : train.subset(validationRows)
        train.keep(ascending: trainRows)

        // Scaling: numeric feature columns only (one-hot columns stay 0/1).
        var numeric: [Int] = []
        var at = 0
        for (_, column) in layout.columns {
            switch column {
            case .number:
                numeric.append(at)
                at += 1
            case .category(let k): at += categories[k].count
            }
        }
        if c.preprocess != .none {
            let stats = statistics(train.features, rows: train.count, width: train.dimension, columns: numeric, c.preprocess)
            apply(stats, to: &train.features, width: train.dimension)
            apply(stats, to: &test.features, width: train.dimension)
            if validation != nil { apply(stats, to: &validation!.features, width: train.dimension) }
        }
        var targetStats: [ColumnScale] = []
        if c.task == .regression && c.targetPreprocess != .none {
            // Only the training targets: validation and test metrics are taken in the original units.
            targetStats = statistics(
                train.targets, rows: train.count, width: train.outputs, columns: Array(0..<train.outputs), c.targetPreprocess)
            apply(targetStats, to: &train.targets, width: train.outputs)
        }
        var data = PreparedData(train: train, validation: validation, test: test, classes: classNames.count, sha256: sha)
        data.task = c.task
        data.classNames = classNames
        data.groupNames = groupNames
        data.targetShift = targetStats.map(\.shift)
        data.targetScale = targetStats.map(\.scale)
        data.files = files
        return data
    }

    static func targetName(_ c: FileDataConfig) -> String {
        c.target.isEmpty ? "the targets" : "column \"\(c.target[0])\""
    }

    struct ColumnScale {
        let column: Int
        let shift: Double
        let scale: Double
    }

    /// Per column: (x − shift) / scale maps it as `scaling` says. Sums run over rows in order.
    static func statistics(_ values: [Float], rows: Int, width: Int, columns: [Int], _ scaling: FileDataConfig.Scaling) -> [ColumnScale] {
        columns.map { j in
            switch scaling {
            case .none:
                return ColumnScale(column: j, shift: 0, scale: 1)
            case .standardize:
                var sum = 0.0
                for r in 0..<rows { sum += Double(values[r * width + j]) }
                let mean = sum / Double(rows)
                var squares = 0.0
                for r in 0..<rows {
                    let d = Double(values[r * width + j]) - mean
                    squares += d * d
                }
                let sd = (squares / Double(rows)).squareRoot()
                return ColumnScale(column: j, shift: mean, scale: sd > 0 ? sd : 1)
            case .minmax:
                var lo = Double.infinity
                var hi = -Double.infinity
                for r in 0..<rows {
                    let v = Double(values[r * width + j])
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
                return ColumnScale(column: j, shift: lo, scale: hi > lo ? hi - lo : 1)
            }
        }
    }

    static func apply(_ stats: [ColumnScale], to values: inout [Float], width: Int) {
        let rows = width == 0 ? 0 : values.count / width
        for s in stats {
            for r in 0..<rows {
                let i = r * width + s.column
                values[i] = Float((Double(values[i]) - s.shift) / s.scale)
            }
        }
    }
}

/// The index of the first NaN or infinity, scanning a block at a time.
func firstNonFinite(_ v: UnsafeBufferPointer<Float>) -> Int? {
    var start = 0
    while start < v.count {
        let end = min(start + 4096, v.count)
        // An all-ones exponent (NaN, infinity) carries into the top bit; no early exit, so it vectorises.
        var bad: UInt32 = 0
        for i in start..<end { bad |= ((v[i].bitPattern & 0x7F80_0000) &+ 0x0080_0000) & 0x8000_0000 }
        if bad != 0 { return (start..<end).first { !v[$0].isFinite } }
        start = end
    }
    return nil
}
