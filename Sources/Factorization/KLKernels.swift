#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused per-frame kernels of KL multiplicative updates (Lee & Seung 2001).
///
/// For one frame v (F bins) they compute λ = W·h on the fly, eight bins at a time, divide
/// v by it and accumulate, so neither Λ = W·H nor V ⊘ Λ is ever stored: each pass reads
/// V once and keeps W (F × K, column-major) hot in cache.
enum KLKernels {
    typealias Vec = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }

    @inline(__always)
    static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// H update of one frame: h ← h ⊙ [Wᵀ(v ⊘ λ)] ⊘ (Wᵀ1).
    ///
    /// - Parameters:
    ///   - v: the frame, F values.
    ///   - w: W, F × K column-major.
    ///   - h: the frame's K activations, updated in place.
    ///   - columnSumInverse: 1 / Σ_f W[f, k] for each k.
    ///   - numerator: scratch of K vectors.
    ///   - epsilon: floor of λ.
    ///   - floor: floor of the updated activations.
    /// - Returns: this frame's share of D(v‖λ) before the update when `divergence` is true, else 0.
    @inline(__always)
    static func updateActivations(v: UnsafePointer<Float>, w: UnsafePointer<Float>, bins: Int, components: Int,
                                  h: UnsafeMutablePointer<Float>, columnSumInverse: UnsafePointer<Float>,
                                  numerator: UnsafeMutablePointer<Vec>, epsilon: Float, floor: Float,
                                  divergence: Bool) -> Double {
        let eps = Vec(repeating: epsilon)
        for k in 0..<components { numerator[k] = Vec() }
        var f = 0
        let vectorEnd = bins & ~7
        while f < vectorEnd {
            var lam = Vec()
            for k in 0..<components { lam += load(w + k * bins + f) * h[k] }
            lam = pointwiseMax(lam, eps)
            let r = load(v + f) / lam
            for k in 0..<components { numerator[k] += load(w + k * bins + f) * r }
            f += 8
        }
        while f < bins {
            var lam: Float = 0
            for k in 0..<components { lam += w[k * bins + f] * h[k] }
            let r = v[f] / max(lam, epsilon)
            for k in 0..<components { numerator[k][0] += w[k * bins + f] * r }
            f += 1
        }
        var d = 0.0
        if divergence { d = frameDivergence(v: v, w: w, bins: bins, components: components, h: UnsafePointer(h), epsilon: epsilon) }
        for k in 0..<components {
            let num = numerator[k].sum()
            h[k] = max(h[k] * num * columnSumInverse[k], floor)
        }
        return d
    }

    /// W-update accumulation of one frame: acc[:, k] += (v ⊘ λ) · h[k].
    /// - Parameters:
    ///   - v: the frame, F values.
    ///   - w: W, F × K column-major.
    ///   - h: the frame's K activations.
    ///   - accumulator: F × K column-major, accumulated into.
    ///   - epsilon: floor of λ.
    @inline(__always)
    static func accumulateBasis(v: UnsafePointer<Float>, w: UnsafePointer<Float>, bins: Int, components: Int,
                                h: UnsafePointer<Float>, accumulator: UnsafeMutablePointer<Float>, epsilon: Float) {
        let eps = Vec(repeating: epsilon)
        var f = 0
        let vectorEnd = bins & ~7
        while f < vectorEnd {
            var lam = Vec()
            for k in 0..<components { lam += load(w + k * bins + f) * h[k] }
            lam = pointwiseMax(lam, eps)
            let r = load(v + f) / lam
            for k in 0..<components {
                let p = accumulator + k * bins + f
                store(load(p) + r * h[k], p)
            }
            f += 8
        }
        while f < bins {
            var lam: Float = 0
            for k in 0..<components { lam += w[k * bins + f] * h[k] }
            let r = v[f] / max(lam, epsilon)
            for k in 0..<components { accumulator[k * bins + f] += r * h[k] }
            f += 1
        }
    }

    /// D(v‖λ) = Σ v·log(v/λ) − v + λ for one frame, λ = W·h floored at ε; entries with v = 0
    /// contribute λ only. Accumulated in Double.
    static func frameDivergence(v: UnsafePointer<Float>, w: UnsafePointer<Float>, bins: Int, components: Int,
                                h: UnsafePointer<Float>, epsilon: Float) -> Double {
        var d = 0.0
        for f in 0..<bins {
            var lam: Float = 0
            for k in 0..<components { lam += w[k * bins + f] * h[k] }
            lam = max(lam, epsilon)
            let x = v[f]
            if x > 0 {
                d += Double(x * logf(x / lam) - x + lam)
            } else {
                d += Double(lam)
            }
        }
        return d
    }
}
