import DSPCore
import Factorization
import Spectral

/// The recommended settings: those of the command line's defaults, chosen by measurement on
/// real mixtures (QUALITY.md). `init(sourceCount:…)` keeps the plain model (K = S, no steady
/// background), which separates real recordings far worse. One default depends on the input and
/// is left to the caller: the command line sets `spatial` for stereo input up to 1 GiB of
/// stacked spectrograms, which these settings cannot see (they leave it false).
extension SeparationConfiguration {
    /// Components per source of the recommended settings and of the command line's
    /// `--components` / `--free-components` defaults (QUALITY.md, "How the defaults were chosen").
    public static let recommendedComponentsPerSource = 4

    /// The mask exponent α of the recommended settings: 1 without trained dictionaries, 2 with
    /// them (QUALITY.md: 6.06 against 5.75 dB on the supervised development mixtures).
    /// - Parameter dictionaries: whether any templates are held fixed.
    public static func recommendedMaskPower(dictionaries: Bool) -> Float { dictionaries ? 2 : 1 }

    /// The command line's defaults for an unsupervised separation into `sourceCount` sources:
    /// K = 4·S components grouped by timbre with the minimum energy share, a steady background
    /// when the mixture has one (`.automatic`, decided by `Separator` from the mixture), mask
    /// power 1, 200 iterations. On the 10 development mixtures these gain about 2.7 dB over
    /// K = S (QUALITY.md).
    /// - Parameters:
    ///   - sourceCount: S ≥ 1.
    ///   - stft: the analysis (default: fft 2048, hop 512, Hann).
    ///   - seed: seed of the NMF's initialisation.
    /// - Throws: `SeparationError.invalidParameter` for S < 1 or more than `Int.max / 4` sources.
    public static func recommended(sourceCount: Int, stft: STFTConfiguration? = nil,
                                   seed: UInt64 = 0) throws -> SeparationConfiguration {
        guard sourceCount >= 1, sourceCount <= Int.max / recommendedComponentsPerSource else {
            throw SeparationError.invalidParameter(name: "sourceCount", value: "\(sourceCount)",
                                                   allowed: "1 to \(Int.max / recommendedComponentsPerSource)")
        }
        var config = try SeparationConfiguration(sourceCount: sourceCount,
                                                 componentCount: sourceCount * recommendedComponentsPerSource,
                                                 stft: stft ?? .standard, seed: seed,
                                                 maskPower: recommendedMaskPower(dictionaries: false))
        config.background = .automatic
        return config
    }

    /// The command line's defaults for a separation with trained dictionaries: one source per
    /// dictionary, their templates held fixed, plus `freeSources` sources of 4 learned
    /// components each (by default one for a single dictionary, "this source and the rest",
    /// and none beside several); the dictionaries' STFT settings and divergence; mask power 2; and, for
    /// one free source beside dictionaries of changing sources, the automatic penalties of
    /// ``NMFDictionary/automaticPenalties(for:freeSources:)``.
    /// The separation refuses a mixture at another sample rate than the dictionaries'
    /// (`templateSampleRate`).
    /// - Parameters:
    ///   - dictionaries: one or more dictionaries trained with the same STFT settings and divergence.
    ///   - freeSources: sources without a dictionary, ≥ 0 (nil: 1 for a single dictionary, else 0).
    ///   - seed: seed of the free components' initialisation.
    /// - Throws: `SeparationError.invalidParameter` when there is no dictionary, `freeSources`
    ///   is negative or too large, or the dictionaries disagree on the sample rate, the analysis or
    ///   the divergence.
    public static func recommended(dictionaries: [NMFDictionary], freeSources: Int? = nil,
                                   seed: UInt64 = 0) throws -> SeparationConfiguration {
        guard let first = dictionaries.first else {
            throw SeparationError.invalidParameter(name: "dictionaries", value: "none", allowed: "one or more")
        }
        let freeSources = freeSources ?? (dictionaries.count == 1 ? 1 : 0)
        guard freeSources >= 0, freeSources <= (Int.max / 2) / recommendedComponentsPerSource else {
            throw SeparationError.invalidParameter(name: "freeSources", value: "\(freeSources)",
                                                   allowed: "0 to \((Int.max / 2) / recommendedComponentsPerSource)")
        }
        for (i, d) in dictionaries.enumerated().dropFirst() {
            if d.stft != first.stft {
                throw SeparationError.invalidParameter(
                    name: "dictionaries[\(i)]", value: "fft size \(d.stft.fftSize), hop \(d.stft.hopLength)",
                    allowed: "the first dictionary's fft size \(first.stft.fftSize), hop \(first.stft.hopLength)")
            }
            if d.sampleRate != first.sampleRate {
                throw SeparationError.invalidParameter(name: "dictionaries[\(i)]", value: "sample rate \(d.sampleRate) Hz",
                                                       allowed: "the first dictionary's, \(first.sampleRate) Hz")
            }
            if d.divergence != first.divergence {
                throw SeparationError.invalidParameter(name: "dictionaries[\(i)]", value: "divergence \(d.divergence)",
                                                       allowed: "the first dictionary's, \(first.divergence)")
            }
        }
        let fixed = dictionaries.reduce(0) { $0 + $1.components }
        var config = try SeparationConfiguration(sourceCount: dictionaries.count + freeSources,
                                                 componentCount: fixed + freeSources * recommendedComponentsPerSource,
                                                 stft: first.stft, seed: seed,
                                                 maskPower: recommendedMaskPower(dictionaries: true))
        config.fixedTemplates = dictionaries.map(\.basis)
        config.templateSampleRate = first.sampleRate
        config.divergence = first.divergence
        if let weights = NMFDictionary.automaticPenalties(for: dictionaries, freeSources: freeSources) {
            (config.sourceContinuity, config.sourceSparsity) = weights
        }
        return config
    }
}
