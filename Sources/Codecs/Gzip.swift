import CairnZlib

/// gzip through the system zlib. Swift does not import zlib's `inflateInit2` macro, so the
/// underscore function it expands to is called with the version and struct size.
public enum Gzip {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// Decompresses gzip (or zlib) bytes; concatenated gzip members are all read.
    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: the largest window, and detect gzip or zlib framing from the header.
        var rc = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Error(description: "zlib could not start (code \(rc))") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                rc = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if rc == Z_STREAM_END && stream.avail_in > 0 {
                    guard inflateReset(&stream) == Z_OK else { break }  // next gzip member
                    rc = Z_OK
                }
            } while rc == Z_OK
            guard rc == Z_STREAM_END else {
                let what = rc == Z_BUF_ERROR ? "the data ends early (truncated)" : "the data is corrupt (zlib code \(rc))"
                throw Error(description: what)
            }
        }
        return output
    }

    /// True when the bytes start with gzip's magic number.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }
}

extension Gzip {
    /// Compresses a stream chunk by chunk, handing each piece of output to `sink`, so
    /// nothing is held twice in memory. Huffman coding only (no LZ77 matching) by default:
    /// checkpoints are float data whose redundancy is in the distribution of their bytes,
    /// not in repeats, so matching costs 5× the time for about the same size. The output is
    /// ordinary gzip either way.
    public final class Compressor {
        private var stream = z_stream()
        private var out = [UInt8](repeating: 0, count: 1 << 16)

        public init(level: Int32 = 1, huffmanOnly: Bool = true) throws {
            // 15 + 16: the largest window, with gzip framing.
            let rc = deflateInit2_(
                &stream, level, Z_DEFLATED, 15 + 16, 8, huffmanOnly ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else { throw Error(description: "zlib could not start compressing (code \(rc))") }
        }

        deinit { deflateEnd(&stream) }

        /// Compresses `chunk`; `finish: true` for the last one.
        public func compress(_ chunk: UnsafeRawBufferPointer, finish: Bool = false, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
            stream.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(chunk.count)
            var rc: Int32
            repeat {
                rc = out.withUnsafeMutableBufferPointer { o in
                    stream.next_out = o.baseAddress
                    stream.avail_out = UInt32(o.count)
                    return deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                }
                let produced = out.count - Int(stream.avail_out)
                if produced > 0 { try out.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            } while stream.avail_out == 0 || (finish && rc == Z_OK)
            guard rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END else { throw Error(description: "zlib failed (code \(rc))") }
        }
    }

    /// gzip of `bytes` in memory.
    public static func compress(_ bytes: [UInt8], level: Int32 = 1) throws -> [UInt8] {
        let c = try Compressor(level: level)
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { try c.compress($0, finish: true) { out.append(contentsOf: $0) } }
        return out
    }
}
