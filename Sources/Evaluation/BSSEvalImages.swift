import DSPCore

/// BSS Eval for multichannel sources: the image metrics SDR, ISR, SIR and SAR of
/// `bss_eval_images` (Vincent, Gribonval & Févotte, IEEE TASLP 14(4), 2006) with time-invariant
/// 512-tap distortion filters over the whole signal, as BSS Eval v4 computes them (museval's
/// `bss_eval` with `bsseval_sources_version=False`, one window; Stöter, Liutkus & Ito, "The 2018
/// Signal Separation Evaluation Campaign", LVA/ICA 2018) — the SiSEC measures for stereo, here
/// over one window spanning the signals (SiSEC reports the median over 1-second windows).
///
/// For true source images s_1…s_J (each C channels of T samples) and an estimated image ŝ:
/// - P_j ŝ: each channel of ŝ projected onto the span of all C channels of s_j delayed by 0…L−1;
/// - P ŝ: the same onto the delayed channels of every source;
/// - SDR = ‖s_j‖² / ‖ŝ − s_j‖², ISR = ‖s_j‖² / ‖P_j ŝ − s_j‖², SIR = ‖P_j ŝ‖² / ‖P ŝ − P_j ŝ‖²,
///   SAR = ‖P ŝ‖² / ‖ŝ − P ŝ‖² (in dB), every norm summed over the channels.
///
/// Unlike the source metrics (`evaluate`), the SDR and ISR compare the estimate with the true
/// image itself, so a wrong level or position in the stereo field counts as distortion.
/// The assignment of estimates to references maximises the mean SIR. A silent estimate scores
/// SDR = ISR = 0 dB and SIR = SAR = −∞ (as in `evaluate`; museval returns +∞ for that 0/0). The projections come from
/// normal equations, as in `evaluate`; silent channels of a reference are left out of its span,
/// and ‖P_j ŝ − s_j‖² = ‖P_j ŝ‖² − 2⟨ŝ, s_j⟩ + ‖s_j‖² (s_j lies in the span), so an ISR above
/// about 100 dB is limited by rounding.
///
/// - Complexity: correlations O(J·C·T·log N + (J·C)²·T); one (C·L)² Cholesky per source and one
///   (J·C·L)² Cholesky, O((J·C·L)³/3), which dominates; memory about 2·(J·C·L)² doubles, hence at
///   most `maximumImageSignals` channels in all. Measured through `nmf-separate eval --images`
///   (release build, two cores): 3 stereo sources of 30 s at 44.1 kHz in 2.0 s and 250 MB,
///   8 stereo sources in 34 s and 1.2 GB.
extension BSSEval {
    /// The largest J·C (sources × channels) of `evaluateImages`: the Gram matrix has order J·C·L
    /// (16 · 512 = 8192, 0.5 GB of doubles per copy).
    public static let maximumImageSignals = 16

    /// Scores multichannel `estimates` against the true source images `references` (BSS Eval v4
    /// image metrics), choosing the assignment that maximises the mean SIR.
    /// - Parameters:
    ///   - references: J ≥ 1 sources (at most `maximumSourceCount`), each C ≥ 1 channels of T
    ///     samples, the same C for all; no source may be silent in every channel.
    ///   - estimates: J sources of C channels of T samples, in any order.
    ///   - filterLength: L, the taps of the allowed distortion filter (default 512).
    ///   - clampDB: when given (> 0), every score is clamped to [−clampDB, clampDB].
    ///   - fixedOrder: score estimate i against reference i (no permutation search), as museval's
    ///     MUSDB18 evaluation does.
    /// - Returns: one score per reference source and the estimate matched to it.
    /// - Throws: `EvaluationError` for mismatched counts, channel counts or lengths, empty,
    ///   non-finite or silent signals, J·C above `maximumImageSignals`, or a bad filter length or clamp.
    public static func evaluateImages(references: [[[Float]]], estimates: [[[Float]]],
                                      filterLength: Int = defaultFilterLength,
                                      clampDB: Double? = nil, fixedOrder: Bool = false) throws(EvaluationError) -> ImageScores {
        try validateImages(references: references, estimates: estimates, filterLength: filterLength, clampDB: clampDB)
        return scoreImages(references: references, estimates: estimates, identity: fixedOrder,
                           filterLength: filterLength, clampDB: clampDB)
    }

