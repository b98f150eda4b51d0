import DSPCore

/// Non-negative matrix factorization with the Kullback–Leibler divergence by
/// multiplicative updates (Lee & Seung 2001), fused, multithreaded and deterministic; with
/// `configuration.divergence` set to another β-divergence, the majorisation–minimisation
/// updates of Févotte & Idier (2011) (see `Divergence`) on the same frame chunks.
///
/// One iteration: H ← H ⊙ [Wᵀ(V ⊘ WH)] ⊘ (Wᵀ1); W ← W ⊙ [(V ⊘ WH)Hᵀ] ⊘ (1Hᵀ); then each
/// column of W is scaled to sum to one and the matching row of H by the inverse factor,
/// so W·H is unchanged. With `sparsity` λ > 0 the activations also pay Virtanen's (2007)
/// scale-invariant sparseness cost λ·Σ_k Σ_n h_kn/σ_k (σ_k the RMS of row k), its gradient
/// split into the MU numerator and denominator and scaled by the row mean so that λ is
/// dimensionless. (A plain L1 penalty λ·ΣH would not do: with columns of W summing to one,
/// ΣH = Σ(WH), and for KL it only rescales the solution.) λ is floored at ε = 10⁻⁹·mean(V) (at least the smallest normal
/// float); W and H are floored at 10⁻¹⁸ so that no value becomes denormal or stuck at 0.
///
/// The frames are cut into a fixed number of chunks that depends only on N; the W
/// accumulators of the chunks are added in chunk order, so results are identical to
/// the last bit whatever `threadCount` is.
///
/// - Complexity: O(F·N·K) time per iteration (V read once); memory O((F + N)·K + c·F·K) besides
///   V, for the W accumulators of c ≤ 16 frame chunks (`factorBytes` bounds it).
public struct NMF: Sendable {
    /// The settings.
    public let configuration: NMFConfiguration

    /// Value floor of W and H.
    static let valueFloor: Float = 1e-18
    /// The trained templates' activations start at this fraction of the learned components'
    /// scale: about the balance the level-dependent start had at the levels of real recordings.
    /// Measured with one dictionary and free components (`Scripts/supervised-quality.py`, means of
    /// seeds 0–2 on the development / held-out supervised mixtures): 1 / 0.3 / 0.1 / 0.02 gave
    /// 6.27 / 6.32 / 6.35 / 6.47 and 6.09 / 6.11 / 6.16 / 6.13 dB with the speech's dictionary
    /// (the level-dependent start: 6.46 and 6.17); with the noise's (seeds 0–1), 0.02 gave 3.22
    /// and 4.49 against 2.51 and 4.05.
    static let fixedActivationScale: Float = 0.02
    /// Maximum number of reduction chunks.
    static let maxChunks = 16

    /// Creates a solver.
    public init(configuration: NMFConfiguration) {
        self.configuration = configuration
    }

    /// Factorizes V (bins × frames) from the configured start: seeded random (the best of
    /// `restarts` short trials) or NNDSVDa (`NMFConfiguration.initialization`).
    ///
    /// - Parameters:
    ///   - v: the non-negative matrix V, bins × frames; never modified.
    ///   - progress: called after every iteration; return `false` to cancel.
    /// - Returns: W (bins × K), H (K × frames), the iteration count and the divergence history.
    /// - Throws: `FactorizationError` for invalid input, K > frames, or cancellation.
    public func factorize(_ v: Matrix, progress: ((NMFProgress) -> Bool)? = nil) throws -> NMFResult {
        try factorize(v, fixedBasis: nil, progress: progress)
    }

