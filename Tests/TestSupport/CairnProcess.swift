import Foundation

/// The built `cairn`, started as a user would start it, from the package root.
public enum CairnProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var executable: URL {
        get throws {
            let dir =
                Bundle.main.bundleURL.hasDirectoryPath && Bundle.main.bundleURL.pathExtension == "xctest"
                ? Bundle.main.bundleURL.deletingLastPathComponent() : Bundle.main.bundleURL
            for candidate in [dir.appendingPathComponent("cairn"), packageRoot.appendingPathComponent(".build/debug/cairn")]
            where FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "cairn executable (build it with `swift build`)"])
        }
    }

    /// A fresh scratch directory (see `scratch`).
    public static func temporaryDirectory() throws -> String { try scratch(label: "e2e") }

    /// Starts `cairn` without waiting; its output is discarded.
    public static func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = try executable
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// A started `cairn` whose output goes to files, read when it ends.
    public struct Running {
        public let process: Process
        let out: URL
        let err: URL
        /// Where its stdout goes, to read while it runs.
        public var outputPath: String { out.path }
        public func finish() throws -> Result {
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
        }
    }

    /// `tool`: another program than `cairn` (a path).
    public static func startCapturing(_ arguments: [String], environment: [String: String] = [:], tool: String? = nil) throws -> Running {
        let p = Process()
        p.executableURL = try tool.map { URL(fileURLWithPath: $0) } ?? executable
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Output goes to files, not pipes: nothing can block on a full pipe.
        let dir = try temporaryDirectory()
        let out = URL(fileURLWithPath: "\(dir)/stdout")
        let err = URL(fileURLWithPath: "\(dir)/stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return Running(process: p, out: out, err: err)
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:], tool: String? = nil) throws -> Result {
        try startCapturing(arguments, environment: environment, tool: tool).finish()
    }
}
