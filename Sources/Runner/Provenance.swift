import Foundation
import Planner
import Tracker
import Vocabulary

extension Provenance {
    /// This process's provenance: Cairn's version and numerics, the host, CPU and OS.
    static func current() -> Provenance {
        var uts = utsname()
        uname(&uts)
        func s<T>(_ field: T) -> String { withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? s(uts.machine)
        return Provenance(
            cairnVersion: CairnVersion.version, numericsVersion: Planner.numericsVersion, gitCommit: gitCommit(),
            host: ProcessInfo.processInfo.hostName, cpu: cpu, os: "\(s(uts.sysname)) \(s(uts.release))",
            swiftVersion: CairnVersion.swift)
    }

    /// The project's git commit, read from .git without running git, when there is one.
    static func gitCommit() -> String? {
        guard let head = try? String(contentsOfFile: ".git/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
            return nil
        }
        guard head.hasPrefix("ref: ") else { return head }
        return (try? String(contentsOfFile: ".git/" + head.dropFirst(5), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
