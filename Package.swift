// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftGrad",
    products: [
        .library(name: "SwiftGrad", targets: ["SwiftGrad"]),
        // Data-parallel training over MPI, a separate product so that users who do not need it never link MPI.
        .library(name: "SwiftGradDistributed", targets: ["SwiftGradDistributed"]),
        .executable(name: "ddp-selftest", targets: ["DDPSelfTest"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
        .executable(name: "fit-line", targets: ["FitLine"]),
        .executable(name: "digits-ddp", targets: ["DigitsDDP"]),
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
        // MPI (Open MPI) from the system, for SwiftGradDistributed only.
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        .target(name: "SwiftGradDistributed", dependencies: ["SwiftGrad", "CMPI"], path: "Sources/SwiftGradDistributed"),
        // Run under mpirun by SwiftGradDistributedTests: collectives, DDP equivalence, sampler, failures.
        .executableTarget(name: "DDPSelfTest", dependencies: ["SwiftGrad", "SwiftGradDistributed"], path: "Sources/DDPSelfTest"),
        .executableTarget(name: "Benchmarks", dependencies: ["SwiftGrad"], path: "Sources/Benchmarks"),
        .executableTarget(name: "FitLine", dependencies: ["SwiftGrad"], path: "Examples/FitLine"),
        .executableTarget(name: "DigitsDDP", dependencies: ["SwiftGrad", "SwiftGradDistributed"], path: "Examples/DigitsDDP"),
        .testTarget(
            name: "SwiftGradTests",
            dependencies: ["SwiftGrad"],
            path: "Tests/SwiftGradTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SwiftGradDistributedTests",
            dependencies: ["SwiftGradDistributed", "DDPSelfTest", "DigitsDDP"],
            path: "Tests/SwiftGradDistributedTests"
        ),
    ]
)
