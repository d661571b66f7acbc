// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "trapkeeper",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "trapkeeper", targets: ["trapkeeper"]),
        .library(name: "TrapkeeperCore", targets: ["TrapkeeperCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CScan"),
        .target(
            name: "TrapkeeperCore",
            dependencies: [
                "CCurl",
                "CScan",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .executableTarget(
            name: "trapkeeper",
            dependencies: [
                "TrapkeeperCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "trapkeeper-gen",
            dependencies: [
                "TrapkeeperCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TrapkeeperCoreTests",
            dependencies: [
                "TrapkeeperCore",
                "CScan",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
    ]
)
