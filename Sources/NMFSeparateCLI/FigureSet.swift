import Foundation
import NMFSeparation

/// The `--plot` figures of one separation, written as PNG next to the sources.
enum FigureSet {
    /// File names, in the order `write(to:…)` expects its paths: the mixture spectrogram,
    /// the templates W, the activations H, then one mask per source.
    static func names(sources: Int) -> [String] {
        overviewNames + (1...sources).map { "mask_\($0).png" }
    }

    /// The figures every `--plot` run writes, whatever the number of sources.
    static let overviewNames = ["spectrogram.png", "templates.png", "activations.png"]

    /// Draws every figure to `paths` (as many as `names(sources:)` gives).
    /// - Parameters:
    ///   - spectrogram: the mixture's magnitude spectrogram V, bins × frames.
    ///   - runs: the factorizations (W bins × K, H K × frames) with the components of each
    ///     source; the first is drawn, the masks are the mean over all (an ensemble).
    /// - Throws: `CLIError.runtime` naming the figure that could not be written.
    static func write(to paths: [String], spectrogram: Matrix, runs: [SeparationRun],
                      configuration: SeparationConfiguration, sampleRate: Int) throws {
        let first = runs[0], groups = first.groups
        do {
            let plots = try SeparationPlots(spectrogram: spectrogram, basis: first.factorization.basis,
                                            activations: first.factorization.activations,
                                            groups: groups, maskPower: configuration.maskPower, sampleRate: sampleRate,
                                            hop: configuration.stft.hopLength, fftSize: configuration.stft.fftSize,
                                            additionalRuns: Array(runs.dropFirst()), channelGains: first.channelGains)
            try plots.writeSpectrogram(to: paths[0])
            try plots.writeTemplates(to: paths[1])
            try plots.writeActivations(to: paths[2])
            for s in 0..<groups.count { try plots.writeMask(source: s, to: paths[3 + s]) }
        } catch let e as PlotError {
            throw CLIError.runtime("cannot draw the figures: \(e.description)")
        }
    }
}
