// swift-tools-version:6.0
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "SwiftGrad",
    products: [
        .library(name: "SwiftGrad", targets: ["SwiftGrad"]),
        // Data-parallel training over MPI, a separate product so that users who do not need it never link MPI.
        .library(name: "SwiftGradDistributed", targets: ["SwiftGradDistributed"]),
        // Pretrained architectures (GPT-2, Llama/Mistral/Qwen2, BERT, ViT, ResNet) loaded from Hugging Face
        // directories and torchvision state dicts; a product of its own so the core stays lean.
        .library(name: "SwiftGradModels", targets: ["SwiftGradModels"]),
        .executable(name: "model-check", targets: ["ModelCheck"]),
        .executable(name: "ddp-selftest", targets: ["DDPSelfTest"]),
        .executable(name: "Benchmarks", targets: ["Benchmarks"]),
        .executable(name: "fit-line", targets: ["FitLine"]),
        .executable(name: "digits-ddp", targets: ["DigitsDDP"]),
        .executable(name: "digits-cnn", targets: ["DigitsCNN"]),
        .executable(name: "digits-mlp", targets: ["DigitsMLP"]),
        .executable(name: "xor", targets: ["XOR"]),
        .executable(name: "mnist", targets: ["MNISTExample"]),
        .executable(name: "pytorch-weights", targets: ["PyTorchWeights"]),
        .executable(name: "char-lstm", targets: ["CharLSTM"]),
        .executable(name: "char-transformer", targets: ["CharTransformer"]),
        .executable(name: "custom-op", targets: ["CustomOp"]),
        .executable(name: "finetune-lora", targets: ["FinetuneLoRA"]),
        .executable(name: "generate", targets: ["Generate"]),
        .executable(name: "soak", targets: ["Soak"]),
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
        // libpng and libjpeg-turbo from the system, for ImageFolder and DecodedImage (Data/Images).
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            path: "Sources/CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]
        ),
        // SwiftGrad's own vector kernels in C (function-level target attributes, run-time CPU
        // dispatch; no global compiler flags): the packed-weight small GEMM of recurrent layers.
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(
            name: "SwiftGrad",
            dependencies: ["CBLAS", "CZlib", "CPNG", "CJPEG", "CKernels"],
            path: "Sources/SwiftGrad",
            // The embedded digit set (gzip'd IDX files) and word list, each with its licence note,
            // read through Bundle.module.
            resources: [.copy("Resources/digits"), .copy("Resources/words")]
        ),
        .target(name: "SwiftGradModels", dependencies: ["SwiftGrad"], path: "Sources/SwiftGradModels"),
        // Runs a model directory on a safetensors input and writes its logits (outside checks against PyTorch).
        .executableTarget(name: "ModelCheck", dependencies: ["SwiftGradModels", "SwiftGrad"], path: "Sources/ModelCheck"),
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
        // Memory soak check: resident memory at step 10,000 vs step 1,000 (Docs/Reliability.md).
        .executableTarget(name: "Soak", dependencies: ["SwiftGrad"], path: "Sources/Soak"),
        .executableTarget(name: "FitLine", dependencies: ["SwiftGrad"], path: "Examples/FitLine"),
        .executableTarget(name: "DigitsDDP", dependencies: ["SwiftGrad", "SwiftGradDistributed"], path: "Examples/DigitsDDP"),
        // The examples' models and training functions, shared by the example executables and the tests.
        .target(name: "ExampleKit", dependencies: ["SwiftGrad"], path: "Examples/ExampleKit"),
        .executableTarget(name: "DigitsCNN", dependencies: ["ExampleKit", "SwiftGrad", argumentParser], path: "Examples/DigitsCNN"),
        .executableTarget(name: "DigitsMLP", dependencies: ["ExampleKit", "SwiftGrad", argumentParser], path: "Examples/DigitsMLP"),
        .executableTarget(name: "XOR", dependencies: ["ExampleKit", "SwiftGrad", argumentParser], path: "Examples/XOR"),
        .executableTarget(name: "MNISTExample", dependencies: ["ExampleKit", "SwiftGrad", argumentParser], path: "Examples/MNIST"),
        .executableTarget(
            name: "PyTorchWeights",
            dependencies: ["ExampleKit", "SwiftGrad", argumentParser],
            path: "Examples/PyTorchWeights",
            // PyTorch's LeNet state dict and the logits PyTorch computed for a reference input.
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "CharLSTM",
            dependencies: ["ExampleKit", "SwiftGrad", argumentParser],
            path: "Examples/CharLSTM"
        ),
        .executableTarget(
            name: "CharTransformer",
            dependencies: ["ExampleKit", "SwiftGrad", argumentParser],
            path: "Examples/CharTransformer"
        ),
        .executableTarget(
            name: "CustomOp",
            dependencies: ["SwiftGrad", argumentParser],
            path: "Examples/CustomOp"
        ),
        .executableTarget(name: "FinetuneLoRA", dependencies: ["ExampleKit", "SwiftGrad", argumentParser], path: "Examples/FinetuneLoRA"),
        .executableTarget(name: "Generate", dependencies: ["ExampleKit", "SwiftGrad", "SwiftGradModels", argumentParser], path: "Examples/Generate"),
        .testTarget(
            name: "SwiftGradTests",
            dependencies: ["SwiftGrad", "ExampleKit"],
            path: "Tests/SwiftGradTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SwiftGradModelsTests",
            dependencies: ["SwiftGradModels", "SwiftGrad", "ModelCheck"],
            path: "Tests/SwiftGradModelsTests",
            // Small randomly initialised models with PyTorch's logits (Scripts/models/make_model_fixtures.py).
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SwiftGradDistributedTests",
            dependencies: ["SwiftGradDistributed", "DDPSelfTest", "DigitsDDP"],
            path: "Tests/SwiftGradDistributedTests"
        ),
    ]
)
