// swift-tools-version:6.2
import PackageDescription

/// One settings array for every target, so the whole package builds in the same mode.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // An import is internal unless written `public import`, so a module's
    // public API names exactly the modules its users must see.
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "infermon",
    // Linux only: many sources import Glibc with no Darwin branch (the store, the
    // terminal, sd_notify, the statistics) and CI runs on Linux; no Apple platform is claimed.
    products: [
        .executable(name: "infermon", targets: ["infermon"]),
        .executable(name: "infermon-bench", targets: ["infermon-bench"]),
        .library(name: "InfermonCore", targets: ["InfermonCore"]),
        .library(name: "InfermonTesting", targets: ["InfermonTesting"]),
        .library(name: "Query", targets: ["Query"]),
        .library(name: "Alerting", targets: ["Alerting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Snappy block compression for remote write bodies, from the system library.
        .systemLibrary(
            name: "CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]
        ),
        // zstd for stored prompt, response and context text, from the system library.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(
            name: "InfermonCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Collectors",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scrape",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "InfermonCore", "InfermonYAML", "CSQLite", "CZstd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store: the same stage protocols as Store's SQLite, for many writers.
        .target(
            name: "PostgresStore",
            dependencies: [
                "InfermonCore", "Store",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The YAML value with file:line:col errors that every configuration, rule and
        // dashboard file is read through; the only target that imports Yams.
        .target(
            name: "InfermonYAML",
            dependencies: [
                "InfermonCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfermonConfig",
            dependencies: [
                "Canary",
                "Reports",
                "InfermonCore", "InfermonYAML", "Collectors", "Detectors", "Quality", "Judge", "LLMOps", "Notify",
                "Scrape", "Alerting", "Query", "Store", "RemoteWrite", "Server", "Performance",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "InfermonCore", "InfermonYAML", "Collectors", "Query",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
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
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Query",
            dependencies: ["InfermonCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dashboard",
            dependencies: [
                "InfermonCore", "Query", "InfermonYAML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Detectors",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Canary and shadow verdicts: anytime-valid sequential tests between two model versions.
        .target(
            name: "Canary",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Model performance from late labels: realised metrics backfilled into the prediction's
        // window, calibration, and confidence-based estimates while labels are missing.
        .target(
            name: "Performance",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Quality",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Judge",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Notify",
            dependencies: [
                "InfermonCore", "InfermonYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prometheus remote write out: the durable per-endpoint queue's sender and its wire format.
        .target(
            name: "RemoteWrite",
            dependencies: [
                "InfermonCore", "InfermonYAML", "CSnappy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Monitoring reports (`infermon report`, `reports:`): a report model read through the
        // store's protocols and narrow views of the stages, rendered as HTML or Markdown.
        .target(
            name: "Reports",
            dependencies: [
                "InfermonCore", "InfermonYAML", "Query",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Go's text/template as Prometheus extends it, for alert labels and annotations.
        .target(
            name: "Templates",
            dependencies: ["InfermonCore", "Query"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Alerting",
            dependencies: [
                "InfermonCore", "Query", "InfermonYAML", "Templates",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "InfermonTesting",
            dependencies: [
                "InfermonCore", "Query",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The daemon as a library: configuration wired into running services, reload and
        // systemd. The executables parse arguments and call it; tests start it in-process.
        .target(
            name: "InfermonDaemon",
            dependencies: [
                "Canary",
                "Reports",
                "InfermonCore", "Collectors", "Store", "InfermonConfig", "Server", "Notify", "Performance",
                "Detectors", "Quality", "Judge", "LLMOps", "Scrape", "Alerting", "Query", "RemoteWrite",
                "PostgresStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "infermon",
            dependencies: [
                "Canary",
                "Reports",
                "InfermonDaemon", "InfermonCore", "Collectors", "Store", "InfermonConfig", "TrafficSimulator", "Server",
                "Performance",
                "Notify", "Detectors", "Quality", "LLMOps", "Scrape", "Dashboard", "Alerting", "Query", "RemoteWrite",
                "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmarks (`infermon-bench …`), kept out of the production binary; see Benchmarks/.
        .executableTarget(
            name: "infermon-bench",
            dependencies: [
                "Canary",
                "InfermonDaemon", "InfermonCore", "Collectors", "Store", "InfermonConfig", "TrafficSimulator", "Server",
                "InfermonTesting",
                "Detectors", "Quality", "LLMOps", "Scrape", "Dashboard", "Alerting", "Query",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets for every parser of outside input; see "Fuzzing" in README.md.
        .executableTarget(
            name: "infermon-fuzz",
            dependencies: [
                "InfermonCore", "Collectors", "Scrape", "Query", "Alerting", "Templates", "InfermonConfig", "Dashboard",
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
            name: "ScrapeTests",
            dependencies: [
                "Scrape", "InfermonCore", "InfermonTesting", "Store",
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
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "Store", "Query", "InfermonCore", "InfermonTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InfermonConfigTests",
            dependencies: [
                "InfermonConfig", "InfermonCore", "Collectors", "Detectors", "Quality", "Judge", "LLMOps", "Notify",
                "Scrape", "Alerting", "Store", "Server",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DetectorsTests",
            dependencies: [
                "Detectors", "InfermonCore", "InfermonTesting", "Store",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("testdata")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CanaryTests",
            dependencies: ["Canary", "InfermonCore", "InfermonYAML", "Store"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PerformanceTests",
            dependencies: ["Performance", "Store", "Collectors", "InfermonCore", "InfermonTesting"],
            resources: [.copy("testdata")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QualityTests",
            dependencies: ["Quality", "Store", "InfermonCore", "InfermonTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JudgeTests",
            dependencies: ["Judge", "InfermonCore", "InfermonTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyTests",
            dependencies: [
                "Notify", "InfermonCore", "InfermonTesting", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LLMOpsTests",
            dependencies: [
                "LLMOps", "InfermonCore", "InfermonConfig", "InfermonDaemon", "InfermonTesting", "Store", "Detectors",
                "TrafficSimulator", "infermon", "infermon-bench",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QueryTests",
            dependencies: ["Query", "InfermonCore", "InfermonTesting"],
            exclude: ["testdata", "oracle/check-against-promtool.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "InfermonCore", "InfermonTesting", "Query"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertingTests",
            dependencies: [
                "Alerting", "Templates", "InfermonCore", "InfermonTesting", "Store",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InfermonDaemonTests",
            dependencies: [
                "InfermonDaemon", "InfermonConfig", "InfermonCore", "InfermonTesting", "PostgresStore", "Server",
                "Store",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "InfermonCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RemoteWriteTests",
            dependencies: [
                "RemoteWrite", "InfermonCore", "InfermonTesting", "InfermonYAML", "Store",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports", "InfermonCore", "InfermonTesting", "Query", "Store", "InfermonDaemon", "InfermonConfig",
                "Notify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "InfermonCore", "InfermonTesting", "Store", "Collectors", "Dashboard", "infermon",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
