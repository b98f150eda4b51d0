import DSPCore
import Factorization
import Spectral

/// Settings of the separation pipeline.
///
/// The initialiser's defaults are the plain model (one component per source, no steady
/// background); ``recommended(sourceCount:stft:seed:)`` and
/// ``recommended(dictionaries:freeSources:seed:)`` give the command line's measured defaults,
/// which separate real recordings much better (QUALITY.md).
public struct SeparationConfiguration: Sendable, Equatable {
    /// Number of sources S to separate into, ≥ 1.
    public var sourceCount: Int
    /// Number of NMF components K (≥ S). With K = S each component is one source.
    public var componentCount: Int
    /// STFT settings (default: fft 2048, hop 512, periodic Hann).
    public var stft: STFTConfiguration
    /// Maximum NMF iterations (default 200).
    public var maxIterations: Int
    /// Early-stop tolerance on the relative divergence decrease (default 0: off).
    public var tolerance: Float
    /// Seed of the NMF initialisation (default 0).
    public var seed: UInt64
    /// Exponent α of the generalised Wiener masks Λ_s^α / Σ_j Λ_j^α (default 1).
    public var maskPower: Float
    /// Worker threads (default: processor count); results do not depend on it.
    public var threadCount: Int
    /// How components are grouped into sources when K > S (default `.timbre`, as the command line).
    public var grouping: GroupingMethod
    /// Trained templates (bins × K_d each), one matrix per dictionary source: source d is
    /// made of those K_d fixed components; the remaining components are learned and grouped
    /// into the remaining `sourceCount − fixedTemplates.count` sources.
    public var fixedTemplates: [Matrix] = []
    /// The sample rate the `fixedTemplates` were trained at, when known (default nil;
    /// ``recommended(dictionaries:freeSources:seed:)`` sets it): a separation of audio at
    /// another rate is refused, since the templates' bins would mean other frequencies.
    public var templateSampleRate: Int?
    /// Weight λ ≥ 0 of Virtanen's (2007) scale-invariant sparseness penalty on the activations (default 0; see `NMF`);
    /// `sourceSparsity`, when set, replaces it.
    public var sparsity: Float = 0
    /// Weight ≥ 0 of Virtanen's (2007) temporal-continuity penalty on the activations (default 0; see `NMFConfiguration`);
    /// `sourceContinuity`, when set, replaces it.
    public var continuity: Float = 0
    /// One temporal-continuity weight per source known before the factorization, replacing
    /// `continuity` when not empty (default empty): one per trained dictionary (in the order of
    /// `fixedTemplates`), then, when there are free components, one more for all of them. Every
    /// component of a source gets its weight. For a stationary noise against speech: a weight on
    /// the noise dictionary only gained about 0.5 dB on the supervised development mixtures, where
    /// the same weight on every component loses (QUALITY.md). With a `.steady` `background`:
    /// two weights, the background's components' then the others' (see ``BackgroundModel``).
    /// Kullback–Leibler only.
    public var sourceContinuity: [Float] = []
    /// One sparseness weight per source known before the factorization, replacing `sparsity`
    /// when not empty (default empty), laid out as `sourceContinuity`: e.g. sparse activations
    /// for a speech dictionary only (QUALITY.md), or with a `.steady` `background` the
    /// background's weight then the others'. Kullback–Leibler only.
    public var sourceSparsity: [Float] = []
    /// The divergence the NMF minimises (default Kullback–Leibler; see `Divergence`).
    public var divergence: Divergence = .kullbackLeibler
    /// Exponent ω of the NMF's multiplicative steps, 0 < ω < 2 (default 1; see `NMFConfiguration.stepExponent`).
    public var stepExponent: Float = 1
    /// How the NMF starts (default seeded random with multi-start; or NNDSVDa).
    public var initialization: InitializationMethod = .random
    /// Frames per streaming chunk when reading, masking and resynthesising (default
    /// `defaultChunkFrames(hop:)` of the present `stft`: 512, fewer for long hops). The outputs
    /// do not depend on it.
    public var chunkFrames: Int {
        get { chosenChunkFrames ?? Self.defaultChunkFrames(hop: stft.hopLength) }
        set { chosenChunkFrames = newValue }
    }
    /// `chunkFrames` when given (else it follows the hop).
    private var chosenChunkFrames: Int?
    /// Factorizations whose masks are averaged, 1...`maxEnsembleSize` (default 1). Run r starts
    /// from seed `seed + r` (modulo 2⁶⁴); each run's sources are matched to the first run's (see
    /// `EnsembleAlignment`), then every source's mask is the mean of the runs' masks. N runs cost
    /// N factorizations and N mask evaluations per frame; the STFTs are shared.
    public var ensembleSize: Int = 1
    /// Factorize the channels of a multichannel input jointly (default false): V stacks the
    /// channels' magnitude spectrograms and every component gets one spectrum and one level per
    /// channel (a non-negative tensor factorization, FitzGerald et al. 2005; `ChannelTiedBasis`),
    /// and each channel is masked with its own models. Sources placed differently in the stereo
    /// image then separate far better (QUALITY.md); V, and the time per iteration, grow C-fold.
    /// Trained templates (`fixedTemplates`) keep their spectra and learn their gains.
    /// Kullback–Leibler only; no effect on mono input. The command line turns it on by default
    /// for stereo KL input whose stacked spectrograms take at most 1 GiB and that fits in
    /// memory (`--no-spatial` turns it off); ``recommended(sourceCount:stft:seed:)`` leaves it
    /// false, since it cannot see the input.
    public var spatial: Bool = false
    /// Whether one source is modelled as a steady background (default `.none`; the command
    /// line's default is `.automatic`). See ``BackgroundModel``; `Separator` decides
    /// `.automatic` from the mixture (``resolvingBackground(floor:frames:)``).
    public var background: BackgroundModel = .none
    /// Whether a separation with `background` `.none` still measures the mixture's background
    /// floor for its report (``SeparationReport/backgroundFloor``), so that a caller that turned
    /// the automatic model off (the command line does for a penalty option or over-relaxed
    /// steps) can say when the mixture would have taken it (default false; the model is not used).
    public var reportsBackgroundFloor: Bool = false
    /// The largest `ensembleSize` accepted.
    public static let maxEnsembleSize = 32
    /// The largest `chunkFrames` accepted (a chunk holds about 2·bins·chunkFrames floats per channel).
    public static let maxChunkFrames = 65_536

