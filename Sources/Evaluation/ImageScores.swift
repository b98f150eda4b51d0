/// The BSS Eval image scores of a set of multichannel estimates, one value per reference
/// source, in decibels (`BSSEval.evaluateImages`).
///
/// Entry `i` of every array belongs to reference source `i`, scored against estimate
/// `permutation[i]`. Each value sums the energies over the channels, as `bss_eval_images`
/// (Vincent, Gribonval & Févotte 2006) and BSS Eval v4 (museval) do. Unless a clamp was asked
/// for, values may be `±infinity` (see `SeparationScores`).
public struct ImageScores: Sendable, Equatable {
    /// Signal-to-distortion ratio 10·log₁₀(‖s_img‖² / ‖ŝ − s_img‖²): the estimate against the
    /// true source image itself, no distortion filter allowed.
    public var sdr: [Double]
    /// Image-to-spatial-distortion ratio 10·log₁₀(‖s_img‖² / ‖P_j ŝ − s_img‖²), P_j the projection
    /// onto the true source's channels delayed by 0…L−1 samples.
    public var isr: [Double]
    /// Signal-to-interference ratio 10·log₁₀(‖P_j ŝ‖² / ‖P ŝ − P_j ŝ‖²), P the projection onto every
    /// source's delayed channels.
    public var sir: [Double]
    /// Signal-to-artifacts ratio 10·log₁₀(‖P ŝ‖² / ‖ŝ − P ŝ‖²).
    public var sar: [Double]
    /// For each reference `i`, the index of the estimate it was scored against.
    public var permutation: [Int]

    /// Creates scores from their parts (all arrays have one entry per reference).
    /// - Parameters:
    ///   - sdr: SDR per reference, dB.
    ///   - isr: ISR per reference, dB.
    ///   - sir: SIR per reference, dB.
    ///   - sar: SAR per reference, dB.
    ///   - permutation: the estimate index matched to each reference.
    public init(sdr: [Double], isr: [Double], sir: [Double], sar: [Double], permutation: [Int]) {
        self.sdr = sdr
        self.isr = isr
        self.sir = sir
        self.sar = sar
        self.permutation = permutation
    }

    /// The number of references scored.
    public var count: Int { sdr.count }

    /// The arithmetic mean of each metric over the references.
    public var mean: (sdr: Double, isr: Double, sir: Double, sar: Double) {
        let m = SeparationScores.mean
        return (m(sdr), m(isr), m(sir), m(sar))
    }

    /// The gain of these scores over `baseline`, reference by reference (self − baseline), for
    /// example over the mixture (`BSSEval.evaluateImagesMixture`). Keeps this value's permutation.
    /// - Parameter baseline: scores of the same references, in the same reference order.
    /// - Returns: the differences in dB.
    /// - Throws: `EvaluationError.baselineCountMismatch` when `baseline` scores another number of references.
    public func improvement(over baseline: ImageScores) throws(EvaluationError) -> ImageScores {
        if baseline.count != count { throw .baselineCountMismatch(scores: count, baseline: baseline.count) }
        let d = SeparationScores.difference
        return ImageScores(sdr: d(sdr, baseline.sdr), isr: d(isr, baseline.isr), sir: d(sir, baseline.sir),
                           sar: d(sar, baseline.sar), permutation: permutation)
    }
}
