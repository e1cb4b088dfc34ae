import Crypto
import Foundation

/// SHA-256 of the concatenated parts, as lowercase hex: how Cairn names data sets, runs and
/// checkpoints.
public func sha256Hex<D: DataProtocol>(_ parts: [D]) -> String {
    var h = SHA256()
    for p in parts { h.update(data: p) }
    return h.finalize().hexString
}

extension SHA256.Digest {
    /// Lowercase hex.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in self {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
