import DSPCore
import Factorization

/// Seconds spent in each stage of a separation.
public struct StageTimings: Sendable, Equatable {
    /// Reading samples (both passes).
    public var read: Double = 0
    /// Forward STFTs and magnitudes (both passes).
    public var stft: Double = 0
    /// The factorization (all of them with an ensemble; not the grouping into sources).
    public var nmf: Double = 0
    /// Grouping the components into sources (and matching an ensemble's runs): milliseconds
    /// usually, seconds with hundreds of components.
    public var grouping: Double = 0
    /// Masks and inverse STFT with overlap-add.
    public var masksAndInverse: Double = 0
    /// Handing samples to the sinks (encoding and writing files).
    public var write: Double = 0

    /// Creates zero timings.
    public init() {}
}

/// One factorization of a separation and the grouping of its components into the sources.
public struct SeparationRun: Sendable {
    /// The factorization (W: bins × K, H: K × frames, divergence history).
    public var factorization: NMFResult
    /// The components of each source, in the order of the separation's sources.
    public var groups: [[Int]]
    /// The seed the factorization started from.
    public var seed: UInt64
    /// With `SeparationConfiguration.spatial` on a multichannel input: each component's level in
    /// each channel, channels × K, every column summing to one (`ChannelTiedBasis`); the masks of
    /// channel c then use the models Σ_{k∈s} gain[c, k]·W[:, k]·H[k, :]. `nil`: one model for all channels.
    public var channelGains: Matrix?

    /// A factorization with its groups, seed and (for a spatial separation) channel gains.
    public init(factorization: NMFResult, groups: [[Int]], seed: UInt64, channelGains: Matrix? = nil) {
        self.factorization = factorization
        self.groups = groups
        self.seed = seed
        self.channelGains = channelGains
    }
}

/// What a separation did: shapes, the factorization outcome and timings.
public struct SeparationReport: Sendable {
    /// Frequency bins F.
    public var bins: Int
    /// STFT frames N.
    public var frames: Int
    /// NMF components K.
    public var components: Int
    /// Which components make up each source: `groups[s]` lists component indices.
    public var groups: [[Int]]
    /// The factorization (W: bins × K, H: K × frames, divergence history).
    public var factorization: NMFResult
    /// Seconds per stage.
    public var timings: StageTimings
    /// Every factorization whose masks were averaged (`SeparationConfiguration.ensembleSize`;
    /// one without an ensemble): the first is `factorization` with `groups`, the groups of the
    /// others are ordered to match the first's sources.
    public var runs: [SeparationRun]
    /// The settings the separation ran with: the separator's, with `background` decided
    /// (`.steady` or `.none`, never `.automatic`) and, for a steady background, its penalty weights.
    public var configuration: SeparationConfiguration
    /// ``SteadyBackground/floor(of:)`` of the mixture's spectrogram, measured when the run could
    /// use the model or was asked to report it (``SeparationConfiguration/measuresBackgroundFloor(frames:)``), else nil.
    public var backgroundFloor: Float?
}

/// Progress of a separation, reported through the `Separator`'s callback.
public struct SeparationProgress: Sendable {
    /// The pipeline stage.
    public enum Stage: String, Sendable {
        /// Reading the input and computing the magnitude spectrogram V.
        case analysis
        /// The NMF of V (including the multi-start initialisation).
        case factorization
        /// Masking every channel's STFT, inverse STFT and writing the sources.
        case synthesis
    }
    /// The current stage.
    public var stage: Stage
    /// Fraction of the stage done, 0...1.
    public var fraction: Double
}
