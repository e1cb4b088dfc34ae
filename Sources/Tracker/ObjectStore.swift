import Codecs
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Content-addressed storage of bytes: `objects/ab/cdef….gz` holds the gzip of an object
/// whose SHA-256 (of the *uncompressed* bytes, so the name does not depend on zlib's version)
/// is `abcdef…`. Identical content is stored once.
///
///     let store = try ObjectStore(directory: "runs/objects")
///     let id = try store.put(bytes)        // "9f86d0…"
///     let back = try store.get(id)         // bytes, re-verified against the name
package struct ObjectStore: Sendable {
    package let directory: String

    package struct ObjectError: Error, CustomStringConvertible, Equatable {
        package let object: String
        package let problem: String
        package var description: String { "object \(object): \(problem)" }
    }

    package init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    package func path(_ hash: String) -> String {
        "\(directory)/\(hash.prefix(2))/\(hash.dropFirst(2)).gz"
    }

    package func contains(_ hash: String) -> Bool { FileManager.default.fileExists(atPath: path(hash)) }

    /// Stores `bytes`, returns their SHA-256. One pass hashes and compresses 64 KiB at a time
    /// into a temporary file, which is fsynced and renamed into place: concurrent writers of
    /// the same object are safe, and a crash never leaves a visible partial object.
    ///
    /// Without `durable` nothing is fsynced (a run's resume states: one lost in a crash only
    /// means resuming from an earlier one, and a torn one fails its hash check); `makeDurable`
    /// can sync such an object later, once it matters.
    @discardableResult
    ///
    /// `compressed: false` writes gzip's stored blocks (still a gzip file, read the same way):
    /// for a resume state, which is written at every epoch end and rarely read, compressing
    /// float data gains ~8% of its size for most of the time the put takes.
    package func put(_ bytes: [UInt8], durable: Bool = true, compressed: Bool = true) throws -> (hash: String, storedSize: Int) {
        let tmp = "\(directory)/tmp-\(UUID().uuidString)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw ObjectError(object: "(new)", problem: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(tmp)
        }
        var hasher = SHA256()
        let gz = try compressed ? Gzip.Compressor() : Gzip.Compressor(level: 0, huffmanOnly: false)
        var stored = 0
        func emit(_ chunk: UnsafeRawBufferPointer) throws {
            var off = 0
            while off < chunk.count {
                let n = write(fd, chunk.baseAddress! + off, chunk.count - off)
                guard n > 0 else { throw ObjectError(object: "(new)", problem: "write failed: \(String(cString: strerror(errno)))") }
                off += n
            }
            stored += chunk.count
        }
        try bytes.withUnsafeBytes { all in
            var start = 0
            repeat {
                let end = min(start + (1 << 16), all.count)
                let chunk = UnsafeRawBufferPointer(rebasing: all[start..<end])
                hasher.update(bufferPointer: chunk)
                try gz.compress(chunk, finish: end == all.count, sink: emit)
                start = end
            } while start < all.count
        }
        let hash = hasher.finalize().hexString
        guard !durable || fsync(fd) == 0 else {
            throw ObjectError(object: hash, problem: "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(fd)
        closed = true
        let final = path(hash)
        if FileManager.default.fileExists(atPath: final) { return (hash, stored) }  // stored once
        try FileManager.default.createDirectory(atPath: (final as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard rename(tmp, final) == 0 else {
            throw ObjectError(object: hash, problem: "cannot move into place: \(String(cString: strerror(errno)))")
        }
        if durable { syncDirectory(of: final) }
        return (hash, stored)
    }

    /// Makes an object put without `durable` durable: its file, then its directory.
    package func makeDurable(_ hash: String) throws {
        let fd = open(path(hash), O_RDONLY)
        guard fd >= 0 else { throw ObjectError(object: hash, problem: "missing (\(path(hash)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ObjectError(object: hash, problem: "fsync failed: \(String(cString: strerror(errno)))") }
        syncDirectory(of: path(hash))
    }

    private func syncDirectory(of file: String) {
        let dir = open((file as NSString).deletingLastPathComponent, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// The object's bytes, decompressed and checked against its name.
    package func get(_ hash: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(hash)) else {
            throw ObjectError(object: hash, problem: "missing (\(path(hash)))")
        }
        let bytes: [UInt8]
        do { bytes = try Gzip.decompress([UInt8](data)) } catch {
            throw ObjectError(object: hash, problem: "corrupt: \(error)")
        }
        let actual = sha256Hex([bytes])
        guard actual == hash else { throw ObjectError(object: hash, problem: "corrupt: its content hashes to \(actual)") }
        return bytes
    }

    /// Every object hash present.
    package func all() -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for prefix in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where prefix.count == 2 {
            for file in (try? fm.contentsOfDirectory(atPath: "\(directory)/\(prefix)")) ?? [] where file.hasSuffix(".gz") {
                out.append(prefix + file.dropLast(3))
            }
        }
        return out.sorted()
    }

    package func remove(_ hash: String) throws { try FileManager.default.removeItem(atPath: path(hash)) }

    package func storedSize(_ hash: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path(hash)))?[.size] as? Int) ?? 0
    }
}
