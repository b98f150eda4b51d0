/// The BSS Eval and SI-SDR scores of a set of estimates, one value per reference, in decibels.
///
/// Entry `i` of every array belongs to reference `i`, scored against estimate
/// `permutation[i]`. Unless a clamp was asked for, values may be `+infinity` (no error at all,
/// as for a perfect estimate, though rounding usually leaves ≈ 140 dB) or `-infinity` (a
/// silent estimate). With a single source the SIR is `+infinity`: there is no other
/// reference to interfere.
public struct SeparationScores: Sendable, Equatable {
    /// Signal-to-distortion ratio 10·log₁₀(‖s_target‖² / ‖e_interf + e_artif‖²) (Vincent et al. 2006).
    public var sdr: [Double]
    /// Signal-to-interference ratio 10·log₁₀(‖s_target‖² / ‖e_interf‖²) (Vincent et al. 2006).
    public var sir: [Double]
    /// Signal-to-artifacts ratio 10·log₁₀(‖s_target + e_interf‖² / ‖e_artif‖²) (Vincent et al. 2006).
    public var sar: [Double]
    /// Scale-invariant SDR 10·log₁₀(‖αs‖² / ‖αs − ŝ‖²), α = ⟨ŝ, s⟩/‖s‖² (Le Roux et al. 2019).
    public var siSDR: [Double]
    /// For each reference `i`, the index of the estimate it was scored against.
    public var permutation: [Int]

    /// Creates scores from their parts (all arrays have one entry per reference).
    /// - Parameters:
    ///   - sdr: SDR per reference, dB.
    ///   - sir: SIR per reference, dB.
    ///   - sar: SAR per reference, dB.
    ///   - siSDR: SI-SDR per reference, dB.
    ///   - permutation: the estimate index matched to each reference.
    public init(sdr: [Double], sir: [Double], sar: [Double], siSDR: [Double], permutation: [Int]) {
        self.sdr = sdr
        self.sir = sir
        self.sar = sar
        self.siSDR = siSDR
        self.permutation = permutation
    }

    /// The number of references scored.
    public var count: Int { sdr.count }

    /// The arithmetic mean of each metric over the references.
    public var mean: (sdr: Double, sir: Double, sar: Double, siSDR: Double) {
        (Self.mean(sdr), Self.mean(sir), Self.mean(sar), Self.mean(siSDR))
    }

    /// The gain of these scores over `baseline`, reference by reference (self − baseline), for
    /// example the improvement over the mixture (`BSSEval.evaluateMixture`): SDRi, SIRi, SI-SDRi.
    ///
    /// The mixture holds no artifacts, only the other sources, so its SAR is +∞ or very high
    /// (about 150 dB in float32): a SAR "improvement" over it is −∞ or meaningless, and the
    /// command line reports only SDRi. The result keeps this value's permutation.
    /// - Parameter baseline: scores of the same references, in the same reference order.
    /// - Returns: the differences in dB.
    /// - Throws: `EvaluationError.baselineCountMismatch` when `baseline` scores another number of references.
    public func improvement(over baseline: SeparationScores) throws(EvaluationError) -> SeparationScores {
        if baseline.count != count { throw .baselineCountMismatch(scores: count, baseline: baseline.count) }
        let d = Self.difference
        return SeparationScores(sdr: d(sdr, baseline.sdr), sir: d(sir, baseline.sir), sar: d(sar, baseline.sar),
                                siSDR: d(siSDR, baseline.siSDR), permutation: permutation)
    }

    /// The arithmetic mean of per-reference scores (NaN for none) — shared with `ImageScores`.
    static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    /// a − b, reference by reference — shared with `ImageScores`.
    static func difference(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }
}
