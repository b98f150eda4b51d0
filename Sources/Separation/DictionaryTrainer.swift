import Foundation
import DSPCore
import Spectral
import Factorization

/// Learns a source's templates from clean recordings of it (the training half of
/// semi-supervised NMF separation, Smaragdis, Raj & Shashanka 2007).
public struct DictionaryTrainer: Sendable {
    /// STFT settings (must match the separations that will use the dictionary).
    public let stft: STFTConfiguration
    /// NMF settings; `componentCount` is the number of templates K.
    public let nmf: NMFConfiguration

    /// Creates a trainer.
    /// - Parameters:
    ///   - stft: the analysis of the training audio (separations with the dictionary must use the same).
    ///   - nmf: the factorization: `componentCount` templates, iterations, seed, divergence.
    public init(stft: STFTConfiguration, nmf: NMFConfiguration) {
        self.stft = stft
        self.nmf = nmf
    }

    /// Factorizes the concatenated magnitude spectrograms of `sources` (all at one sample rate)
    /// and returns W (bins × K, columns summing to one) as a dictionary.
    /// - Parameters:
    ///   - sources: the training recordings, at one sample rate.
    ///   - label: the dictionary's label.
    ///   - names: the sources' names (their paths), for error messages; the dictionary records
    ///     their last path components as `trained_on`.
    ///   - progress: called after every iteration; return `false` to cancel.
    /// - Throws: first, before anything is read, `FactorizationError.invalidParameter` for NMF
    ///   settings out of range (``nmf``'s fields are public vars), then
    ///   `SeparationError.invalidParameter` for no sources or a label longer than
    ///   `NMFDictionary.maximumLabelBytes`, `.invalidInput` when the sources' sample rates differ,
    ///   `.invalidParameter` for a source's rate, channels or length out of range,
    ///   `.invalidInput` for a spectrogram beyond the machine's memory and `.invalidParameter`
    ///   (`--components`) for factors beyond it; while reading, `.tooShort` for a source shorter
    ///   than one frame, `.invalidInput` for a NaN, infinite or too large sample, what the
    ///   sources' `read` throws (`AudioIOError` for files), `.silentTraining` when every source is
    ///   silent; then `.invalidParameter` when there are fewer frames than templates;
    ///   `.cancelled` when `progress` returns false (as `Separator`'s runs do);
    ///   `FactorizationError` from the factorization.
    public func train(_ sources: [SampleSource], label: String = "", names: [String] = [],
                      progress: ((NMFProgress) -> Bool)? = nil) throws -> (NMFDictionary, NMFResult) {
        let rate = try checkInputs(sources, label: label, names: names)
        let (v, spread) = try spectrogram(of: sources, names: names)
        guard nmf.componentCount <= v.columns else {
            throw SeparationError.invalidParameter(name: "--components", value: "\(nmf.componentCount)",
                                                   allowed: "at most the training frames, \(v.columns)")
        }
        let result: NMFResult
        do { result = try NMF(configuration: nmf).factorize(v, progress: progress) } catch FactorizationError.cancelled {
            throw SeparationError.cancelled   // one cancellation error for the Separation module's callers
        }
        let notes = ["iterations": "\(result.iterations)", "final_divergence": "\(result.finalDivergence)",
                     "trained_on": NMFDictionary.trainedOnNote(names),
                     NMFDictionary.levelSpreadKey: String(format: "%.2f", spread)]
        return (NMFDictionary(basis: result.basis, sampleRate: rate, stft: stft, label: label, notes: notes,
                              divergence: nmf.divergence), result)
    }

