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
    /// Frames per group: the scratch of a group (2·F′ floats a frame, 132 KB at F = 1025)
    /// stays within L2; 32 measured within the noise of 16 (BENCHMARKS.md).
    static let framesPerGroup = 16

    /// The state's fixed quantities for one pass over the frames.
    func groupStep(measureDivergence: Bool) -> GroupStep {
        GroupStep(bins: v.rows, paddedBins: basis.paddedBins, components: scaledH.rows, learnedFrom: fixedColumns, epsilon: epsilon,
                  gamma: divergenceKind.updateExponent, kind: divergenceKind, inverseScale: inverseScale,
                  measureDivergence: measureDivergence)
    }

    /// The fixed quantities of one iteration, and the work on one group of frames.
    struct GroupStep {
        /// F, F′ (F rounded up to a multiple of 8) and K.
        let bins, paddedBins, components: Int
        /// The first column of W the basis update accumulates for (the ones before are fixed).
        let learnedFrom: Int
        /// The floor of λ (and of v for β ≤ 0).
        let epsilon: Float
        /// The exponent γ(β) of the steps (``Divergence/updateExponent``, computed once).
        let gamma: Float
        /// The β-divergence whose terms, and value when measured, are formed.
        let kind: Divergence
        /// 1 / mean(V): V is read at the unit mean.
        let inverseScale: Float
        /// Whether to add each frame's divergence (before its update) to the running sum.
        let measureDivergence: Bool

        /// λ = W·h of `count` frames (activations `h`, `components` apart) into the `a` slots
        /// of `scratch` (frame i's at `scratch + 2·F′·i`), W read once for all of them; four
        /// columns per sweep over a frame's λ, added one after the other as one at a time would.
        func models(_ w: UnsafePointer<Float>, h: UnsafePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>) {
            let fp = paddedBins, k = components
            for i in 0..<count { (scratch + 2 * fp * i).update(repeating: 0, count: fp) }
            var c = 0
            while c + 4 <= k {
                let c0 = w + c * fp, c1 = c0 + fp, c2 = c1 + fp, c3 = c2 + fp
                for i in 0..<count {
                    let out = scratch + 2 * fp * i, hi = h + i * k
                    let x0 = hi[c], x1 = hi[c + 1], x2 = hi[c + 2], x3 = hi[c + 3]
                    var f = 0
                    while f < fp {
                        var o = KLKernels.load(out + f)
                        o = o + KLKernels.load(c0 + f) * x0
                        o = o + KLKernels.load(c1 + f) * x1
                        o = o + KLKernels.load(c2 + f) * x2
                        o = o + KLKernels.load(c3 + f) * x3
                        KLKernels.store(o, out + f)
                        f += 8
                    }
                }
                c += 4
            }
            while c < k {
                let col = w + c * fp
                for i in 0..<count {
                    let out = scratch + 2 * fp * i, x = h[i * k + c]
                    var f = 0
                    while f < fp {
                        KLKernels.store(KLKernels.load(out + f) + KLKernels.load(col + f) * x, out + f)
                        f += 8
                    }
                }
                c += 1
            }
        }

        /// λ of the group, then each frame's terms A = v ⊙ λ^(β−2), B = λ^(β−1) in its slots
        /// (each frame's divergence added to `divergence` first when `measure` is set).
        func terms(_ w: UnsafePointer<Float>, v: UnsafePointer<Float>, frameStep: Int, h: UnsafePointer<Float>, count: Int,
                   scratch: UnsafeMutablePointer<Float>, measure: Bool, divergence: inout Double) {
            models(w, h: h, count: count, scratch: scratch)
            for i in 0..<count {
                let a = scratch + 2 * paddedBins * i, x = v + i * frameStep
                if measure {
                    divergence += BetaKernels.divergence(v: x, scale: inverseScale, lambda: a, bins: bins, epsilon: epsilon, divergence: kind)
                }
                BetaKernels.terms(v: x, scale: inverseScale, bins: bins, paddedBins: paddedBins, a: a, b: a + paddedBins,
                                  epsilon: epsilon, beta: kind.beta)
            }
        }

        /// One iteration's work on `count` consecutive frames: the H update of each from the
        /// terms of its old activations, then the terms of the new ones added to the W
        /// accumulators `accA` (Σ A·hᵀ) and `accB` (Σ B·hᵀ), F′ × K each. `scratch` holds
        /// 2·F′·`count` + `count` floats.
        func run(_ w: UnsafePointer<Float>, v: UnsafePointer<Float>, frameStep: Int, h: UnsafeMutablePointer<Float>, count: Int,
                 scratch: UnsafeMutablePointer<Float>, accA: UnsafeMutablePointer<Float>, accB: UnsafeMutablePointer<Float>,
                 divergence: inout Double) {
            let fp = paddedBins, k = components
            terms(w, v: v, frameStep: frameStep, h: h, count: count, scratch: scratch, measure: measureDivergence, divergence: &divergence)
            var c = 0
            while c < k {
                // Two columns per pass over each frame's terms (one for the last of an odd K).
                let pair = c + 1 < k
                let c0 = w + c * fp, c1 = pair ? c0 + fp : c0
                for i in 0..<count {
                    let a = scratch + 2 * fp * i
                    let (n0, d0, n1, d1) = BetaState.dots(c0, c1, a, a + fp, fp: fp)
                    step(h + i * k + c, n0, d0)
                    if pair { step(h + i * k + c + 1, n1, d1) }
                }
                c += pair ? 2 : 1
            }
            // Every template fixed (dictionaries only): no W update to accumulate.
            guard learnedFrom < k else { return }
            var unused = 0.0
            terms(w, v: v, frameStep: frameStep, h: h, count: count, scratch: scratch, measure: false, divergence: &unused)
            let hs = scratch + 2 * fp * count   // (the scratch holds `count` more floats past the slots)
            for c in learnedFrom..<k {
                let pa = accA + c * fp, pb = accB + c * fp
                for i in 0..<count { hs[i] = h[i * k + c] }
                var f = 0
                while f < fp {
                    // The group's frames added in order in registers, the column's sums read and written once.
                    var sa = KLKernels.load(pa + f), sb = KLKernels.load(pb + f)
                    for i in 0..<count {
                        let a = scratch + 2 * fp * i, hc = SIMD8<Float>(repeating: hs[i])
                        sa = sa + KLKernels.load(a + f) * hc
                        sb = sb + KLKernels.load(a + fp + f) * hc
                    }
                    KLKernels.store(sa, pa + f)
                    KLKernels.store(sb, pb + f)
                    f += 8
                }
            }
        }

        /// h ← max(h·(num / max(den, smallest normal))^γ, floor), unchanged when the ratio is not finite.
        @inline(__always)
        func step(_ hc: UnsafeMutablePointer<Float>, _ num: Float, _ den: Float) {
            let ratio = num / max(den, Float.leastNormalMagnitude)
            if ratio.isFinite { hc.pointee = max(hc.pointee * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor) }
        }
    }

    /// (Σ_f W[f, c]·x[f], Σ_f W[f, c]·y[f], Σ_f W[f, d]·x[f], Σ_f W[f, d]·y[f]) for columns
    /// `c` and `d` (they may be the same), in one pass over x and y.
    @inline(__always)
    static func dots(_ c: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                     fp: Int) -> (Float, Float, Float, Float) {
        var s0 = SIMD8<Float>(), t0 = SIMD8<Float>(), s1 = SIMD8<Float>(), t1 = SIMD8<Float>()
        var f = 0
        while f < fp {
            let vx = KLKernels.load(x + f), vy = KLKernels.load(y + f)
            let w0 = KLKernels.load(c + f), w1 = KLKernels.load(d + f)
            s0 += w0 * vx
            t0 += w0 * vy
            s1 += w1 * vx
            t1 += w1 * vy
            f += 8
        }
        return (s0.sum(), t0.sum(), s1.sum(), t1.sum())
    }
}