    /// Scores the mixture itself as the estimate of every source image — the baseline of the
    /// image SDR improvement (`ImageScores.improvement(over:)`).
    /// - Parameters:
    ///   - references: J ≥ 1 sources, each C channels of T samples.
    ///   - mixture: C channels of T samples.
    ///   - filterLength: L ≥ 1 (default 512).
    ///   - clampDB: optional clamp of every score to [−clampDB, clampDB].
    /// - Returns: one score per reference, with the identity permutation.
    /// - Throws: `EvaluationError` as `evaluateImages` (the mixture is named `mixture[c]`).
    public static func evaluateImagesMixture(references: [[[Float]]], mixture: [[Float]],
                                             filterLength: Int = defaultFilterLength,
                                             clampDB: Double? = nil) throws(EvaluationError) -> ImageScores {
        let estimates = [[[Float]]](repeating: mixture, count: references.count)
        try validateImages(references: references, estimates: estimates, filterLength: filterLength, clampDB: clampDB,
                           estimateName: { _ in "mixture" })
        return scoreImages(references: references, estimates: estimates, identity: true,
                           filterLength: filterLength, clampDB: clampDB)
    }

    /// The image SDR of one estimate against one true source image, 10·log₁₀(‖s‖² / ‖ŝ − s‖²)
    /// summed over channels — the SDR of `evaluateImages`, which needs no projection (for
    /// example the mixture's own SDR, the baseline of an improvement).
    /// - Parameters:
    ///   - reference: the true source image, C ≥ 1 channels of T samples, not silent.
    ///   - estimate: C channels of T samples.
    /// - Returns: the SDR in dB (+∞ when the estimate equals the reference).
    /// - Throws: `EvaluationError` for mismatched channel counts or lengths, empty or non-finite
    ///   signals, or a silent reference (named `reference[c]` and `estimate[c]`).
    /// - Complexity: O(C·T).
    public static func imageSDR(reference: [[Float]], estimate: [[Float]]) throws(EvaluationError) -> Double {
        if reference.isEmpty { throw .emptySignal(signal: "reference") }
        if estimate.count != reference.count {
            throw .channelCountMismatch(signal: "estimate", channels: estimate.count, reference: "reference", expected: reference.count)
        }
        let length = reference[0].count
        for (name, signal) in [("reference", reference), ("estimate", estimate)] {
            for (c, x) in signal.enumerated() {
                try SignalValidation.checkSignal(x, name: "\(name)[\(c)]", length: length, lengthSetBy: "reference[0]")
            }
        }
        if !reference.contains(where: { $0.contains { $0 != 0 } }) { throw .silentReference(signal: "reference") }
        return imageSDR(reference, estimate, in: 0..<length)
    }

    /// 10·log₁₀(‖s‖² / ‖ŝ − s‖²) over the samples in `range`, summed over the channels (unchecked).
    static func imageSDR(_ reference: [[Float]], _ estimate: [[Float]], in range: Range<Int>) -> Double {
        var energy = 0.0, error = 0.0
        for (r, e) in zip(reference, estimate) {
            for t in range {
                let d = Double(e[t]) - Double(r[t])
                energy += Double(r[t]) * Double(r[t])
                error += d * d
            }
        }
        return decibels(energy, error)
    }

    // MARK: - Implementation

    static func validateImages(references: [[[Float]]], estimates: [[[Float]]], filterLength: Int,
                                       clampDB: Double?,
                                       estimateName: (Int) -> String = { "estimates[\($0)]" }) throws(EvaluationError) {
        if references.isEmpty { throw .noSources }
        if references.count != estimates.count {
            throw .sourceCountMismatch(references: references.count, estimates: estimates.count)
        }
        if references.count > maximumSourceCount {
            throw .tooManySources(count: references.count, maximum: maximumSourceCount)
        }
        if filterLength < 1 { throw .invalidFilterLength(filterLength) }
        if let c = clampDB, !(c > 0) { throw .invalidClamp(c) }
        let channels = references[0].count
        if channels == 0 { throw .emptySignal(signal: "references[0]") }
        let named = references.enumerated().map { ("references[\($0.offset)]", $0.element) }
            + estimates.enumerated().map { (estimateName($0.offset), $0.element) }
        for (name, signal) in named where signal.count != channels {
            if signal.isEmpty { throw .emptySignal(signal: name) }
            throw .channelCountMismatch(signal: name, channels: signal.count, reference: "references[0]", expected: channels)
        }
        if references.count * channels > maximumImageSignals {
            throw .tooManyImageSignals(sources: references.count, channels: channels, maximum: maximumImageSignals)
        }
        try checkGramOrder(signals: references.count * channels, filterLength: filterLength)
        let length = references[0][0].count
        for (name, signal) in named {
            for (c, x) in signal.enumerated() {
                try SignalValidation.checkSignal(x, name: "\(name)[\(c)]", length: length, lengthSetBy: "references[0][0]")
            }
        }
        for (i, r) in references.enumerated() where !r.contains(where: { $0.contains { $0 != 0 } }) {
            throw .silentReference(signal: "references[\(i)]")
        }
    }

