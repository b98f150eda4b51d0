import DSPCore

/// How a factorization starts.
public enum InitializationMethod: String, Sendable, CaseIterable {
    /// Seeded random W and H; `restarts` short runs, the best one continues.
    case random
    /// NNDSVDa (Boutsidis & Gallopoulos 2008) from a seeded randomized SVD of V: one start.
    case nndsvda
}

/// Settings of a non-negative matrix factorization V ≈ W·H.
public struct NMFConfiguration: Sendable, Equatable {
    /// Number of components K (columns of W, rows of H), ≥ 1.
    public var componentCount: Int
    /// Maximum number of multiplicative-update iterations (default 200), ≥ 0.
    public var maxIterations: Int
    /// Stop when the relative decrease of the divergence, (previous − current) / initial,
    /// measured over `divergenceInterval` iterations, falls below this (default 0: run all iterations).
    public var tolerance: Float
    /// How often the divergence is evaluated and recorded, in iterations (default 10).
    /// Evaluation is fused into the H update but costs a logarithm per entry of V.
    public var divergenceInterval: Int
    /// Seed of the random initialisation (default 0); the same seed gives the same result.
    public var seed: UInt64
    /// Worker threads (default: the processor count). Results do not depend on it.
    public var threadCount: Int
    /// Weight λ ≥ 0 of the scale-invariant sparseness penalty on H (Virtanen 2007; default 0;
    /// Kullback–Leibler only). `componentSparsity`, when set, replaces it.
    public var sparsity: Float = 0
    /// Weight ≥ 0 of Virtanen's (2007) temporal-continuity penalty on H, Σ_k (1/σ_k²) Σ_n
    /// (h_kn − h_k,n−1)², scale-free (default 0; Kullback–Leibler only). `componentContinuity`,
    /// when set, replaces it.
    public var continuity: Float = 0
    /// One temporal-continuity weight per component (K values ≥ 0), replacing `continuity`
    /// when not empty (default empty). With trained templates this smooths some sources and
    /// not others: on speech against a trained noise dictionary, a weight on the noise
    /// templates only gained about 0.5 dB (QUALITY.md). Kullback–Leibler only.
    public var componentContinuity: [Float] = []
    /// One sparseness weight per component (K values ≥ 0), replacing `sparsity` when not empty
    /// (default empty): e.g. sparse activations for the templates of speech only. Kullback–Leibler only.
    public var componentSparsity: [Float] = []
    /// The continuity weight of every component: `componentContinuity`, or `continuity` K
    /// times; empty when every weight is 0 (no penalty).
    var continuityWeights: [Float] { Self.weights(componentContinuity, else: continuity, count: componentCount) }
    /// The sparseness weight of every component: `componentSparsity`, or `sparsity` K times;
    /// empty when every weight is 0 (no penalty).
    var sparsityWeights: [Float] { Self.weights(componentSparsity, else: sparsity, count: componentCount) }

    /// `perComponent`, or `shared` `count` times when it is empty; empty when every weight is 0.
    static func weights(_ perComponent: [Float], else shared: Float, count: Int) -> [Float] {
        let weights = perComponent.isEmpty ? [Float](repeating: shared, count: count) : perComponent
        return weights.contains { $0 != 0 } ? weights : []
    }
    /// The divergence minimised (default Kullback–Leibler, the fused fast path).
    public var divergence: Divergence = .kullbackLeibler
    /// Exponent ω of the multiplicative steps, 0 < ω < 2 (Kullback–Leibler only; default 1).
    ///
    /// ω = 1 is Lee & Seung's update, which never increases the divergence. Raising each
    /// update factor to ω > 1 over-relaxes the steps: the step-size exponent whose local
    /// stability Badeau, Bertin & Vincent (2010) analyse, stable up to 2 in the cases they
    /// prove (ω = 2 diverged in our runs). On a real spectrogram ω = 1.5 reached scikit-learn's
    /// 200-iteration divergence in 88–118 iterations where ω = 1 took 141–189 (K = 3…32,
    /// BENCHMARKS.md), but it separated worse on the development mixtures (QUALITY.md), so it
    /// is not the default. With ω > 1 descent is not guaranteed: the first rise of a measured
    /// divergence (every `divergenceInterval` iterations) switches the rest of the run to ω = 1.
    public var stepExponent: Float = 1
    /// How W and H start (default: seeded random with multi-start).
    public var initialization: InitializationMethod = .random
    /// Number of random starts tried (default 4); each runs `restartIterations` iterations
    /// and the one with the lowest divergence continues. 1 disables multi-start.
    public var restarts: Int
    /// Iterations of each trial start (default 10); they count towards `maxIterations`.
    public var restartIterations: Int
    /// The trial starts run on every `restartFrameStride`-th frame of V (default 4), which makes
    /// them that many times cheaper; the winner's activations are then held over the frames
    /// in between and all frames go on. The sampled frames are read in place. Used only while the sampled frames number at least
    /// 64 and 4·K; 1 runs the trials on all frames. On the development mixtures, strides 1, 4
    /// and 8 score within the seed-to-seed spread (QUALITY.md).
    public var restartFrameStride: Int = 4
    /// Channels C of a multichannel factorization (default 1: V is one spectrogram). With C > 1,
    /// V stacks C channel spectrograms of F = rows/C bins each (channel c in rows c·F ..< (c+1)·F)
    /// and W is tied across them, W[c·F + f, k] = spectrum[f, k]·gain[c, k] (FitzGerald et al.
    /// 2005; see `ChannelTiedBasis`): each component has one spectrum and one level per channel.
    /// Fixed columns (trained templates) keep their spectra and learn their gains.
    /// Kullback–Leibler only. Each iteration costs C times the single-channel one.
    public var channelCount: Int = 1