    /// Checks the training inputs before any work, in this order: the NMF settings (``nmf``'s
    /// fields are public vars), at least one source, a label the file can hold, each source's
    /// sample rate (the first one's) and shape (``Separator/validateShape(of:)``), and the
    /// training spectrogram and factors against the machine's memory.
    /// - Returns: the sources' sample rate.
    /// - Throws: `FactorizationError` for the NMF settings, else `SeparationError` naming the
    ///   file or parameter.
    private func checkInputs(_ sources: [SampleSource], label: String, names: [String]) throws -> Int {
        try NMF(configuration: nmf).validateConfiguration()
        guard let rate = sources.first?.sampleRate else {
            throw SeparationError.invalidParameter(name: "training files", value: "0", allowed: "at least one")
        }
        guard label.utf8.count <= NMFDictionary.maximumLabelBytes else {   // (before the work: the file could not hold it)
            throw SeparationError.invalidParameter(name: "--label", value: "of \(label.utf8.count) bytes",
                                                   allowed: "at most \(NMFDictionary.maximumLabelBytes) bytes")
        }
        for (i, s) in sources.enumerated() {
            let name = i < names.count ? names[i] : "file \(i + 1)"
            guard s.sampleRate == rate else {
                let first = names.first ?? "file 1"
                throw SeparationError.invalidInput("the training recordings have different sample rates: \(name) is at \(s.sampleRate) Hz, "
                    + "\(first) at \(rate) Hz; a dictionary has one rate, so resample them to one rate first")
            }
            try Separator.validateShape(of: s)
        }
        // (More components than frames are refused by name once V is known, so the factors are
        // checked only within the frames.)
        let frames = sources.reduce(0.0) { $0 + Double(stft.frameCount(forSignalLength: $1.frameCount)) }
        try Separator.checkMemory(bins: stft.binCount, frames: frames, blocks: 1,
                                  components: Double(nmf.componentCount) <= frames ? nmf.componentCount : nil, threads: nmf.threadCount,
                                  spectrogram: "the training spectrogram", advice: "train on fewer or shorter files or with a larger hop")
        return rate
    }

    /// The sources' magnitude spectrograms side by side (bins × all their frames), and the
    /// spread of their levels (``NMFDictionary/levelSpreadTerms(of:)``).
    ///
    /// V is filled file by file, each file's spectrogram released once copied: the peak is V
    /// and one file's spectrogram (holding them all, then concatenating, took twice V).
    /// - Throws: `SeparationError.tooShort`, `.invalidInput` for a sample that is not finite,
    ///   `.silentTraining` when every source is silent; what the sources' `read` throws.
    private func spectrogram(of sources: [SampleSource], names: [String]) throws -> (Matrix, Double) {
        var timings = StageTimings()
        let analyzer = SpectrogramAnalyzer(configuration: stft, chunkFrames: SeparationConfiguration.defaultChunkFrames(hop: stft.hopLength),
                                           threads: nmf.threadCount)
        let bins = stft.binCount
        var storage = [Float](repeating: 0, count: bins * sources.reduce(0) { $0 + stft.frameCount(forSignalLength: $1.frameCount) })
        var squares = 0.0, count = 0, audible = false, filled = 0
        for (i, s) in sources.enumerated() {
            guard s.frameCount >= stft.fftSize else { throw SeparationError.tooShort(frames: s.frameCount, fftSize: stft.fftSize) }
            let part = try analyzer.magnitude(of: s, timings: &timings) { _ in true }
            try Separator.checkFinite(part, of: i < names.count ? "'\(names[i])'" : "training file \(i + 1)")
            audible = audible || part.storage.contains { $0 > 0 }
            let terms = NMFDictionary.levelSpreadTerms(of: part)
            squares += terms.squares
            count += terms.count
            require(filled + part.storage.count <= storage.count, "training spectrogram of \(part.columns) frames past the planned \(storage.count / bins)")
            storage.withUnsafeMutableBufferPointer { dst in
                part.storage.withUnsafeBufferPointer { src in
                    (dst.baseAddress! + filled).update(from: src.baseAddress!, count: src.count)
                }
            }
            filled += part.storage.count
        }
        guard audible else { throw SeparationError.silentTraining(files: names) }
        let spread = count > 0 ? (squares / Double(count)).squareRoot() : 0
        if filled < storage.count { storage.removeLast(storage.count - filled) }   // (a source shorter than it said)
        let v = Matrix(rows: bins, columns: filled / bins, columnMajor: storage)
        return (v, spread)
    }
}
