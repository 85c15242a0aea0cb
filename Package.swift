// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftGrad",
    products: [
        .library(name: "SwiftGrad", targets: ["SwiftGrad"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
        .executable(name: "fit-line", targets: ["FitLine"]),
        .executable(name: "char-lstm", targets: ["CharLSTM"]),
        .executable(name: "char-transformer", targets: ["CharTransformer"]),
        .executable(name: "custom-op", targets: ["CustomOp"]),
    ],
    dependencies: [
        // Flags of the examples only; the library itself depends on nothing but the system libraries.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target SwiftGrad` (the DocC catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // OpenBLAS (cblas) and LAPACKE from the system. No slow fallback: if they are missing the
        // build stops and names the Debian packages to install.
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // zlib from the system, for gzip-compressed IDX (MNIST) files.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "SwiftGrad",
            dependencies: ["CBLAS", "CZlib"],
            path: "Sources/SwiftGrad",
            // The embedded digit set (gzip'd IDX files) and word list, each with its licence note,
            // read through Bundle.module.
            resources: [.copy("Resources/digits"), .copy("Resources/words")]
        ),
        .executableTarget(name: "Benchmarks", dependencies: ["SwiftGrad"], path: "Sources/Benchmarks"),
        .executableTarget(name: "FitLine", dependencies: ["SwiftGrad"], path: "Examples/FitLine"),
        .executableTarget(
            name: "CharLSTM",
            dependencies: ["SwiftGrad", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CharLSTM"
        ),
        .executableTarget(
            name: "CharTransformer",
            dependencies: ["SwiftGrad", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CharTransformer"
        ),
        .executableTarget(
            name: "CustomOp",
            dependencies: ["SwiftGrad", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CustomOp"
        ),
        .testTarget(
            name: "SwiftGradTests",
            dependencies: ["SwiftGrad"],
            path: "Tests/SwiftGradTests",
            resources: [.copy("Resources")]
        ),
    ]
)
