import DSPCore

/// The basis of a multichannel (non-negative tensor) factorization, stored as one stacked
/// matrix: V stacks the magnitude spectrograms of C channels, V[c·F + f, n] = |X_c(f, n)|
/// (C·F × frames), and each component k has one spectrum W[f, k] and one gain per channel
/// Q[c, k], so the stacked basis is W′[c·F + f, k] = W[f, k]·Q[c, k] — the model of
/// FitzGerald, Cranitch & Coyle (2005), "Non-negative tensor factorisation for sound source
/// separation", with the KL divergence.
///
/// The KL multiplicative step for W′ yields W′ ⊙ ρ. With Σ_f W[f, k] = 1 and Σ_c Q[c, k] = 1,
/// the majorisation–minimisation step for W with Q fixed is W[f, k] ← Σ_c (W′ ⊙ ρ)[c·F + f, k],
/// and the step for Q with W fixed is Q[c, k] ← Σ_f (W′ ⊙ ρ)[c·F + f, k]: marginals of the
/// stepped stacked basis. `NMF` alternates them (spectra on even basis steps, gains on odd
/// ones), so each step is a true MM step and the divergence never increases with ω = 1.
public enum ChannelTiedBasis {
    /// Splits a stacked basis W′ (C·F × K) into its spectra W (F × K, the sum of the channel
    /// blocks: each column sums to what W′'s column sums to) and gains Q (C × K, each column
    /// summing to one; 1/C for an all-zero column).
    /// - Parameters:
    ///   - stacked: W′, C·F × K, channel c in rows c·F ..< (c + 1)·F.
    ///   - channels: C ≥ 1, dividing the rows of `stacked`.
    /// - Throws: `FactorizationError.invalidParameter` when C does not fit the rows.
    /// - Complexity: O(C·F·K).
    public static func split(_ stacked: Matrix, channels: Int) throws -> (spectra: Matrix, gains: Matrix) {
        guard channels >= 1, channels <= max(stacked.rows, 1), stacked.rows % channels == 0 else {
            throw FactorizationError.invalidParameter(name: "channels", value: "\(channels)",
                                                      allowed: "1 or more, dividing the \(stacked.rows) rows of the stacked basis")
        }
        let f = stacked.rows / channels, k = stacked.columns
        var w = Matrix(rows: f, columns: k)
        var q = Matrix(rows: channels, columns: k)
        stacked.storage.withUnsafeBufferPointer { sp in
            for c in 0..<k {
                let sums = columnSums(sp.baseAddress! + c * stacked.rows, bins: f, channels: channels)
                w.storage.replaceSubrange((c * f)..<((c + 1) * f), with: sums.spectrum)
                for ch in 0..<channels { q[ch, c] = sums.total > 0 ? Float(sums.channels[ch] / sums.total) : 1 / Float(channels) }
            }
        }
        return (w, q)
    }

    /// Of one stacked column (C blocks of `bins` values): its spectrum Σ_c (float), its channels'
    /// sums Σ_f and their total (double).
    static func columnSums(_ column: UnsafePointer<Float>, bins f: Int, channels: Int) -> (spectrum: [Float], channels: [Double], total: Double) {
        var spectrum = [Float](repeating: 0, count: f)
        var sums = [Double](repeating: 0, count: channels)
        var total: Double = 0
        for ch in 0..<channels {
            for i in 0..<f {
                let x = column[ch * f + i]
                spectrum[i] += x
                sums[ch] += Double(x)
            }
            total += sums[ch]
        }
        return (spectrum, sums, total)
    }

