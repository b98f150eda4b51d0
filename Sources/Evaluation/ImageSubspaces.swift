import DSPCore

/// The subspaces of the image metrics (`BSSEval.evaluateImages`): for each true source j the span
/// of its non-silent channels delayed by 0…L−1 samples, and the span of every source's, with the
/// correlations and Cholesky factors of their Gram matrices — computed once, then used for the
/// projection energies (quadratic forms) or for the projection filters themselves (solves).
///
/// References are scaled to unit norm per channel and estimates per source (over their channels)
/// inside the correlations; `energy` and `filters` undo the scaling.
struct ImageSubspaces {
    /// C, the channel count of every signal.
    let channels: Int
    /// J, the number of sources (and of estimates).
    let sourceCount: Int
    /// ‖r_a‖ of each reference channel a = j·C + c.
    let referenceNorms: [Double]
    /// ‖ŝ_e‖² summed over the channels of estimate e.
    let estimateEnergy: [Double]
    /// Per source j, the reference channels (indices j·C + c) that are not silent.
    let spans: [[Int]]
    /// Every span, source after source.
    let everything: [Int]
    private let stats: CorrelationStatistics
    /// The factors of the per-source Gram matrices, then (index J) that of all sources.
    private let factors: [CholeskyFactor]

    /// Correlates and factors.
    /// - Parameters:
    ///   - references: J sources × C channels × T samples (validated by the caller).
    ///   - estimates: J sources × C channels × T samples.
    ///   - filterLength: L.
    /// - Complexity: dominated by the (J·C·L)² Cholesky, O((J·C·L)³/3).
    init(references: [[[Float]]], estimates: [[[Float]]], filterLength l: Int) {
        let j = references.count, channels = references[0].count
        self.channels = channels
        sourceCount = j
        let flatReferences = references.flatMap { $0 }, flatEstimates = estimates.flatMap { $0 }
        referenceNorms = flatReferences.map { SignalSums.dot($0, $0).squareRoot() }
        let energy = estimates.map { $0.reduce(0.0) { $0 + SignalSums.dot($1, $1) } }
        estimateEnergy = energy
        let estimateScales = estimates.indices.flatMap { e in
            [Double](repeating: energy[e] > 0 ? 1 / energy[e].squareRoot() : 0, count: channels)
        }
        let norms = referenceNorms
        let stats = CorrelationStatistics(references: flatReferences, estimates: flatEstimates,
                                          referenceScales: norms.map { $0 > 0 ? 1 / $0 : 0 },
                                          estimateScales: estimateScales, filterLength: l)
        let spans = (0..<j).map { i in (0..<channels).map { i * channels + $0 }.filter { norms[$0] > 0 } }
        let everything = spans.flatMap { $0 }
        var factors = spans.map { BSSEval.gramFactor(stats, signals: $0) }
        factors.append(j > 1 ? BSSEval.gramFactor(stats, signals: everything) : factors[0])
        self.stats = stats
        self.spans = spans
        self.everything = everything
        self.factors = factors
    }

    /// The signals spanning target `t`: source t's channels for t < J, every source's for t = J.
    func signals(_ t: Int) -> [Int] { t < sourceCount ? spans[t] : everything }

    /// ‖P_t ŝ_e‖², summed over the estimate's channels (t < J: source t's span; t = J: all).
    func energy(target t: Int, estimate e: Int) -> Double {
        (0..<channels).reduce(0.0) { sum, c in
            sum + factors[t].quadraticForm(BSSEval.rightHandSide(stats, signals: signals(t), estimate: e * channels + c))
        } * estimateEnergy[e]
    }

    /// The projection filters of channel c of estimate e onto target t: one L-tap filter per
    /// signal a of `signals(t)`, to be applied to the raw reference channel a, so that
    /// P_t ŝ_{e,c} = Σ_a h_a ∗ r_a.
    func filters(target t: Int, estimate e: Int, channel c: Int) -> [[Double]] {
        let l = stats.filterLength
        let x = factors[t].solve(BSSEval.rightHandSide(stats, signals: signals(t), estimate: e * channels + c))
        let scale = estimateEnergy[e].squareRoot()
        return signals(t).enumerated().map { i, a in
            x[(i * l)..<((i + 1) * l)].map { $0 * scale / referenceNorms[a] }
        }
    }
}
