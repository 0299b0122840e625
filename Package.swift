// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "MedGym",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MedGym", targets: ["MedGym"]),
        .executable(name: "medgym", targets: ["medgym"]),
        .executable(name: "replay", targets: ["replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        // The viewer's HTTP server (medgym serve --http); no traits: neither swift-configuration nor the rest of Foundation is needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // The shared store in PostgreSQL (--store postgres://…, replay sync).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "MedGymCore"),
        .target(
            name: "MedGym",
            dependencies: ["MedGymCore", "CCurl"],
            resources: [
                .copy("Resources/archetypes"), .copy("Resources/catalog"), .copy("Resources/adversarial"), .copy("Resources/scenarios"),
                .copy("Resources/courses"),
            ]
        ),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libcurl's headers (libcurl4-openssl-dev); the library itself is loaded on first use (see medgym_curl.h).
        .target(name: "CCurl"),
        .target(
            name: "TraceStore",
            dependencies: ["MedGym", "CSQLite", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "PostgresStore",
            dependencies: [
                "MedGym", "TraceStore", "Replay", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CRename"),
        .target(name: "Replay", dependencies: ["MedGym", "TraceStore", "CRename"]),
        .target(
            name: "Viewer",
            dependencies: ["MedGym", "TraceStore", "Replay", .product(name: "Hummingbird", package: "hummingbird")],
            resources: [.copy("Pages")]
        ),
        .target(
            name: "CommandLineSupport",
            dependencies: ["MedGym", "TraceStore", "Replay", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "medgym",
            dependencies: [
                "MedGym", "TraceStore", "Replay", "Viewer", "PostgresStore", "CommandLineSupport", "ReplayCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/MedGymCLI"
        ),
        .target(
            name: "ReplayCommands",
            dependencies: [
                "MedGym", "TraceStore", "Replay", "CommandLineSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `replay` links no PostgreSQL client: a postgres:// store runs as `medgym replay …` (ServerDelegation).
        .executableTarget(
            name: "replay",
            dependencies: ["ReplayCommands", "CommandLineSupport"],
            path: "Sources/ReplayCLI"
        ),
        .target(name: "CLITestSupport", path: "Tests/CLITestSupport"),
        .testTarget(name: "MedGymTests", dependencies: ["MedGym", "MedGymCore", "CLITestSupport"], exclude: ["Data"]),
        .testTarget(name: "MedGymCoreTests", dependencies: ["MedGymCore"]),
        .testTarget(name: "TraceStoreTests", dependencies: ["TraceStore", "MedGym", "MedGymCore", "CLITestSupport"]),
        .testTarget(name: "PostgresStoreTests", dependencies: ["PostgresStore", "TraceStore", "MedGym", "CLITestSupport"]),
        .testTarget(name: "ViewerTests", dependencies: ["Viewer", "TraceStore", "MedGym", "CLITestSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "TraceStore", "MedGym", "MedGymCore", "CLITestSupport"], exclude: ["Legacy", "Agents"]),
    ]
)