    /// Factorizes V (bins × frames) with the first columns of W held fixed (semi-supervised NMF).
    ///
    /// - Parameters:
    ///   - v: V, bins × frames; never modified.
    ///   - fixedBasis: trained templates, bins × K_f with K_f ≤ K, each column summing to one
    ///     (they are normalised here if not); they stay unchanged while the other K − K_f
    ///     columns and all of H are learned. With `channelCount` C > 1 they must be tied
    ///     (`ChannelTiedBasis.stack`, C·F rows): their spectra stay unchanged and their channel
    ///     gains are learned. `nil` learns all of W. K_f may exceed the frames (each frame's
    ///     activations are solved on their own); the learned K − K_f may not.
    ///   - progress: called after every iteration; return `false` to cancel.
    public func factorize(_ v: Matrix, fixedBasis: Matrix?, progress: ((NMFProgress) -> Bool)? = nil) throws -> NMFResult {
        try validate(v, fixedColumns: fixedBasis?.columns ?? 0)
        if let fb = fixedBasis {
            try Self.validateFactor(fb, name: "fixed templates")
            for c in 0..<fb.columns {
                if let problem = Self.fixedTemplateProblem(fb.column(c)) {
                    throw FactorizationError.invalidInput("fixed template \(c + 1) \(problem)")
                }
            }
        }
        // mean(V) sets the ε floor (KL) or the working scale (β); taken once for the states made below.
        let mean = v.mean
        let k = configuration.componentCount
        let fixed = fixedBasis?.columns ?? 0
        if let fb = fixedBasis {
            guard fb.rows == v.rows, fb.columns <= k else {
                throw FactorizationError.invalidInput("fixed templates are \(fb.rows) × \(fb.columns); need \(v.rows) rows and at most \(k) columns")
            }
        }
        let trial = min(configuration.restartIterations, configuration.maxIterations)
        if configuration.restarts <= 1 || trial == 0 || configuration.initialization == .nndsvda {
            let (w, h) = start(v, seed: configuration.seed, fixedBasis: fixedBasis)
            return try factorize(v, initialBasis: w, initialActivations: h, iterationOffset: 0, fixedColumns: fixed,
                                 mean: mean, progress: progress)
        }
        // Trials on every stride-th frame (see `restartFrameStride`); the first start's
        // divergence on all of V is still what the history reports at iteration 0.
        let stride = v.columns / max(configuration.restartFrameStride, 1) >= max(64, 4 * k) ? configuration.restartFrameStride : 1
        // Progress in full-iteration equivalents: a trial iteration costs 1/stride of one.
        let trialWork = Double(configuration.restarts * trial) / Double(stride)
        let totalWork = trialWork + Double(configuration.maxIterations - trial)
        let (best, initialDivergence) = try bestTrial(v, fixedBasis: fixedBasis, mean: mean, stride: stride, iterations: trial) { done in
            progress?(NMFProgress(iteration: 0, maxIterations: configuration.maxIterations, fraction: done / Double(stride) / totalWork)) ?? true
        }
        let bestH = stride > 1 ? best.h.columnsRepeated(by: stride, count: v.columns) : best.h
        var result = try factorize(v, initialBasis: best.w, initialActivations: bestH, iterationOffset: trial,
                                   fixedColumns: fixed, mean: mean, progress: progress.map { report in
                                       { p in
                                           var p = p
                                           p.fraction = (trialWork + Double(p.iteration - trial)) / max(totalWork, 1)
                                           return report(p)
                                       }
                                   })
        result.divergenceHistory.insert(DivergenceSample(iteration: 0, value: initialDivergence), at: 0)
        return result
    }

    /// W and H from `seed` by the configured initialisation, the trained templates (normalised)
    /// in the first columns of W.
    private func start(_ v: Matrix, seed: UInt64, fixedBasis: Matrix?) -> (Matrix, Matrix) {
        let k = configuration.componentCount, fixed = fixedBasis?.columns ?? 0
        var (w, h) = configuration.initialization == .nndsvda
            ? NMFInitialization.nndsvda(for: v, components: k, seed: seed, leading: fixed, threads: configuration.threadCount)
            : NMFInitialization.random(for: v, components: k, seed: seed)
        if let fb = fixedBasis {
            for c in 0..<fb.columns {
                // The start's mass of this column moves to its activations, as `normalizeBasis`
                // moves the learned columns' mass, times `fixedActivationScale`: the activations
                // then start proportional to V's level (they started at √(mean/K) against the
                // learned ones' mean·F/K, so the separation depended on the input's level).
                var mass: Float = 0
                for i in 0..<v.rows { mass += w[i, c] }
                mass *= Self.fixedActivationScale
                if mass > 0 && mass.isFinite {
                    for j in 0..<h.columns { h[c, j] = max(h[c, j] * mass, Self.valueFloor) }
                }
                let col = fb.column(c)
                let total = max(col.reduce(0, +), Float.leastNormalMagnitude)
                for i in 0..<v.rows { w[i, c] = max(col[col.startIndex + i] / total, Self.valueFloor) }
            }
        }
        return (w, h)
    }

