import DSPCore

/// The outcome of a factorization V ≈ W·H.
public struct NMFResult: Sendable {
    /// W, the spectral templates: bins × K, each column summing to one.
    public var basis: Matrix
    /// H, the activations: K × frames.
    public var activations: Matrix
    /// Number of iterations run (fewer than the maximum when the tolerance stopped it).
    public var iterations: Int
    /// The divergence D(V‖W·H) after the given iteration, recorded every `divergenceInterval`
    /// iterations and after the last one. Entry 0 is the start's (with several random starts,
    /// the first start's on all frames, while the start that goes on is chosen after the
    /// trials; so entries 0 and `restartIterations` may come from different starts).
    public var divergenceHistory: [DivergenceSample]
    /// With a step exponent ω ≠ 1 (`NMFConfiguration.stepExponent`): the iteration after which a
    /// measured rise of the divergence switched the steps back to ω = 1 for good; `nil` when
    /// ω = 1 was asked for or the divergence never rose. The rise does not end the run under a
    /// `tolerance`: it goes on at ω = 1.
    public var stepExponentFallbackIteration: Int? = nil

    /// The divergence after the last iteration.
    public var finalDivergence: Double { divergenceHistory.last?.value ?? .nan }
}

/// One point of the divergence history.
public struct DivergenceSample: Sendable, Equatable {
    /// Iterations completed when the divergence was measured.
    public var iteration: Int
    /// The divergence D(V‖W·H).
    public var value: Double
}

/// What the solver reports after every iteration.
public struct NMFProgress: Sendable {
    /// Iterations completed.
    public var iteration: Int
    /// The maximum number of iterations.
    public var maxIterations: Int
    /// Share of the whole factorization's work done, 0…1, counting the short runs of the
    /// multi-start initialisation (during which `iteration` stays 0).
    public var fraction: Double

    /// Progress after `iteration` of `maxIterations`, `fraction` of the work done.
    public init(iteration: Int, maxIterations: Int, fraction: Double) {
        self.iteration = iteration
        self.maxIterations = maxIterations
        self.fraction = fraction
    }
}
