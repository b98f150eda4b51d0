import DSPCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generalised Wiener soft masks (Liutkus & Badeau 2015):
/// M_s = Λ_s^α / Σ_j Λ_j^α, with Λ_s = W_s·H_s the model of source s.
///
/// The masks lie in [0, 1] and sum to one in every bin, so the masked sources add back
/// to the mixture. Bins where every Λ_s is (numerically) zero are split evenly.
package enum SoftMask {
    /// The source models Λ_s = Σ_{k ∈ g_s} W[:, k]·h[k] of one frame.
    /// - Parameters:
    ///   - basis: W, `bins × K` column-major.
    ///   - activations: the frame's K activations h.
    ///   - groups: the components of each source.
    ///   - models: S pointers receiving the `bins` values of each Λ_s.
    ///   - gains: optional K factors multiplying the activations (one channel's gains of a spatial
    ///     factorization, `SeparationRun.channelGains`).
    /// - Complexity: O(F·K).
    package static func models(basis w: UnsafePointer<Float>, bins: Int, activations h: UnsafePointer<Float>,
                              groups: [[Int]], gains: UnsafePointer<Float>? = nil, into models: [UnsafeMutablePointer<Float>]) {
        for (s, group) in groups.enumerated() {
            let m = models[s]
            m.update(repeating: 0, count: bins)
            for c in group {
                let col = w + c * bins, a = h[c] * (gains?[c] ?? 1)
                for f in 0..<bins { m[f] += col[f] * a }
            }
        }
    }

    /// Computes the masks of one frame.
    /// - Parameters:
    ///   - models: S pointers, each to the F values Λ_s of the frame (non-negative).
    ///   - bins: F.
    ///   - power: α > 0 (1 = ratio mask, 2 = power Wiener filter).
    ///   - masks: S pointers receiving the F mask values.
    /// - Precondition: `power` finite and > 0, one mask per model, at least one model (the
    ///   checked settings of `SeparationConfiguration` always meet it).
    /// - Complexity: O(S·F).
    package static func compute(models: [UnsafePointer<Float>], bins: Int, power: Float,
                               into masks: [UnsafeMutablePointer<Float>]) {
        require(power > 0 && power.isFinite && !models.isEmpty && masks.count == models.count && bins >= 0,
                "SoftMask.compute needs a finite power > 0 (got \(power)) and one mask per model (\(masks.count) for \(models.count))")
        let s = models.count
        let even = 1 / Float(s)
        let tiny = Float.leastNormalMagnitude
        for f in 0..<bins {
            var peak: Float = 0
            for j in 0..<s { peak = max(peak, models[j][f]) }
            if !(peak > tiny) || !peak.isFinite {
                for j in 0..<s { masks[j][f] = even }
                continue
            }
            let inv = 1 / peak
            var total: Float = 0
            if power == 1 {
                for j in 0..<s { let x = models[j][f] * inv; masks[j][f] = x; total += x }
            } else {
                for j in 0..<s { let x = powf(models[j][f] * inv, power); masks[j][f] = x; total += x }
            }
            // total ≥ 1 because the peak contributes (peak/peak)^α = 1.
            let norm = 1 / total
            for j in 0..<s { masks[j][f] *= norm }
        }
    }
}
