// swift-tools-version:6.0
import PackageDescription

// MARK: - Module graph (arrows point at dependencies; no cycles; docs/architecture.md)
// `make check-graph` (part of `make test`) fails on an undeclared import, an unused dependency or a cycle.
//
//   ThawCLI (thaw) ──► every library below
//   ThawONNX ──► ThawBackbones, ThawKernels, ThawWeights, ThawCore
//   ThawPredict ──► ThawBundle, ThawBackbones, ThawInputs, ThawText, ThawStore, ThawExtract, ThawHeads, ThawTraining,
//                   ThawKernels, ThawAssets, ThawCore
//   ThawFineTune ──► ThawBundle, ThawBackbones, ThawHeads, ThawTraining, ThawInputs, ThawStore, ThawRuns,
//                    ThawKernels, ThawWeights, ThawBLAS, ThawCore
//   ThawExtract ──► ThawBackbones, ThawInputs, ThawStore, ThawText, ThawKernels, ThawCore
//   ThawFit ──► ThawBundle, ThawHeads, ThawTraining, ThawStore, ThawRuns, ThawWeights, ThawCore
//   ThawBundle ──► ThawHeads, ThawStore, ThawWeights, ThawKernels, ThawCore
//   ThawRuns ──► ThawHeads, ThawBLAS, ThawCore
//   ThawHeads ──► ThawTraining, ThawStore, ThawKernels, ThawBLAS, ThawCore
//   ThawTraining ──► CAdamW (AdamW's element update on AVX-512, in C), ThawCore
//   ThawBackbones ──► ThawKernels, ThawText, ThawWeights, ThawBLAS, ThawCore
//   ThawStore ──► CLMDB, CCrashGuard, ThawCore
//   ThawInputs ──► CTurboJPEG, CPNGShim (──► CPNG), CZlib, ThawAssets, ThawCore
//   ThawWeights, ThawText ──► ThawCore
//   ThawKernels ──► ThawBLAS ──► COpenBLAS (dlopen'ed: see thaw_blas.h), ThawCore
//   ThawKernels ──► ThawKernelsAVX2 ──► ThawKernelBuild, CPrefetch (a header of prefetch hints; called only on AVX2+FMA CPUs)
//   ThawKernels ──► ThawKernelsAVX512 ──► ThawKernelBuild (called only on AVX-512 CPUs)
//   ThawKernels ──► CBF16Kernels (bfloat16 GEMMs in C; called only on AVX512-BF16 CPUs)
//   ThawKernels ──► ThawKernelBuild (the protocol both builds conform to; no dependencies)
//   ThawCore ──► CCRC32C (CRC-32C on SSE4.2's crc32 instruction, in C)
//   ThawCore, ThawAssets: Foundation only