    /// The largest `maxIterations` accepted (the command line's `--iterations` limit too).
    public static let maxIterationLimit = 1_000_000

    /// The most worker threads accepted (as the command line's `--threads`).
    public static let maxThreadCount = 1024
    /// The largest penalty weight accepted (`sparsity`, `continuity` and their per-component
    /// lists): far beyond any useful weight (the command line allows 100), and small enough
    /// that the penalised updates stay finite in float32.
    public static let maxPenaltyWeight: Float = 10_000

    /// Validates and creates a configuration (KL divergence, seeded random start; the other
    /// settings are properties).
    /// - Parameters:
    ///   - componentCount: K, the templates, ≥ 1.
    ///   - maxIterations: 0 to ``maxIterationLimit``.
    ///   - tolerance: early stop on the relative decrease of the divergence over
    ///     `divergenceInterval` iterations, 0 ≤ T < 1 (0: run all iterations).
    ///   - divergenceInterval: iterations between measurements of the divergence, ≥ 1.
    ///   - seed: seed of the random start.
    ///   - threadCount: worker threads, 1 to ``maxThreadCount`` (results do not depend on it).
    ///   - restarts: random starts tried, 1 to 100; each runs `restartIterations` iterations and
    ///     the one with the least divergence continues.
    ///   - restartIterations: iterations of each trial start, ≥ 1.
    /// - Throws: `FactorizationError.invalidParameter` naming the value out of range.
    public init(componentCount: Int, maxIterations: Int = 200, tolerance: Float = 0,
                divergenceInterval: Int = 10, seed: UInt64 = 0,
                threadCount: Int = Parallel.defaultThreadCount, restarts: Int = 4, restartIterations: Int = 10) throws {
        guard componentCount >= 1 else {
            throw FactorizationError.invalidParameter(name: "components", value: "\(componentCount)", allowed: "1 or more")
        }
        guard maxIterations >= 0, maxIterations <= Self.maxIterationLimit else {
            throw FactorizationError.invalidParameter(name: "--iterations", value: "\(maxIterations)", allowed: "0 to \(Self.maxIterationLimit)")
        }
        guard tolerance.isFinite, tolerance >= 0, tolerance < 1 else {
            throw FactorizationError.invalidParameter(name: "--tolerance", value: "\(tolerance)", allowed: "0 ≤ T < 1")
        }
        guard divergenceInterval >= 1 else {
            throw FactorizationError.invalidParameter(name: "divergenceInterval", value: "\(divergenceInterval)", allowed: "1 or more")
        }
        guard threadCount >= 1, threadCount <= Self.maxThreadCount else {
            throw FactorizationError.invalidParameter(name: "threadCount", value: "\(threadCount)", allowed: "1 to \(Self.maxThreadCount)")
        }
        guard restarts >= 1, restarts <= 100 else {
            throw FactorizationError.invalidParameter(name: "restarts", value: "\(restarts)", allowed: "1 to 100")
        }
        guard restartIterations >= 1 else {
            throw FactorizationError.invalidParameter(name: "restartIterations", value: "\(restartIterations)", allowed: "1 or more")
        }
        self.restarts = restarts
        self.restartIterations = restartIterations
        self.componentCount = componentCount
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.divergenceInterval = divergenceInterval
        self.seed = seed
        self.threadCount = threadCount
    }
}