    /// Multi-start: `restarts` short runs of `iterations` on every `stride`-th frame, from
    /// different seeds; the one with the lowest divergence goes on. KL-NMF has local minima,
    /// and a bad start is rarely recovered.
    /// - Parameter progress: gets the trial iterations done so far; return `false` to cancel.
    /// - Returns: the best trial's state and the first start's divergence on all of V.
    private func bestTrial(_ v: Matrix, fixedBasis: Matrix?, mean: Double, stride: Int, iterations trial: Int,
                           progress: (Double) -> Bool) throws -> (state: any NMFState, initialDivergence: Double) {
        let fixed = fixedBasis?.columns ?? 0
        var best: (any NMFState)?
        var bestDivergence = Double.infinity
        var initialDivergence = Double.nan
        // Each state works at the level of the frames it factorizes (the ε floor, the β scale).
        let trialMean = stride > 1 ? v.meanOfColumns(strided: stride) : mean
        for r in 0..<configuration.restarts {
            let seed = configuration.seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15
            let (w, h) = start(v, seed: seed, fixedBasis: fixedBasis)
            if r == 0 && stride > 1 {
                var full = makeState(v, w: w, h: h, fixedColumns: fixed, mean: mean)
                full.normalizeBasis()
                initialDivergence = full.divergence()
            }
            // Plain steps: over-relaxed ones are watched for a rise only where the divergence is
            // measured, which the trials do once (at ω = 1.9 they had ended above their start).
            var state = makeState(v, w: w, h: stride > 1 ? h.columnsStrided(by: stride) : h, fixedColumns: fixed, frameStride: stride,
                                  mean: trialMean, stepExponent: 1)
            state.normalizeBasis()
            for it in 0..<trial {
                let d = state.iterate(measureDivergence: it == 0)
                if it == 0 && r == 0 && stride == 1 { initialDivergence = d }
                guard progress(Double(r * trial + it + 1)) else { throw FactorizationError.cancelled }
            }
            let d = state.divergence()
            if d < bestDivergence {
                bestDivergence = d
                best = state
            }
        }
        guard let best else {
            throw FactorizationError.invalidInput("every start diverged (NaN divergence); the values of V may be too large for float32")
        }
        return (best, initialDivergence)
    }

    /// Factorizes V starting from given W (bins × K) and H (K × frames).
    public func factorize(_ v: Matrix, initialBasis: Matrix, initialActivations: Matrix,
                          progress: ((NMFProgress) -> Bool)? = nil) throws -> NMFResult {
        try validate(v)
        try Self.validateFactor(initialBasis, name: "initial W")
        try Self.validateFactor(initialActivations, name: "initial H")
        return try factorize(v, initialBasis: initialBasis, initialActivations: initialActivations, iterationOffset: 0,
                             fixedColumns: 0, mean: v.mean, progress: progress)
    }

