import Codecs
import Dispatch

/// Delimited text with a header row (RFC 4180): fields separated by `,` (CSV) or a tab (TSV),
/// rows by `\n` or `\r\n`; a field in double quotes may hold delimiters, line breaks and
/// doubled quotes (`""`). Blank lines are skipped. Spaces around a number are allowed.
///
/// The reader parses only the columns asked for — numbers straight into one row-major
/// matrix, text (categories, class labels) as strings — and reports every error with the
/// file, the line the row starts on, and the column.
struct CSVReader {
    enum Kind { case number, text }

    struct Parsed {
        /// rows × numberColumns.count, row-major.
        var numbers: [Float]
        /// One array per text column, a value per row.
        var texts: [[String]]
        /// The line each row starts on (1-based; the header is line 1 or later).
        var lines: [Int32]
        var rows: Int { lines.count }
    }

    let data: DataBytes
    let delimiter: UInt8
    var name: String { data.path }

    /// Where the header and the data are, and the first data row's fields (nil: none).
    struct Header {
        var names: [String]
        var first: [String]?
        /// Where the data rows begin, and the line there (blank lines may come before the first row).
        var dataStart: Int
        var dataLine: Int
        /// The lines of the header and of the first data row.
        var headerLine: Int
        var firstLine: Int
    }

    /// The header's column names and the first data row's fields. A UTF-8 byte-order mark
    /// (as spreadsheets write) is skipped.
    func header() throws -> Header {
        guard data.bytes.count > 0 else { throw DatasetError("\(name): the file is empty") }
        let b = data.bytes
        var pos = b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
        var line = 1
        var h: Header?
        while pos < b.count && h?.first == nil {
            let rowLine = line
            let (fields, next, lines) = try row(at: pos, line: line)
            line += lines
            pos = next
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            if h == nil {
                h = Header(names: fields, first: nil, dataStart: pos, dataLine: line, headerLine: rowLine, firstLine: line)
            } else {
                h!.first = fields
                h!.firstLine = rowLine
            }
        }
        guard let h else { throw DatasetError("\(name): the file is empty") }
        var seen: Set<String> = []
        for n in h.names where !seen.insert(n).inserted {
            throw DatasetError("\(name):\(h.headerLine): column \"\(n)\" appears twice in the header")
        }
        return h
    }

