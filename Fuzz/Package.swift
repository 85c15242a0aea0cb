// swift-tools-version:6.0
// libFuzzer targets for SwiftGrad's file readers (built with -sanitize=fuzzer,address only). A separate package, so the main package's
// `swift build` / `swift test` never see code that needs `-sanitize=fuzzer` to link.
// Build and run: `bash .ci/fuzz.sh` from the repository root (see Docs/Reliability.md).
import PackageDescription

let readers = ["FuzzSafetensors", "FuzzCheckpoint", "FuzzIDX", "FuzzCSV", "FuzzImage"]

let package = Package(
    name: "SwiftGradFuzz",
    products: readers.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(name: "SwiftGrad", path: "..")],
    targets: [
        // Starts libFuzzer's driver from SwiftPM's own main (LLVMFuzzerRunDriver).
        .target(name: "FuzzDriver"),
    ] + readers.map {
        .executableTarget(name: $0, dependencies: ["FuzzDriver", .product(name: "SwiftGrad", package: "SwiftGrad")])
    }
)
