import CZlib

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
