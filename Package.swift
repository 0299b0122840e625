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
    ],
    targets: [
        .target(
            name: "MedGym",
            resources: [.copy("Resources/archetypes"), .copy("Resources/catalog")]
        ),
        .executableTarget(
            name: "medgym",
            dependencies: ["MedGym", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "replay",
            dependencies: ["MedGym", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "MedGymTests", dependencies: ["MedGym"]),
    ]
)
