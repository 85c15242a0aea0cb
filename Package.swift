// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftGrad",
    products: [
        .library(name: "SwiftGrad", targets: ["SwiftGrad"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
        .executable(name: "fit-line", targets: ["FitLine"]),
        .executable(name: "soak", targets: ["Soak"]),
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
            // The embedded digit set (gzip'd IDX files and their licence note), read through Bundle.module.
            resources: [.copy("Resources/digits")]
        ),
        .executableTarget(name: "Benchmarks", dependencies: ["SwiftGrad"], path: "Sources/Benchmarks"),
        // Memory soak check: resident memory at step 10,000 vs step 1,000 (Docs/Reliability.md).
        .executableTarget(name: "Soak", dependencies: ["SwiftGrad"], path: "Sources/Soak"),
        .executableTarget(name: "FitLine", dependencies: ["SwiftGrad"], path: "Examples/FitLine"),
        .testTarget(
            name: "SwiftGradTests",
            dependencies: ["SwiftGrad"],
            path: "Tests/SwiftGradTests",
            resources: [.copy("Resources")]
        ),
    ]
)
