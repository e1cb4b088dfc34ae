import Foundation
// swift-tools-version: 6.2
import PackageDescription

// The Engine's hot loops use explicit fused multiply-add (`SIMD16.addingProduct`).
// Swift's default x86-64 target is baseline SSE2, where every such lane becomes a call to
// libm's `fmaf` (~0.5 GFLOP/s). Telling the clang importer the CPU (`-Xcc -march=…`)
// makes Swift emit `vfmadd…` instead (120–140 GFLOP/s here). The flag is scoped to the
// Engine target so dependencies are not rebuilt, and it cannot change results: a fused
// multiply-add is correctly rounded whether hardware or libm computes it, and Swift
// never contracts or reassociates floating point on its own (see README, Determinism).
//
// CAIRN_ENGINE_MARCH picks the CPU: `native` (default), a named level such as
// `x86-64-v3`, or `baseline` for Swift's default target (used to show that a baseline
// build gives identical bytes).
//
// `-fno-math-errno`: Swift's `Float.squareRoot()` goes through a C shim that, compiled with
// errno semantics, calls libm's `sqrtf` and blocks vectorisation of the optimizers. Square
// root is correctly rounded either way; only errno for negative inputs is given up.
let march = ProcessInfo.processInfo.environment["CAIRN_ENGINE_MARCH"] ?? "native"
var engineCFlags = ["-Xcc", "-fno-math-errno"]
#if arch(x86_64)
    if march != "baseline" { engineCFlags += ["-Xcc", "-march=\(march)"] }
#endif
// The Engine is optimised in debug builds too. Its GEMM tiles are generic over the vector
// type, which only specialisation makes fast: unoptimised, the tests' many small trainings
// took three times as long. Results do not depend on it (the same bits at -Onone and -O:
// Swift never contracts or reassociates floating point).
let engineFlags: [SwiftSetting] = [.unsafeFlags(engineCFlags), .unsafeFlags(["-O"], .when(configuration: .debug))]

// The release `cairn` links the Swift runtime and Foundation statically on Linux. Every run
// is its own `cairn exec` process, and a dynamically linked one spends ~5 ms of its ~13 ms
// start-up in the dynamic loader binding libFoundation, ICU and the runtime's libraries
// (measured: a trivial run's process 16.7 → 11.7 ms of CPU). `-static-stdlib` alone is not
// enough: modules compiled for dynamic linking do not name Foundation's own dependencies, so
// they are listed here. Debug builds (the tests') stay dynamic: they link much faster.
// The release link prints one warning, from glibc about `mktemp` inside Foundation's static
// library; it is harmless. (lld would not print it, but its binary started ~1 ms slower here.)
let staticRuntime: [LinkerSetting] =
    [
        .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))
    ]
    + ["CoreFoundation", "_FoundationICU", "_FoundationCollections", "_FoundationCShims", "swiftSynchronization"].map {
        .linkedLibrary($0, .when(platforms: [.linux], configuration: .release))
    }

let package = Package(
    name: "Cairn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cairn", targets: ["cairn"]),
        .executable(name: "cairn-ui", targets: ["cairn-ui"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CairnZlib", path: "Sources/CairnZlib"),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // The vector width the Engine is compiled for, from the C preprocessor (its GEMM tile).
        .systemLibrary(name: "CairnCPU", path: "Sources/CairnCPU"),
        // The words every module shares: metric goals, scopes and kinds, checkpoint kinds, version.
        .target(name: "Vocabulary"),
        .target(name: "Determinism"),
        // gzip (through the system zlib), SHA-256 hex digests and the JSON parser.
        .target(name: "Codecs", dependencies: ["CairnZlib", "Determinism", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Datasets",
            dependencies: [
                "Codecs", "Determinism", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], resources: [.copy("Resources")]),
        .target(name: "Engine", dependencies: ["CairnCPU", "Determinism", "Datasets", "Vocabulary"], swiftSettings: engineFlags),
        .target(
            name: "Planner",
            dependencies: [
                "Engine", "Datasets", "Determinism", "Codecs", "Vocabulary",
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "Tracker",
            dependencies: [
                "Codecs", "Determinism", "Vocabulary",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // What a run's own process does: spec in, events and objects out. Never opens the index.
        .target(name: "Runner", dependencies: ["Planner", "Engine", "Datasets", "Tracker", "Codecs", "Determinism", "Vocabulary"]),
        // Orchestrates processes only: it imports neither Engine nor Datasets.
        .target(name: "Scheduler", dependencies: ["Planner", "Tracker", "Determinism", "Codecs", "Vocabulary", "CLinux"]),
        .target(
            name: "CairnCLI",
            dependencies: [
                "Engine", "Datasets", "Planner", "Determinism", "Codecs", "Tracker", "Runner", "Scheduler", "Vocabulary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "cairn", dependencies: ["CairnCLI"], linkerSettings: staticRuntime),
        // The web dashboard: a Hummingbird server over the Tracker's queries, with its pages and
        // charts embedded. Its own executable, which `cairn ui` starts, so that `cairn`, and with it
        // every run's `cairn exec`, links no server code and its release build stays as quick.
        .target(
            name: "Dashboard",
            dependencies: [
                "Tracker", "Codecs", "Determinism", "Vocabulary", "CLinux", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "cairn-ui",
            dependencies: ["Dashboard", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            linkerSettings: staticRuntime),
        .executableTarget(
            name: "cairn-bench",
            dependencies: [
                "Engine", "Datasets", "Determinism", "Planner", "Codecs", "Tracker", "Vocabulary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], path: "Benchmarks/cairn-bench", swiftSettings: engineFlags),
        // Scratch directories and stores, and running the built `cairn`: shared by every test target.
        .target(name: "TestSupport", dependencies: ["Tracker", "Codecs", "Determinism", "Vocabulary"], path: "Tests/TestSupport"),
        .testTarget(name: "DeterminismTests", dependencies: ["Determinism"]),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "Determinism"]),
        .testTarget(
            name: "EngineTests", dependencies: ["Engine", "Determinism", "Datasets", "Codecs", "Vocabulary"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetsTests",
            dependencies: [
                "Datasets", "Codecs", "CairnZlib", "Determinism", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .testTarget(name: "TrackerTests", dependencies: ["Tracker", "Codecs", "Determinism", "Vocabulary", "TestSupport"]),
        .testTarget(
            name: "PlannerTests",
            dependencies: [
                "Planner", "Engine", "Determinism", "Vocabulary", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(
            name: "SchedulerTests", dependencies: ["Scheduler", "Planner", "Tracker", "Codecs", "Determinism", "Vocabulary", "TestSupport"]),
        .testTarget(
            name: "CairnCLITests",
            dependencies: [
                "CairnCLI", "Scheduler", "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["Scheduler", "Tracker", "Determinism", "Codecs", "Vocabulary", "TestSupport"]),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "Tracker", "Codecs", "Determinism", "Vocabulary", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "ExampleTests", dependencies: ["TestSupport", "Determinism", "Codecs"]),
    ]
)
