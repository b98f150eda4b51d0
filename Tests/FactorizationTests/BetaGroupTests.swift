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
            let single = make(1)
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
                #expect(grouped.scaledH != make(group).scaledH, "the activations were updated")
            }
        }
    }

    /// One iteration against a plain frame-by-frame reference with the same float operations
    /// in the same order (λ column by column, the kernels' terms, one dot product at a time,
    /// A·hᵀ and B·hᵀ frame after frame, then the W step and the normalisation): the divergence
    /// before it, H and W to the bit, with every template fixed, none, and all but two.
    @Test(arguments: [Float(0), 0.5, 1.2])
    func oneIterationMatchesAFrameByFrameReference(beta: Float) throws {
        let divergence = try Divergence(beta: beta), gamma = divergence.updateExponent
        let (v, _, _) = NMFTests().plantedMatrix(bins: 67, frames: 90, components: 3, noise: 0.3)   // one chunk
        for k in [1, 2, 5, 7] {
            for fixed in Set([k, 0, max(0, k - 2)]).sorted() {
                let (w, h) = NMFInitialization.random(for: v, components: k, seed: 5)
                var state = BetaState(v: v, w: w, h: h, threads: 1, divergence: divergence, fixedColumns: fixed)
                var basis = state.basis
                let fp = basis.paddedBins, wb = basis.storage
                var expected = state.scaledH.storage
                var accA = [Float](repeating: 0, count: fp * k), accB = accA
                var d = 0.0
                var a = [Float](repeating: 0, count: 2 * fp)
                func formTerms(_ j: Int, measure: Bool) {
                    for i in 0..<fp { a[i] = 0 }
                    for c in 0..<k { for i in 0..<fp { a[i] = a[i] + wb[c * fp + i] * expected[j * k + c] } }
                    let x = Array(v.storage[(j * v.rows)..<((j + 1) * v.rows)])
                    a.withUnsafeMutableBufferPointer { ap in
                        x.withUnsafeBufferPointer { xp in
                            let p = ap.baseAddress!
                            if measure {
                                d += BetaKernels.divergence(v: xp.baseAddress!, scale: state.inverseScale, lambda: p, bins: v.rows,
                                                            epsilon: state.epsilon, divergence: divergence)
                            }
                            BetaKernels.terms(v: xp.baseAddress!, scale: state.inverseScale, bins: v.rows, paddedBins: fp, a: p, b: p + fp,
                                              epsilon: state.epsilon, beta: beta)
                        }
                    }
                }
                for j in 0..<v.columns {
                    formTerms(j, measure: true)
                    for c in 0..<k {
                        var num = SIMD8<Float>(), den = SIMD8<Float>()
                        for f in stride(from: 0, to: fp, by: 8) {
                            let col = SIMD8<Float>(wb[(c * fp + f)..<(c * fp + f + 8)])
                            num += col * SIMD8<Float>(a[f..<(f + 8)])
                            den += col * SIMD8<Float>(a[(fp + f)..<(fp + f + 8)])
                        }
                        let ratio = num.sum() / max(den.sum(), Float.leastNormalMagnitude)
                        if ratio.isFinite { expected[j * k + c] = max(expected[j * k + c] * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor) }
                    }
                    if fixed == k { continue }
                    formTerms(j, measure: false)
                    for c in fixed..<k {
                        for i in 0..<fp {
                            accA[c * fp + i] = accA[c * fp + i] + a[i] * expected[j * k + c]
                            accB[c * fp + i] = accB[c * fp + i] + a[fp + i] * expected[j * k + c]
                        }
                    }
                }
                for c in fixed..<k {
                    for i in 0..<v.rows {
                        var num: Float = 0, den: Float = 0
                        num += accA[c * fp + i]
                        den += accB[c * fp + i]
                        let ratio = num / max(den, Float.leastNormalMagnitude)
                        if ratio.isFinite {
                            basis.storage[c * fp + i] = max(basis.storage[c * fp + i] * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor)
                        }
                    }
                }
                var hMatrix = Matrix(rows: k, columns: v.columns, columnMajor: expected)
                basis.normalize(activations: &hMatrix, from: fixed)
                let measured = state.iterate(measureDivergence: true)
                #expect(measured == d * BetaState.divergenceScale(state.scale, beta: beta), "β \(beta), K \(k), fixed \(fixed)")
                #expect(state.scaledH.storage == hMatrix.storage, "β \(beta), K \(k), fixed \(fixed)")
                #expect(state.basis.storage == basis.storage, "β \(beta), K \(k), fixed \(fixed)")
            }
        }
    }
}
