#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scale-invariant signal-to-distortion ratio (SI-SDR) of Le Roux, Wisdom, Erdogan & Hershey,
/// "SDR – half-baked or well done?", ICASSP 2019.
///
/// With α = ⟨ŝ, s⟩ / ‖s‖², SI-SDR = 10·log₁₀(‖αs‖² / ‖αs − ŝ‖²): the estimate is compared
/// with the best-scaled reference, so rescaling the estimate (by any non-zero factor) does not
/// change the value, while filtering it does. No mean is removed (the paper suggests
/// zero-mean signals; subtract the means first to follow it). All sums are in `Double`.
public enum ScaleInvariantSDR {
    /// The SI-SDR of one estimate against one reference, in dB.
    ///
    /// A perfect (scaled) estimate gives `+infinity`; a silent estimate, or one orthogonal to the
    /// reference, gives `-infinity`.
    /// - Parameters:
    ///   - reference: the true source s, T samples, not all zero.
    ///   - estimate: the estimate ŝ, T samples.
    /// - Throws: `EvaluationError` for empty, mismatched, non-finite or silent input.
    /// - Complexity: O(T).
    public static func compute(reference: [Float], estimate: [Float]) throws(EvaluationError) -> Double {
        try SignalValidation.check(references: [reference], estimates: [estimate],
                                   referenceName: { _ in "reference" }, estimateName: { _ in "estimate" })
        return value(reference: reference, estimate: estimate)
    }

    /// SI-SDR without input checks; `reference` must be non-zero and both of equal length.
    static func value(reference: [Float], estimate: [Float]) -> Double {
        var dot = 0.0, energy = 0.0
        reference.withUnsafeBufferPointer { rp in
            estimate.withUnsafeBufferPointer { ep in
                for i in 0..<rp.count {
                    let s = Double(rp[i]), e = Double(ep[i])
                    dot += s * e
                    energy += s * s
                }
            }
        }
        let alpha = dot / energy
        var target = 0.0, residual = 0.0
        reference.withUnsafeBufferPointer { rp in
            estimate.withUnsafeBufferPointer { ep in
                for i in 0..<rp.count {
                    let t = alpha * Double(rp[i])
                    let r = t - Double(ep[i])
                    target += t * t
                    residual += r * r
                }
            }
        }
        if target == 0 { return -.infinity }
        if residual == 0 { return .infinity }
        return 10 * log10(target / residual)
    }
}
