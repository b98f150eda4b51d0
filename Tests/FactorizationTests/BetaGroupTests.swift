import Testing
import Foundation
@testable import Factorization
import DSPCore

/// The β iteration in groups of frames (``BetaState/GroupStep``) against one frame at a time:
/// every group size must give the same W, H and divergences to the bit.
@Suite struct BetaGroupTests {
    /// β = 0 (IS), 0.5, 1.5, 2 (Euclidean) and a generic 1.2 and −0.5; all templates learned,
    /// all but two fixed, all fixed; every frame or every 3rd read in place; 1 or 2 threads.
    @Test(arguments: [Float(0), 0.5, 1.5, 2, 1.2, -0.5])
    func groupedFramesGiveTheOneFrameBits(beta: Float) throws {
        let divergence = try Divergence(beta: beta)
        let (v, _, _) = NMFTests().plantedMatrix(bins: 67, frames: 301, components: 3, noise: 0.3)
        for (fixed, stride, threads) in [(0, 1, 2), (3, 1, 1), (5, 3, 2)] {
            let (w, h) = NMFInitialization.random(for: v.columnsStrided(by: stride), components: 5, seed: 2)
            func make(_ group: Int) -> BetaState {
                var s = BetaState(v: v, w: w, h: h, threads: threads, divergence: divergence, fixedColumns: fixed, frameStride: stride)
                s.frameGroup = group
                return s
            }
            var single = make(1)
            let start = single.divergence()
            for group in [5, BetaState.framesPerGroup] {
                var grouped = make(group)
                var reference = single
                #expect(grouped.divergence() == start, "β \(beta), group \(group)")
                for i in 0..<3 {
                    #expect(grouped.iterate(measureDivergence: i != 1) == reference.iterate(measureDivergence: i != 1),
                            "β \(beta), fixed \(fixed), stride \(stride), group \(group), iteration \(i)")
                }
                #expect(grouped.w == reference.w && grouped.h == reference.h, "β \(beta), fixed \(fixed), group \(group)")
                #expect(grouped.divergence() == reference.divergence())
                #expect(grouped.h != h, "the activations were updated")
            }
            _ = single.iterate(measureDivergence: false)
        }
    }

    /// The first H update and the divergence before it against a plain frame-by-frame
    /// reference with the same float operations in the same order (λ column by column, the
    /// kernels' terms, one dot product at a time): the blocked passes change no bit. (The W
    /// accumulation is checked against one frame at a time by the test above.)
    @Test(arguments: [Float(0), 0.5, 1.2])
    func theGroupedPassesMatchAFrameByFrameReference(beta: Float) throws {
        let divergence = try Divergence(beta: beta)
        let (v, _, _) = NMFTests().plantedMatrix(bins: 67, frames: 90, components: 3, noise: 0.3)
        for k in [1, 2, 5, 7] {
            let (w, h) = NMFInitialization.random(for: v, components: k, seed: 5)
            // Every template fixed: W is neither updated nor renormalised, so H is the H update's.
            var state = BetaState(v: v, w: w, h: h, threads: 1, divergence: divergence, fixedColumns: k)
            let fp = state.basis.paddedBins, wb = state.basis.storage
            var expected = state.scaledH.storage
            var d = 0.0
            var a = [Float](repeating: 0, count: 2 * fp)
            for j in 0..<v.columns {
                for i in 0..<fp { a[i] = 0 }
                for c in 0..<k {
                    for i in 0..<fp { a[i] = a[i] + wb[c * fp + i] * expected[j * k + c] }
                }
                let x = Array(v.storage[(j * v.rows)..<((j + 1) * v.rows)])
                a.withUnsafeMutableBufferPointer { ap in
                    x.withUnsafeBufferPointer { xp in
                        let p = ap.baseAddress!
                        d += BetaKernels.divergence(v: xp.baseAddress!, scale: state.inverseScale, lambda: p, bins: v.rows,
                                                    epsilon: state.epsilon, divergence: divergence)
                        BetaKernels.terms(v: xp.baseAddress!, scale: state.inverseScale, bins: v.rows, paddedBins: fp, a: p, b: p + fp,
                                          epsilon: state.epsilon, beta: beta)
                    }
                }
                for c in 0..<k {
                    var num = SIMD8<Float>(), den = SIMD8<Float>()
                    for f in stride(from: 0, to: fp, by: 8) {
                        let col = SIMD8<Float>(wb[(c * fp + f)..<(c * fp + f + 8)])
                        num += col * SIMD8<Float>(a[f..<(f + 8)])
                        den += col * SIMD8<Float>(a[(fp + f)..<(fp + f + 8)])
                    }
                    let ratio = num.sum() / max(den.sum(), Float.leastNormalMagnitude)
                    let gamma = divergence.updateExponent
                    if ratio.isFinite { expected[j * k + c] = max(expected[j * k + c] * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor) }
                }
            }
            let measured = state.iterate(measureDivergence: true)
            #expect(measured == d * BetaState.divergenceScale(state.scale, beta: beta), "β \(beta), K \(k)")
            #expect(state.scaledH.storage == expected, "β \(beta), K \(k)")
        }
    }
}
