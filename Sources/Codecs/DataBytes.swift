import Crypto
import Determinism
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A data set that cannot be read or is not what its configuration says: one line naming the
/// file, the line or row, and the column.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A data file's content: its bytes, gunzipped when the file is gzipped (so `iris.csv` and
/// `iris.csv.gz` are one data set). A plain file is mapped, not read: a 200 MB CSV is never
/// held twice, and `release(upTo:)` hands pages already parsed back to the kernel, so loading
/// it costs little more memory than the matrix it becomes.
public final class DataBytes: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool
    private var released = 0
    private var hasher = SHA256()
    private var hashed = 0
    private var digest: String?

    /// Opens `path` (an error names it when it cannot be read).
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DatasetError("\(path): \(errno == ENOENT ? "no such file" : String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw DatasetError("\(path): not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else {
            self.bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw DatasetError("\(path): cannot be mapped: \(String(cString: strerror(errno)))")
        }
        let raw = UnsafeRawBufferPointer(start: p, count: size)
        if size >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
            defer { munmap(p, size) }
            let out: [UInt8]
            do { out = try Gzip.decompress(Array(raw)) } catch { throw DatasetError("\(path): \(error)") }
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(out.count, 1), alignment: 16)
            out.withUnsafeBytes { copy.copyMemory(from: $0) }
            self.bytes = UnsafeRawBufferPointer(rebasing: copy[0..<out.count])
            mapped = false
        } else {
            madvise(p, size, MADV_SEQUENTIAL)
            self.bytes = raw
            mapped = true
        }
    }

    /// Content already in memory (a stored copy, a test's bytes); `path` names it in errors.
    public init(bytes: [UInt8], path: String) {
        self.path = path
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        self.bytes = UnsafeRawBufferPointer(rebasing: copy[0..<bytes.count])
        mapped = false
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// Says the content before `offset` is read: it is added to the running SHA-256 (while
    /// it is still in the cache), and a mapped file's pages before it leave the resident set
    /// (they are read from the page cache again if touched). Offsets must not go back.
    public func release(upTo offset: Int) {
        guard offset > hashed else { return }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[hashed..<offset]))
        hashed = offset
        guard mapped, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = offset / page * page
        guard end > released else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + released), end - released, MADV_DONTNEED)
        released = end
    }

    /// SHA-256 of the content: what `release(upTo:)` has not hashed yet is hashed now, in
    /// chunks released as they go.
    public func sha256() -> String {
        if let digest { return digest }
        var start = hashed
        while start < bytes.count {
            let end = min(start + (8 << 20), bytes.count)
            release(upTo: end)
            start = end
        }
        let hex = hasher.finalize().hexString
        digest = hex
        return hex
    }

    /// The content as an array (for storing a copy).
    public var array: [UInt8] { Array(bytes) }
}

/// The one rule for a file data set's hash: SHA-256 of the canonical JSON
/// `{"files":{"<role>":"<content sha256>",…}}`. Content, never paths: a moved file keeps
/// its hash, one changed byte changes it.
///
///     DataSetIdentity.sha256(files: ["file": "09f6…", "test_file": "c7db…"])
public enum DataSetIdentity {
    public static func sha256(files: [String: String]) -> String {
        let json: JSONValue = ["files": .object(files.mapValues { .string($0) })]
        return sha256Hex([json.canonicalBytes])
    }

    /// Whether `s` is a SHA-256 as Cairn spells it: 64 lowercase hex digits.
    public static func isHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