    /// The main loop, counting iterations from `iterationOffset` (iterations already spent), on a
    /// V that the public entry points have validated and whose `mean` they have taken.
    func factorize(_ v: Matrix, initialBasis: Matrix, initialActivations: Matrix, iterationOffset: Int,
                   fixedColumns: Int, mean: Double, progress: ((NMFProgress) -> Bool)?) throws -> NMFResult {
        let k = configuration.componentCount
        guard initialBasis.rows == v.rows, initialBasis.columns == k,
              initialActivations.rows == k, initialActivations.columns == v.columns else {
            throw FactorizationError.invalidInput("initial W must be \(v.rows) × \(k) and H \(k) × \(v.columns)")
        }
        var state = makeState(v, w: initialBasis, h: initialActivations, fixedColumns: fixedColumns, mean: mean)
        state.normalizeBasis()
        var history: [DivergenceSample] = []
        var initial: Double = .nan
        var iterations = iterationOffset
        let interval = configuration.divergenceInterval
        var fallback: Int?
        for it in (iterationOffset + 1)..<(configuration.maxIterations + 1) {
            let measure = (it - 1) % interval == 0
            let exponent = state.stepExponent
            let d = state.iterate(measureDivergence: measure)
            iterations = it
            // Iteration `it` ran with `exponent`; a rise measured in it switches the next ones to ω = 1.
            if exponent != 1 && state.stepExponent == 1 { fallback = it }
            if measure {
                // d is the divergence after it − 1 iterations (measured during this H pass).
                history.append(DivergenceSample(iteration: it - 1, value: d))
                if it == iterationOffset + 1 { initial = d }
                // The rise that ended the over-relaxed steps is not convergence: the run goes on at ω = 1.
                if configuration.tolerance > 0, history.count >= 2, fallback != it {
                    let decrease = (history[history.count - 2].value - d) / max(initial, Double.leastNormalMagnitude)
                    if decrease < Double(configuration.tolerance) { break }
                }
            }
            let fraction = Double(it) / Double(max(configuration.maxIterations, 1))
            if let progress, !progress(NMFProgress(iteration: it, maxIterations: configuration.maxIterations, fraction: fraction)) {
                throw FactorizationError.cancelled
            }
        }
        let final = state.divergence()
        guard !final.isNaN else {
            throw FactorizationError.invalidInput("the factorization diverged (NaN divergence); the values of V or the penalty weights may be too large for float32")
        }
        if history.last?.iteration != iterations { history.append(DivergenceSample(iteration: iterations, value: final)) }
        return NMFResult(basis: state.w, activations: state.h, iterations: iterations, divergenceHistory: history,
                         stepExponentFallbackIteration: fallback)
    }

    /// The state of the configured divergence: the fused KL kernels, or the β updates.
    /// - Parameters:
    ///   - frameStride: factorize every `frameStride`-th frame of V only, read in place (H has
    ///     that many columns).
    ///   - mean: the mean of the frames factorized, computed once by the caller.
    ///   - stepExponent: the KL steps' exponent; the configuration's by default.
    func makeState(_ v: Matrix, w: Matrix, h: Matrix, fixedColumns: Int, frameStride: Int = 1, mean: Double,
                   stepExponent: Float? = nil) -> any NMFState {
        if configuration.divergence == .kullbackLeibler {
            var state = KLState(v: v, w: w, h: h, threads: configuration.threadCount, fixedColumns: fixedColumns,
                                frameStride: frameStride, mean: mean, channels: configuration.channelCount)
            state.sparsity = configuration.sparsityWeights
            state.continuity = configuration.continuityWeights
            state.stepExponent = stepExponent ?? configuration.stepExponent
            return state
        }
        return BetaState(v: v, w: w, h: h, threads: configuration.threadCount, divergence: configuration.divergence,
                         fixedColumns: fixedColumns, frameStride: frameStride, mean: mean)
    }

    /// The divergence D(V‖W·H) (by default KL: Σ V log(V/Λ) − V + Λ), Λ = W·H floored at ε;
    /// NaN when the shapes do not fit (W bins × K, H K × frames, V bins × frames).
    /// - Complexity: O(F·N·K).
    public static func divergence(_ v: Matrix, basis w: Matrix, activations h: Matrix,
                                  divergence: Divergence = .kullbackLeibler) -> Double {
        guard w.rows == v.rows, w.columns == h.rows, h.columns == v.columns, w.columns >= 1 else { return .nan }
        if divergence == .kullbackLeibler {
            return KLState(v: v, w: w, h: h, threads: Parallel.defaultThreadCount).divergence()
        }
        return BetaState(v: v, w: w, h: h, threads: Parallel.defaultThreadCount, divergence: divergence).divergence()
    }
}