// -Ounchecked only for modules whose loops run over shapes they validated themselves; modules that
// parse files (weights, inputs, store, text) keep their bounds checks.
let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
/// The kernels are optimised in debug builds too: their SIMD loops run 50–100× slower unoptimised, which made the
/// debug test suite spend minutes in a single ResNet or MobileNetV2 forward.
let kernels: [SwiftSetting] = release + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Thaw",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "thaw", targets: ["ThawCLI"]),
        .library(name: "ThawWeights", targets: ["ThawWeights"]),
        .library(name: "ThawKernels", targets: ["ThawKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries (apt providers named; found through pkg-config)
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenBLAS (apt: libopenblas-dev) is opened at run time so Thaw can choose its kernel.
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),

        // MARK: - Libraries, one concept each
        .target(name: "ThawAssets"),
        // Shared primitives: SplitMix64, FNV-1a, the stratified splitter, SHA-256, CRC-32C, fp16/bf16, the version,
        // the error shape (ThawError, FileError).
        .target(name: "CCRC32C"),   // CRC-32C on SSE4.2's crc32 instruction
        .target(name: "ThawCore", dependencies: ["CCRC32C"]),
        .target(name: "ThawBLAS", dependencies: ["ThawCore", "COpenBLAS"]),
        .target(name: "ThawKernels", dependencies: ["ThawBLAS", "ThawKernelBuild", "ThawKernelsAVX2", "ThawKernelsAVX512", "CBF16Kernels"],
                swiftSettings: kernels),
        // The signatures every vector build of the packed kernels provides (`PackedKernelBuild`), so ThawKernels
        // picks a build once per call instead of naming one at each call site.
        .target(name: "ThawKernelBuild"),
        // The AVX2 + FMA builds of the packed kernels (1×1, depthwise, stem, panel and window GEMMs, training
        // kernels, epilogues, GELU, softmax; SIMD8<Float> = one ymm); ThawKernels calls them only when the CPU
        // has both and no AVX-512 build runs (`VectorISA`; the rest of Thaw stays baseline x86-64).
        .target(name: "CPrefetch"),
        .target(name: "ThawKernelsAVX2", dependencies: ["ThawKernelBuild", "CPrefetch"],
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])] + kernels),
        // The same kernels compiled for AVX-512 (SIMD16<Float> = one zmm); called only when the CPU has
        // AVX-512 F/BW/DQ/VL/CD.
        // bfloat16 GEMMs (vdpbf16ps) in C, Swift having no intrinsic for them; called only on AVX512-BF16 CPUs
        // (`VectorISA.bf16`), the target attribute on each function, optimised in debug builds too.
        .target(name: "CBF16Kernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "ThawKernelsAVX512", dependencies: ["ThawKernelBuild"], swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])] + kernels),
        .target(name: "ThawWeights", dependencies: ["ThawCore"]),
        .target(name: "CPNGShim", dependencies: ["CPNG"]),   // libpng's setjmp error handling, in C
        // Parses untrusted files: keeps bounds checks in release builds (no -Ounchecked).
        .target(name: "ThawInputs", dependencies: ["ThawCore", "ThawAssets", "CTurboJPEG", "CPNGShim", "CZlib"]),
        .target(name: "ThawText", dependencies: ["ThawCore"]),
        // Turns a fatal signal inside LMDB (a damaged cache) into a message and exit status 74, in C (async-signal-safe).
        .target(name: "CCrashGuard"),
        .target(name: "ThawStore", dependencies: ["ThawCore", "CLMDB", "CCrashGuard"]),
        // Optimizers, LR schedules, parameters and the one epoch loop shared by heads and fine-tuning.
        .target(name: "CAdamW"),   // AdamW's element update on AVX-512
        .target(name: "ThawTraining", dependencies: ["ThawCore", "CAdamW"], swiftSettings: release),
        .target(name: "ThawHeads", dependencies: ["ThawCore", "ThawBLAS", "ThawKernels", "ThawStore", "ThawTraining"], swiftSettings: release),
        .target(name: "ThawRuns", dependencies: ["ThawCore", "ThawHeads", "ThawBLAS"]),
        .target(name: "ThawBackbones", dependencies: ["ThawCore", "ThawBLAS", "ThawKernels", "ThawText", "ThawWeights"], swiftSettings: release),
        .target(name: "ThawExtract", dependencies: ["ThawCore", "ThawBackbones", "ThawInputs", "ThawStore", "ThawText",
                                                     "ThawKernels"]),
        // `thaw cache audit`: stored f16/bf16 taps against a float32 re-extraction of a seeded sample.
        .target(name: "ThawAudit", dependencies: ["ThawCore", "ThawAssets", "ThawBackbones", "ThawExtract", "ThawHeads", "ThawInputs",
                                                   "ThawRuns", "ThawStore", "ThawText", "ThawWeights"]),
        // One-file model bundles (docs/bundle-format.md): description, validation, the head as a function.
        .target(name: "ThawBundle", dependencies: ["ThawCore", "ThawWeights", "ThawHeads", "ThawStore", "ThawKernels"]),
        .target(name: "ThawFit", dependencies: ["ThawCore", "ThawHeads", "ThawTraining", "ThawStore", "ThawRuns", "ThawBundle", "ThawWeights"], swiftSettings: release),
        .target(name: "ThawFineTune", dependencies: ["ThawCore", "ThawBundle", "ThawKernels", "ThawBackbones", "ThawInputs", "ThawStore", "ThawHeads",
                                                      "ThawTraining", "ThawRuns", "ThawWeights", "ThawBLAS"], swiftSettings: release),
        // ONNX export: backbone + head as one graph for ONNX Runtime (hand-written protobuf writer).
        .target(name: "ThawONNX", dependencies: ["ThawCore", "ThawBackbones", "ThawKernels", "ThawWeights"]),

        // `thaw predict`: a bundle applied to raw inputs or to a cache's taps.
        .target(name: "ThawPredict", dependencies: ["ThawCore", "ThawBundle", "ThawBackbones", "ThawInputs", "ThawText", "ThawStore",
                                                     "ThawExtract", "ThawHeads", "ThawTraining", "ThawKernels", "ThawAssets"],
                swiftSettings: release),

        // MARK: - The `thaw` command
        .executableTarget(
            name: "ThawCLI",
            dependencies: [
                "ThawAssets", "ThawCore", "ThawBLAS", "ThawKernels", "ThawWeights", "ThawInputs", "ThawText", "ThawStore",
                "ThawHeads", "ThawTraining", "ThawRuns", "ThawBackbones", "ThawExtract", "ThawFit", "ThawFineTune",
                "ThawBundle", "ThawPredict", "ThawONNX", "ThawAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Benchmarks and fuzzers (run on demand, never in tests or CI)
        .executableTarget(name: "thaw-kernels-bench", dependencies: ["ThawKernels", "ThawKernelsAVX512", "ThawKernelsAVX2", "ThawBLAS"], path: "benchmarks/kernels",
                          exclude: ["conv_torch.py", "run.sh", "README.md"], swiftSettings: release),
        .executableTarget(name: "thaw-inputs-bench", dependencies: ["ThawInputs"], path: "benchmarks/inputs",
                          exclude: ["peer_torchvision.py"], swiftSettings: release),
        // Per-layer profiles of the backbones (`--profile` of the two backbone benchmarks); reads their layers through @_spi(Profile).
        .target(name: "ThawBackbonesProfile", dependencies: ["ThawBackbones", "ThawKernels"], path: "benchmarks/profile", swiftSettings: release),
        .executableTarget(name: "thaw-backbones-bench", dependencies: ["ThawBackbones", "ThawBackbonesProfile", "ThawAssets", "ThawBLAS", "ThawKernels"],
                          path: "benchmarks/backbones", exclude: ["torch_side.py", "torch_models.py", "run.py", "peer_assets.py", "onnx_side.py", "openvino_profile.py", "openvino_block_profile.py", "compare_profiles.py", "ort_profile.py", "README.md", "resnet_minilm"], swiftSettings: release),
        .executableTarget(name: "thaw-resnet-minilm-bench", dependencies: ["ThawBackbones", "ThawBackbonesProfile", "ThawAssets", "ThawBLAS", "ThawKernels"],
                          path: "benchmarks/backbones/resnet_minilm", exclude: ["run.sh"], swiftSettings: release),
        .executableTarget(name: "thaw-heads-bench", dependencies: ["ThawHeads", "ThawBLAS"], path: "benchmarks/heads",
                          exclude: ["bench.py", "README.md", "RESULTS.md"], swiftSettings: release),
        .executableTarget(name: "thaw-finetune-bench", dependencies: ["ThawCore", "ThawFineTune", "ThawHeads", "ThawAssets", "ThawBLAS", "ThawKernels", "ThawKernelsAVX2"],
                          path: "benchmarks/finetune", exclude: ["torch_side.py", "torch_raw.py", "run.sh", "README.md"], swiftSettings: release),
        .executableTarget(name: "thaw-fit-bench", dependencies: ["ThawCore", "ThawFit", "ThawStore", "ThawHeads", "ThawTraining"], path: "benchmarks/fit",
                          swiftSettings: release),
        // Mutation fuzzing of every reader class in worker processes (fuzz/README.md; `make fuzz`).
        .executableTarget(name: "thaw-fuzz", dependencies: ["ThawCore", "ThawStore", "ThawWeights", "ThawInputs", "ThawBundle"],
                          path: "fuzz/thaw-fuzz"),
        .executableTarget(name: "thaw-inputs-fuzz", dependencies: ["ThawCore", "ThawInputs"], path: "fuzz/inputs", exclude: ["run.sh"]),
        // libFuzzer harnesses: build only with -sanitize=fuzzer (see fuzz/README.md); they have no main of their own.
        .executableTarget(name: "thaw-fuzz-weights", dependencies: ["ThawWeights"], path: "fuzz/weights", exclude: ["seeds", "crashes"]),
        .executableTarget(name: "thaw-fuzz-idx", dependencies: ["ThawInputs"], path: "fuzz/idx", exclude: ["seeds"]),
        .executableTarget(name: "thaw-fuzz-pixelcsv", dependencies: ["ThawInputs"], path: "fuzz/pixelcsv", exclude: ["seeds"]),
        .executableTarget(name: "thaw-fuzz-wordpiece", dependencies: ["ThawText"], path: "fuzz/wordpiece", exclude: ["seeds"]),
        .executableTarget(name: "thaw-fuzz-store", dependencies: ["ThawCore", "ThawStore"], path: "fuzz/store", exclude: ["seeds", "crashes"]),
        .executableTarget(name: "thaw-fuzz-image", dependencies: ["ThawInputs"], path: "fuzz/image", exclude: ["seeds", "make_seeds.py"]),

        // MARK: - Tests (one target per module)
        // Checks shared by the test targets (comparators' NaN behaviour); imports XCTest, built only with the tests.
        .target(name: "ThawTestSupport", path: "Tests/ThawTestSupport"),
        .testTarget(name: "ThawCoreTests", dependencies: ["ThawCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawBLASTests", dependencies: ["ThawBLAS"]),
        .testTarget(name: "ThawKernelsTests", dependencies: ["ThawTestSupport", "ThawKernels", "ThawKernelsAVX2", "ThawKernelsAVX512", "ThawBLAS"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawWeightsTests", dependencies: ["ThawTestSupport", "ThawCore", "ThawWeights", "ThawAssets"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawInputsTests", dependencies: ["ThawTestSupport", "ThawCore", "ThawInputs", "ThawAssets"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawTextTests", dependencies: ["ThawText", "ThawAssets"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawStoreTests", dependencies: ["ThawStore", "ThawCore", "CCrashGuard", "CLMDB"]),
        .testTarget(name: "ThawTrainingTests", dependencies: ["ThawTraining", "ThawCore"]),
        .testTarget(name: "ThawHeadsTests", dependencies: ["ThawTestSupport", "ThawHeads", "ThawTraining", "ThawCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawRunsTests", dependencies: ["ThawRuns"]),
        .testTarget(name: "ThawBackbonesTests", dependencies: ["ThawTestSupport", "ThawBackbones", "ThawBackbonesProfile", "ThawAssets", "ThawInputs", "ThawKernels", "ThawText"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawExtractTests", dependencies: ["ThawExtract", "ThawKernels", "ThawBackbones", "ThawInputs",
                                                             "ThawStore", "ThawAssets", "ThawText"]),
        .testTarget(name: "ThawFineTuneTests", dependencies: ["ThawCore", "ThawBundle", "ThawFineTune", "ThawKernels", "ThawHeads", "ThawTraining", "ThawBackbones", "ThawExtract", "ThawInputs", "ThawStore", "ThawAssets", "ThawRuns", "ThawFit", "ThawText", "ThawWeights"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ThawPredictTests", dependencies: ["ThawBundle", "ThawWeights", "ThawBLAS", "ThawAssets"]),
        .testTarget(name: "ThawFitTests", dependencies: ["ThawCore", "ThawFit", "ThawStore", "ThawHeads", "ThawTraining", "ThawRuns"]),
        .testTarget(name: "ThawONNXTests", dependencies: ["ThawCore", "ThawONNX", "ThawBackbones", "ThawInputs", "ThawAssets", "ThawKernels",
                                                          "ThawHeads", "ThawStore", "ThawText", "ThawWeights"],
                    exclude: ["run_onnx.py"]),
        // Runs the built `thaw` binary (.build/debug/thaw; `swift build --build-tests` builds it) and asserts on its output;
        // ThawStore writes the caches it damages, thaw-fuzz is run for a short fuzz pass.
        .testTarget(name: "ThawCLITests", dependencies: ["ThawCore", "ThawStore"]),
    ],
    swiftLanguageModes: [.v5]
)
