// swift-tools-version:6.2
import PackageDescription

/// One settings array for every target, so the whole package builds in the same mode.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "infermon",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "infermon", targets: ["infermon"]),
        .library(name: "InfermonCore", targets: ["InfermonCore"]),
        .library(name: "InfermonTesting", targets: ["InfermonTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "InfermonCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Collectors",
            dependencies: [
                "InfermonCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "InfermonCore", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfermonConfig",
            dependencies: [
                "InfermonCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "InfermonCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TrafficSimulator",
            dependencies: [
                "InfermonCore", "Collectors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LLMOps",
            dependencies: [
                "InfermonCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfermonTesting",
            dependencies: ["InfermonCore"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infermon",
            dependencies: [
                "InfermonCore", "Collectors", "Store", "InfermonConfig", "TrafficSimulator", "Server", "LLMOps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InfermonCoreTests",
            dependencies: ["InfermonCore", "InfermonTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CollectorsTests",
            dependencies: [
                "Collectors", "InfermonCore", "InfermonTesting", "Store",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["testdata"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "InfermonCore", "InfermonTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InfermonConfigTests",
            dependencies: ["InfermonConfig", "InfermonCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LLMOpsTests",
            dependencies: [
                "LLMOps", "InfermonCore", "InfermonConfig", "InfermonTesting", "Store", "TrafficSimulator", "infermon",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["InfermonCore", "InfermonTesting", "Store", "infermon"],
            swiftSettings: swiftSettings
        ),
    ]
)