    /// One row's fields as strings (the slow, general path: the header and first row).
    private func row(at start: Int, line: Int) throws -> (fields: [String], next: Int, lines: Int) {
        let b = data.bytes
        var fields: [String] = []
        var field: [UInt8] = []
        var pos = start
        var lines = 0
        var quoted = false
        while pos < b.count {
            let c = b[pos]
            if quoted {
                if c == 0x22 {
                    if pos + 1 < b.count && b[pos + 1] == 0x22 {
                        field.append(0x22)
                        pos += 2
                        continue
                    }
                    quoted = false
                } else {
                    if c == 0x0A { lines += 1 }
                    field.append(c)
                }
                pos += 1
                continue
            }
            if c == 0x22 && field.isEmpty {
                quoted = true
            } else if c == delimiter {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else if c == 0x0A {
                pos += 1
                lines += 1
                fields.append(String(decoding: field.last == 0x0D ? field.dropLast() : field[...], as: UTF8.self))
                return (fields, pos, lines)
            } else {
                field.append(c)
            }
            pos += 1
        }
        if quoted { throw DatasetError("\(name):\(line): a quoted field is not closed before the end of the file") }
        fields.append(String(decoding: field.last == 0x0D ? field.dropLast() : field[...], as: UTF8.self))
        return (fields, pos, max(lines, 1))
    }

    /// Parses every data row: `columns[k]` is what to do with field k (nil: skip it).
    /// `names` label the columns in errors.
    ///
    /// The hot path is an unquoted number: parsed in place, straight into the matrix, and
    /// accepted when a delimiter or line break follows it; anything else takes the general
    /// path, which finds the field's end first (and reports what is wrong with it).
    func read(from start: Int, line firstLine: Int, columns: [Kind?], names: [String]) throws -> Parsed {
        let b = data.bytes
        guard let base = b.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return Parsed(numbers: [], texts: [], lines: [])
        }
        let end = b.count
        let width = columns.count
        var slot = [Int](repeating: -1, count: width)
        var code = [UInt8](repeating: 0, count: width)  // 0 skip, 1 number, 2 text
        var numberCount = 0
        var textCount = 0
        for (k, kind) in columns.enumerated() {
            switch kind {
            case .number?:
                slot[k] = numberCount
                code[k] = 1
                numberCount += 1
            case .text?:
                slot[k] = textCount
                code[k] = 2
                textCount += 1
            case nil: break
            }
        }
        // The matrix is reserved once for the rows the file's size suggests (from the first
        // rows' length, with a margin: memory reserved and never written costs nothing); it
        // grows only if the guess was short.
        let probe = min(end - start, 1 << 16)
        let probeLines = max(1, UnsafeBufferPointer(start: base + start, count: probe).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        let estimate = Int(Double(end - start) / Double(probe) * Double(probeLines) * 1.25) + 16
        var numbers: [Float] = []
        numbers.reserveCapacity(estimate * numberCount)
        var texts = [[String]](repeating: [], count: textCount)
        var lines: [Int32] = []
        lines.reserveCapacity(estimate)
        var rowTexts = [String](repeating: "", count: textCount)
        var unquoted: [UInt8] = []
        var pos = start
        var line = firstLine
        var lastRelease = start
        // The content hash (the run's identity) is taken on a second thread, a megabyte behind
        // the parser, which then lets the pages go: the hash does not depend on the thread, and
        // the file is read once.
        let hashing = DispatchQueue(label: "cairn.csv-hash")
        let delimiter = self.delimiter
        let name = self.name

        func fail(_ rowLine: Int, _ col: Int, _ p: UnsafePointer<UInt8>, _ n: Int, _ problem: String) -> DatasetError {
            let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return DatasetError("\(name):\(rowLine): column \"\(names[col])\": \"\(shown)\" \(problem)")
        }

        let rowBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(numberCount, 1))
        defer { rowBuffer.deallocate() }
        do {
            let out = rowBuffer.baseAddress
            let o = 0
            try slot.withUnsafeBufferPointer { slot in
                try code.withUnsafeBufferPointer { code in
                    while pos < end {
                        let rowLine = line
                        // A blank line (only a line break) is skipped.
                        if base[pos] == 0x0A || (base[pos] == 0x0D && pos + 1 < end && base[pos + 1] == 0x0A) {
                            pos += base[pos] == 0x0A ? 1 : 2
                            line += 1
                            continue
                        }
                        var col = 0
                        var rowEnded = false
                        while !rowEnded {
                            let c = col < width ? code[col] : 0
                            // The hot path: an unquoted number followed by a delimiter or a line break.
                            if c == 1 && pos < end && base[pos] != 0x22 {
                                let (r, used) = DecimalParser.prefix(base + pos, end - pos)
                                let after = pos + used
                                if case .value(let v) = r, used > 0 {
                                    if after == end {
                                        out![o + slot[col]] = v
                                        pos = after
                                        rowEnded = true
                                        col += 1
                                        continue
                                    }
                                    let next = base[after]
                                    if next == delimiter {
                                        out![o + slot[col]] = v
                                        pos = after + 1
                                        col += 1
                                        continue
                                    }
                                    if next == 0x0A || (next == 0x0D && after + 1 < end && base[after + 1] == 0x0A) {
                                        out![o + slot[col]] = v
                                        pos = after + (next == 0x0A ? 1 : 2)
                                        line += 1
                                        rowEnded = true
                                        col += 1
                                        continue
                                    }
                                }
                            }
                            // The general path: find the field, then read it.
                            let fieldStart = pos
                            var fieldEnd: Int
                            var isQuoted = false
                            if pos < end && base[pos] == 0x22 {
                                isQuoted = true
                                unquoted.removeAll(keepingCapacity: true)
                                pos += 1
                                while true {
                                    guard pos < end else {
                                        throw DatasetError("\(name):\(rowLine): a quoted field is not closed before the end of the file")
                                    }
                                    let ch = base[pos]
                                    if ch == 0x22 {
                                        if pos + 1 < end && base[pos + 1] == 0x22 {
                                            unquoted.append(0x22)
                                            pos += 2
                                            continue
                                        }
                                        pos += 1
                                        break
                                    }
                                    if ch == 0x0A { line += 1 }
                                    unquoted.append(ch)
                                    pos += 1
                                }
                                fieldEnd = pos
                            } else {
                                while pos < end {
                                    let ch = base[pos]
                                    if ch == delimiter || ch == 0x0A { break }
                                    pos += 1
                                }
                                fieldEnd = pos
                                if fieldEnd > fieldStart && base[fieldEnd - 1] == 0x0D && (pos == end || base[pos] == 0x0A) {
                                    fieldEnd -= 1
                                }
                            }
                            // What ends the field.
                            if pos >= end {
                                rowEnded = true
                            } else if base[pos] == delimiter {
                                pos += 1
                            } else if base[pos] == 0x0A {
                                pos += 1
                                line += 1
                                rowEnded = true
                            } else if base[pos] == 0x0D && pos + 1 < end && base[pos + 1] == 0x0A {
                                pos += 2
                                line += 1
                                rowEnded = true
                            } else {
                                let text = String(
                                    decoding: UnsafeBufferPointer(start: base + fieldStart, count: pos - fieldStart), as: UTF8.self)
                                throw DatasetError("\(name):\(rowLine): text after a closing quote in field \(col + 1) (\(text))")
                            }
                            if c != 0 {
                                try withFieldBytes(isQuoted ? nil : base + fieldStart, count: fieldEnd - fieldStart, unquoted) { p, n in
                                    if c == 2 {
                                        rowTexts[slot[col]] = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
                                        return
                                    }
                                    switch DecimalParser.parse(p, n) {
                                    case .value(let v): out![o + slot[col]] = v
                                    case .empty:
                                        throw DatasetError(
                                            "\(name):\(rowLine): column \"\(names[col])\": the value is missing (empty fields are not supported)"
                                        )
                                    case .notANumber: throw fail(rowLine, col, p, n, "is not a number")
                                    case .notFinite:
                                        throw fail(rowLine, col, p, n, "is not a finite Float32 (NaN and infinity are refused)")
                                    }
                                }
                            }
                            col += 1
                        }
                        guard col == width else {
                            throw DatasetError(
                                "\(name):\(rowLine): \(col) field\(col == 1 ? "" : "s"), but the header has \(width) columns")
                        }
                        for k in 0..<textCount { texts[k].append(rowTexts[k]) }
                        lines.append(Int32(truncatingIfNeeded: rowLine))
                        numbers.append(contentsOf: UnsafeBufferPointer(start: rowBuffer.baseAddress, count: numberCount))
                        if pos - lastRelease > 1 << 20 {
                            let upTo = pos
                            hashing.async { [data] in data.release(upTo: upTo) }
                            lastRelease = pos
                        }
                    }
                }
            }
        }
        hashing.sync {}
        return Parsed(numbers: numbers, texts: texts, lines: lines)
    }

    private func withFieldBytes(
        _ p: UnsafePointer<UInt8>?, count: Int, _ unquoted: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> Void
    ) throws {
        if let p { return try body(p, count) }
        try unquoted.withUnsafeBufferPointer { u in
            var empty: UInt8 = 0
            try withUnsafePointer(to: &empty) { e in try body(u.baseAddress ?? e, u.count) }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