    /// Frames per chunk for a hop of `hop` samples: 512, fewer for long hops so that a chunk
    /// spans at most 2²⁰ samples (4 MiB a buffer), and at least 16. Each (source, channel) pair
    /// holds about six chunks of samples while masking and resynthesising: at fft 65536, hop
    /// 16384, 512 frames were 190 s of audio a chunk, and 16 stereo sources of a 4-minute file
    /// took 7.8 GB (1.2 GB with 64 frames).
    /// - Parameter hop: the STFT hop in samples, ≥ 1.
    public static func defaultChunkFrames(hop: Int) -> Int { max(16, min(512, (1 << 20) / max(hop, 1))) }

    /// Validates and creates a configuration of the plain model (K = `componentCount`, no steady
    /// background); ``recommended(sourceCount:stft:seed:)`` gives the measured defaults instead.
    /// - Parameters:
    ///   - sourceCount: S, the sources to separate into, ≥ 1.
    ///   - componentCount: K ≥ S, the NMF components (nil: K = S).
    ///   - stft: the analysis (default fft 2048, hop 512, periodic Hann).
    ///   - maxIterations: NMF iterations, 0 to `NMFConfiguration.maxIterationLimit`.
    ///   - tolerance: early stop on the relative decrease of the divergence, 0 ≤ T < 1 (0: off).
    ///   - seed: seed of the initialisation (same seed, same output).
    ///   - maskPower: α of the masks Λ_s^α / Σ_j Λ_j^α, 0 < α ≤ 10.
    ///   - threadCount: worker threads, 1 to `NMFConfiguration.maxThreadCount` (results do not depend on it).
    ///   - grouping: how K > S components become sources.
    ///   - chunkFrames: frames per streaming chunk, 1 to ``maxChunkFrames`` (nil: follows the hop,
    ///     ``defaultChunkFrames(hop:)``).
    /// - Throws: `SeparationError.invalidParameter` naming the offending value.
    public init(sourceCount: Int, componentCount: Int? = nil, stft: STFTConfiguration = .standard,
                maxIterations: Int = 200, tolerance: Float = 0, seed: UInt64 = 0, maskPower: Float = 1,
                threadCount: Int = Parallel.defaultThreadCount, grouping: GroupingMethod = .timbre,
                chunkFrames: Int? = nil) throws {
        guard sourceCount >= 1 else {
            throw SeparationError.invalidParameter(name: "--sources", value: "\(sourceCount)", allowed: "1 or more")
        }
        let k = componentCount ?? sourceCount
        guard k >= sourceCount else {
            throw SeparationError.invalidParameter(name: "--components", value: "\(k)", allowed: "at least the number of sources, \(sourceCount)")
        }
        // (Checked here as the NMF checks them, so that they fail before the analysis pass.)
        guard maxIterations >= 0, maxIterations <= NMFConfiguration.maxIterationLimit else {
            throw SeparationError.invalidParameter(name: "--iterations", value: "\(maxIterations)", allowed: "0 to \(NMFConfiguration.maxIterationLimit)")
        }
        guard tolerance.isFinite, tolerance >= 0, tolerance < 1 else {
            throw SeparationError.invalidParameter(name: "--tolerance", value: "\(tolerance)", allowed: "0 ≤ T < 1")
        }
        guard maskPower.isFinite, maskPower > 0, maskPower <= 10 else {
            throw SeparationError.invalidParameter(name: "--mask-power", value: "\(maskPower)", allowed: "0 < A ≤ 10")
        }
        if let chunkFrames, chunkFrames < 1 || chunkFrames > Self.maxChunkFrames {
            throw SeparationError.invalidParameter(name: "chunkFrames", value: "\(chunkFrames)", allowed: "1 to \(Self.maxChunkFrames)")
        }
        guard threadCount >= 1, threadCount <= NMFConfiguration.maxThreadCount else {
            throw SeparationError.invalidParameter(name: "threadCount", value: "\(threadCount)", allowed: "1 to \(NMFConfiguration.maxThreadCount)")
        }
        self.sourceCount = sourceCount
        self.componentCount = k
        self.stft = stft
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.maskPower = maskPower
        self.threadCount = threadCount
        self.chosenChunkFrames = chunkFrames
        self.grouping = grouping
    }
}
