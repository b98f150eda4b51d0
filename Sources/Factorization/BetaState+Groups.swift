#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DSPCore

/// The β iteration over groups of frames: each pass over W (λ of the old activations, the H
/// update, λ of the new ones) and over the W accumulators serves ``BetaState/framesPerGroup``
/// frames instead of one. One frame at a time, the accumulators (2·F′·K floats, 16 MB at
/// K = 2048) were read and written once per frame and W streamed three times per frame.
/// Each element still gets the same operations in the same order (frames in order within
/// every column, columns in order within every frame), so any group size gives the same
/// bits; tests compare sizes 1, 5 and 16.
extension BetaState {
    /// Frames per group: the scratch of a group (2·F′ floats a frame) stays within L2.
    static let framesPerGroup = 16

    /// The fixed quantities of one iteration, and the work on one group of frames.
    struct GroupStep {
        /// F, F′ (F rounded up to a multiple of 8) and K.
        let bins, paddedBins, components: Int
        /// The first column of W the basis update accumulates for (the ones before are fixed).
        let learnedFrom: Int
        /// The floor of λ (and of v for β ≤ 0).
        let epsilon: Float
        /// β, and the exponent γ(β) of the steps.
        let beta: Float, gamma: Float
        /// The divergence measured, when `measureDivergence` is set.
        let kind: Divergence
        /// 1 / mean(V): V is read at the unit mean.
        let inverseScale: Float
        /// Whether to add each frame's divergence (before its update) to the running sum.
        let measureDivergence: Bool

        /// λ = W·h of `count` frames (activations `h`, `components` apart) into the `a` slots
        /// of `scratch` (frame i's at `scratch + 2·F′·i`), W read once for all of them.
        func models(_ w: UnsafePointer<Float>, h: UnsafePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>) {
            let fp = paddedBins, k = components
            for i in 0..<count { (scratch + 2 * fp * i).update(repeating: 0, count: fp) }
            for c in 0..<k {
                let col = w + c * fp
                for i in 0..<count {
                    let out = scratch + 2 * fp * i, x = h[i * k + c]
                    var f = 0
                    while f < fp {
                        KLKernels.store(KLKernels.load(out + f) + KLKernels.load(col + f) * x, out + f)
                        f += 8
                    }
                }
            }
        }

        /// λ of the group, then each frame's terms A = v ⊙ λ^(β−2), B = λ^(β−1) in its slots
        /// (and its divergence added to `divergence` first, when measured and `measure` is set).
        func terms(_ w: UnsafePointer<Float>, v: UnsafePointer<Float>, frameStep: Int, h: UnsafePointer<Float>, count: Int,
                   scratch: UnsafeMutablePointer<Float>, measure: Bool, divergence: inout Double) {
            models(w, h: h, count: count, scratch: scratch)
            for i in 0..<count {
                let a = scratch + 2 * paddedBins * i, x = v + i * frameStep
                if measure {
                    divergence += BetaKernels.divergence(v: x, scale: inverseScale, lambda: a, bins: bins, epsilon: epsilon, divergence: kind)
                }
                BetaKernels.terms(v: x, scale: inverseScale, bins: bins, paddedBins: paddedBins, a: a, b: a + paddedBins,
                                  epsilon: epsilon, beta: beta)
            }
        }

        /// One iteration's work on `count` consecutive frames: the H update of each from the
        /// terms of its old activations, then the terms of the new ones added to the W
        /// accumulators `accA` (Σ A·hᵀ) and `accB` (Σ B·hᵀ), F′ × K each.
        func run(_ w: UnsafePointer<Float>, v: UnsafePointer<Float>, frameStep: Int, h: UnsafeMutablePointer<Float>, count: Int,
                 scratch: UnsafeMutablePointer<Float>, accA: UnsafeMutablePointer<Float>, accB: UnsafeMutablePointer<Float>,
                 divergence: inout Double) {
            let fp = paddedBins, k = components
            terms(w, v: v, frameStep: frameStep, h: h, count: count, scratch: scratch, measure: measureDivergence, divergence: &divergence)
            for c in 0..<k {
                let col = w + c * fp
                for i in 0..<count {
                    let a = scratch + 2 * fp * i
                    let (num, sum) = BetaState.dots(col, a, a + fp, fp: fp)
                    let ratio = num / max(sum, Float.leastNormalMagnitude)
                    let hc = h + i * k + c
                    if ratio.isFinite { hc.pointee = max(hc.pointee * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor) }
                }
            }
            // Every template fixed (dictionaries only): no W update to accumulate.
            guard learnedFrom < k else { return }
            var unused = 0.0
            terms(w, v: v, frameStep: frameStep, h: h, count: count, scratch: scratch, measure: false, divergence: &unused)
            for c in learnedFrom..<k {
                let pa = accA + c * fp, pb = accB + c * fp
                for i in 0..<count {
                    let a = scratch + 2 * fp * i, b = a + fp, hc = SIMD8<Float>(repeating: h[i * k + c])
                    var f = 0
                    while f < fp {
                        KLKernels.store(KLKernels.load(pa + f) + KLKernels.load(a + f) * hc, pa + f)
                        KLKernels.store(KLKernels.load(pb + f) + KLKernels.load(b + f) * hc, pb + f)
                        f += 8
                    }
                }
            }
        }
    }

    /// (Σ_f W[f, c]·x[f], Σ_f W[f, c]·y[f]) for one column, in one pass over it.
    @inline(__always)
    static func dots(_ col: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, fp: Int) -> (Float, Float) {
        var s = SIMD8<Float>(), t = SIMD8<Float>()
        var f = 0
        while f < fp {
            let w = KLKernels.load(col + f)
            s += w * KLKernels.load(x + f)
            t += w * KLKernels.load(y + f)
            f += 8
        }
        return (s.sum(), t.sum())
    }
}