    /// Absolute energies, summed over channels, of every estimate e against every reference j.
    struct ImageEnergies {
        /// ‖P_j ŝ_e‖², indexed [j][e].
        var target: [[Double]]
        /// ‖P ŝ_e‖².
        var all: [Double]
        /// ‖ŝ_e‖².
        var energy: [Double]
        /// ‖s_j‖².
        var reference: [Double]
        /// ⟨ŝ_e, s_j⟩, indexed [j][e].
        var cross: [[Double]]
        /// ‖ŝ_e − s_j‖², indexed [j][e].
        var difference: [[Double]]
    }

    static func imageEnergies(references: [[[Float]]], estimates: [[[Float]]], filterLength l: Int) -> ImageEnergies {
        let j = references.count, channels = references[0].count
        let spaces = ImageSubspaces(references: references, estimates: estimates, filterLength: l)
        let target = (0..<j).map { i in (0..<j).map { e in spaces.energy(target: i, estimate: e) } }
        let all = j > 1 ? (0..<j).map { e in spaces.energy(target: j, estimate: e) } : target[0]
        var cross = target, difference = target
        for i in 0..<j {
            for e in 0..<j {
                cross[i][e] = (0..<channels).reduce(0.0) { $0 + SignalSums.dot(estimates[e][$1], references[i][$1]) }
                difference[i][e] = (0..<channels).reduce(0.0) { $0 + SignalSums.distance(estimates[e][$1], references[i][$1]) }
            }
        }
        let norms = spaces.referenceNorms
        let reference = (0..<j).map { i in spaces.spans[i].reduce(0.0) { $0 + norms[$1] * norms[$1] } }
        return ImageEnergies(target: target, all: all, energy: spaces.estimateEnergy, reference: reference,
                             cross: cross, difference: difference)
    }

    /// SDR, ISR, SIR and SAR of every estimate e against every reference i, [metric][i][e], in dB.
    static func imageRatios(references: [[[Float]]], estimates: [[[Float]]], filterLength: Int) -> [[[Double]]] {
        let j = references.count
        let p = imageEnergies(references: references, estimates: estimates, filterLength: filterLength)
        var sdr = p.target, isr = p.target, sir = p.target, sar = p.target
        for i in 0..<j {
            for e in 0..<j {
                // Rounding can push a projection energy marginally past the one containing it; keep the order.
                let energy = p.energy[e]
                let all = min(max(p.all[e], 0), energy)
                let target = min(max(p.target[i][e], 0), all)
                sdr[i][e] = decibels(p.reference[i], p.difference[i][e])
                isr[i][e] = decibels(p.reference[i], max(target - 2 * p.cross[i][e] + p.reference[i], 0))
                sir[i][e] = decibels(target, all - target)
                sar[i][e] = decibels(all, energy - all)
            }
        }
        return [sdr, isr, sir, sar]
    }

    private static func scoreImages(references: [[[Float]]], estimates: [[[Float]]], identity: Bool,
                                    filterLength: Int, clampDB: Double?) -> ImageScores {
        let j = references.count
        let r = imageRatios(references: references, estimates: estimates, filterLength: filterLength)
        let permutation = identity ? Array(0..<j) : bestBySIR(r[2])
        var scores = ImageScores(sdr: [], isr: [], sir: [], sar: [], permutation: permutation)
        for i in 0..<j {
            let e = permutation[i]
            scores.sdr.append(clamp(r[0][i][e], clampDB))
            scores.isr.append(clamp(r[1][i][e], clampDB))
            scores.sir.append(clamp(r[2][i][e], clampDB))
            scores.sar.append(clamp(r[3][i][e], clampDB))
        }
        return scores
    }
}