    /// The stacked basis W′[c·F + f, k] = W[f, k]·Q[c, k] of spectra W (F × K) and gains Q (C × K).
    /// - Parameters:
    ///   - w: spectra, F × K.
    ///   - q: gains, C × K (same K).
    /// - Returns: W′, C·F × K.
    /// - Throws: `FactorizationError.invalidParameter` when the column counts differ, or W′'s
    ///   size overflows an Int or exceeds the machine's physical memory.
    public static func stack(spectra w: Matrix, gains q: Matrix) throws -> Matrix {
        guard q.columns == w.columns else {
            throw FactorizationError.invalidParameter(name: "gains", value: "\(q.rows) × \(q.columns)",
                                                      allowed: "channels × \(w.columns), one column per spectrum")
        }
        let (rows, overflow) = w.rows.multipliedReportingOverflow(by: q.rows)
        guard !overflow, !rows.multipliedReportingOverflow(by: w.columns).overflow else {
            throw FactorizationError.invalidParameter(name: "gains", value: "\(q.rows) × \(q.columns)",
                                                      allowed: "a stacked basis of \(q.rows) × \(w.rows) rows × \(w.columns) columns whose size an Int holds")
        }
        let bytes = 4 * Double(rows) * Double(w.columns), physical = ProcessInfoLite.physicalMemory
        guard physical <= 0 || bytes <= physical else {
            throw FactorizationError.invalidParameter(name: "gains", value: "\(q.rows) × \(q.columns)",
                                                      allowed: "a stacked basis of \(q.rows) × \(w.rows) rows × \(w.columns) columns within this machine's \(ProcessInfoLite.gigabytes(physical)) of memory")
        }
        var out = Matrix(rows: rows, columns: w.columns)
        for c in 0..<w.columns {
            for ch in 0..<q.rows {
                for i in 0..<w.rows { out[ch * w.rows + i, c] = w[i, c] * q[ch, c] }
            }
        }
        return out
    }

    /// Per column of a padded stacked basis: the spectrum (Σ over channels, `bins` values) and
    /// the gains (Σ over bins, `channels` values), both normalised to sum to one; columns
    /// `first ..< end` only (`end` nil: all the rest; the others are left as zeros).
    static func marginals(_ basis: PaddedBasis, channels: Int, from first: Int, to end: Int? = nil) -> (spectra: [Float], gains: [Float]) {
        let f = basis.bins / channels, fp = basis.paddedBins, k = end ?? basis.columns
        var spectra = [Float](repeating: 0, count: f * k)
        var gains = [Float](repeating: 0, count: channels * k)
        basis.storage.withUnsafeBufferPointer { wp in
            for c in first..<k {
                let sums = columnSums(wp.baseAddress! + c * fp, bins: f, channels: channels)
                let inv = sums.total > 0 ? 1 / sums.total : 0
                for ch in 0..<channels { gains[c * channels + ch] = sums.total > 0 ? Float(Double(Float(sums.channels[ch])) * inv) : 1 / Float(channels) }
                for i in 0..<f { spectra[c * f + i] = sums.total > 0 ? Float(Double(sums.spectrum[i]) * inv) : 1 / Float(f) }
            }
        }
        return (spectra, gains)
    }

    /// Which factor a tying step keeps from before the basis update.
    enum Step {
        /// New spectra (marginal over channels of the stepped basis), the previous gains.
        case spectra
        /// New gains (marginal over bins of the stepped basis), the previous spectra.
        case gains
    }

    /// Rewrites columns `first ..< end` (`end` nil: all the rest) of the padded stacked basis as
    /// spectrum × gains, the factor named by `step` taken from the (stepped) basis and the other
    /// from `previous` (`marginals` of the basis before the step); values floored at `NMF.valueFloor`.
    static func tie(_ basis: inout PaddedBasis, channels: Int, from first: Int, to end: Int? = nil, step: Step,
                    previous: (spectra: [Float], gains: [Float])) {
        let f = basis.bins / channels, fp = basis.paddedBins, k = end ?? basis.columns
        let now = marginals(basis, channels: channels, from: first, to: k)
        let spectra = step == .spectra ? now.spectra : previous.spectra
        let gains = step == .gains ? now.gains : previous.gains
        // The scale of the stepped column (its total) is kept, so that normalisation passes it to H.
        var totals = [Double](repeating: 0, count: k)
        basis.storage.withUnsafeMutableBufferPointer { wp in
            for c in first..<k {
                for i in 0..<(channels * f) { totals[c] += Double(wp[c * fp + i]) }
                let scale = Float(totals[c])
                for ch in 0..<channels {
                    let g = gains[c * channels + ch] * scale
                    for i in 0..<f { wp[c * fp + ch * f + i] = max(spectra[c * f + i] * g, NMF.valueFloor) }
                }
            }
        }
    }
}
