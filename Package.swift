// swift-tools-version: 6.0
import PackageDescription

/// Settings every brotr target compiles with: Swift 6 language mode, plus the upcoming
/// features that keep imports and existentials explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "brotr",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "brotr", targets: ["brotr"]),
        .executable(name: "brotr-bench", targets: ["BrotrBench"]),
        .library(name: "Nostr", targets: ["Nostr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // C libraries from the system (packaging/install-deps.sh installs them).
        .systemLibrary(
            name: "CSecp256k1", pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"]), .brew(["secp256k1"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        .systemLibrary(
            name: "CMaxMindDB", pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"]), .brew(["libmaxminddb"])]),

        // Layer 1: the pure protocol model. No I/O.
        .target(
            name: "Nostr",
            dependencies: [
                "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),

        // Layer 2: storage, network, probes. They import Nostr and never each other,
        // except Probes, which runs its checks over Transport.
        .target(
            name: "Archive",
            dependencies: [
                "Nostr", "CLZ4", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Transport",
            dependencies: [
                "Nostr", "CMaxMindDB",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOSOCKS", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Probes",
            dependencies: [
                "Nostr", "Transport", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),

        // Layer 3: the pipeline stages.
        .target(
            name: "Services",
            dependencies: [
                "Nostr", "Archive", "Transport", "Probes", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),

        // Layer 4: the executable: CLI, configuration, logging, wiring.
        .executableTarget(
            name: "brotr",
            dependencies: [
                "Nostr", "Archive", "Transport", "Probes", "Services",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // A deterministic, realistic event corpus for tests and benchmarks.
        .target(
            name: "BrotrTestSupport",
            dependencies: [
                "Nostr",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/BrotrTestSupport", swiftSettings: strictSettings),

        // A Swift Testing trait the test targets share (kept out of BrotrTestSupport, which
        // the benchmarks link too).
        .target(
            name: "BrotrTestTraits", dependencies: ["BrotrTestSupport"], path: "Tests/BrotrTestTraits",
            swiftSettings: strictSettings),

        // Benchmarks: `swift run -c release brotr-bench`.
        .executableTarget(
            name: "BrotrBench",
            dependencies: [
                "Nostr", "Archive", "Transport", "Services", "BrotrTestSupport", "CSecp256k1",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BrotrBench",
            swiftSettings: strictSettings),

        .testTarget(
            name: "NostrTests", dependencies: ["Nostr", "BrotrTestSupport"], exclude: ["Fixtures"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ArchiveTests",
            dependencies: [
                "Archive", "Nostr", "BrotrTestSupport", "BrotrTestTraits", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "Nostr", "BrotrTestSupport", "BrotrTestTraits",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ProbesTests", dependencies: ["Probes", "Transport", "Nostr", "BrotrTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "Archive", "Transport", "Nostr", "BrotrTestSupport", "BrotrTestTraits",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "brotrTests",
            dependencies: [
                "brotr", "Archive", "Nostr", "Probes", "Services", "Transport", "BrotrTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings),
    ]
)
