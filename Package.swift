// swift-tools-version:6.2
import Foundation
import PackageDescription

/// nmf-separate: audio source separation by non-negative matrix factorization.
///
/// Module dependencies point one way only:
/// DSPCore ← {AudioIO, Spectral, Factorization} ← Separation ← NMFSeparation ← NMFSeparateCLI ← nmf-separate.
/// The numeric modules are optimised in debug builds too (`-O`, bounds checks kept), so that
/// `swift test` runs the real pipeline on real recordings in minutes; release builds use
/// `-Ounchecked`. Both target the host CPU: the kernels use fused multiply–adds
/// (`addingProduct`), which without FMA units in the target would become library calls.
/// A binary for other machines (an app that embeds the library) sets
/// `NMF_SEPARATE_TARGET_CPU` when building, e.g. `haswell` (AVX2 and FMA) instead of `native`.
let targetCPU = ProcessInfo.processInfo.environment["NMF_SEPARATE_TARGET_CPU"] ?? "native"
let optimise: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", targetCPU], .when(configuration: .release)),
    .unsafeFlags(["-O", "-target-cpu", targetCPU], .when(configuration: .debug)),
]

let package = Package(
    name: "nmf-separate",
    products: [
        .library(name: "NMFSeparation", targets: ["NMFSeparation"]),
        .executable(name: "nmf-separate", targets: ["nmf-separate"]),
        .executable(name: "nmf-bench", targets: ["nmf-bench"]),
    ],
    targets: [
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "DSPCore", swiftSettings: optimise),
        .target(name: "AudioIO", dependencies: ["DSPCore", "CSndFile"]),
        .target(name: "Spectral", dependencies: ["DSPCore", "CFFTW3"], swiftSettings: optimise),
        .target(name: "CPrefetch"),
        .target(name: "Factorization", dependencies: ["DSPCore", "CPrefetch"], swiftSettings: optimise),
        .target(name: "Separation", dependencies: ["DSPCore", "AudioIO", "Spectral", "Factorization"], swiftSettings: optimise),
        .target(name: "Evaluation", dependencies: ["DSPCore"], swiftSettings: optimise),
        .target(name: "Plotting", dependencies: ["DSPCore", "Separation", "CPNG"], swiftSettings: optimise),
        .target(name: "NMFSeparation", dependencies: ["DSPCore", "AudioIO", "Spectral", "Factorization", "Separation", "Evaluation", "Plotting"]),
        .target(name: "NMFSeparateCLI", dependencies: ["NMFSeparation"]),
        .executableTarget(name: "nmf-separate", dependencies: ["NMFSeparateCLI"]),
        .executableTarget(name: "nmf-bench", dependencies: ["NMFSeparation"], swiftSettings: optimise),
        .target(name: "_TestSupport", dependencies: ["NMFSeparation"], path: "Sources/_TestSupport"),
        .testTarget(name: "DSPCoreTests", dependencies: ["DSPCore"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "_TestSupport"]),
        .testTarget(name: "SpectralTests", dependencies: ["Spectral", "AudioIO", "_TestSupport"]),
        .testTarget(name: "FactorizationTests", dependencies: ["Factorization", "_TestSupport"]),
        .testTarget(name: "SeparationTests", dependencies: ["NMFSeparation", "_TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["NMFSeparation", "NMFSeparateCLI", "_TestSupport", "nmf-separate"], exclude: ["Golden"], resources: [.copy("Corpus")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "AudioIO", "Spectral", "Factorization", "_TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
