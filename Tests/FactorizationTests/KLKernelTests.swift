import Testing
@testable import Factorization
import DSPCore

/// The fused KL kernels against their two-step forms.
@Suite struct KLKernelTests {
    /// Random positive W (padded bins × K, zero padding), four frames of V (frame-major, `bins`
    /// apart) and their activations (`components` apart).
    struct Quad {
        var w: [Float], v: [Float], h: [Float]
        let bins: Int, paddedBins: Int, components: Int
        init(bins: Int, components: Int, seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            self.bins = bins
            self.components = components
            paddedBins = (bins + 7) & ~7
            w = [Float](repeating: 0, count: paddedBins * components)
            for k in 0..<components { for f in 0..<bins { w[k * paddedBins + f] = g.nextUnitFloat() + 0.01 } }
            v = (0..<(4 * bins)).map { _ in g.nextUnitFloat() < 0.1 ? 0 : g.nextUnitFloat() * 3 }
            h = (0..<(4 * components)).map { _ in g.nextUnitFloat() + 0.1 }
        }
    }

    /// acc after the two-step path (ratios into r, then accumulateBasis) or the fused one.
    func accumulate(_ q: Quad, first: Int, fused: Bool) -> [Float] {
        var acc = [Float](repeating: 0.5, count: q.paddedBins * q.components)
        var r = [Float](repeating: 0, count: 4 * q.paddedBins)
        let (f, fp, k) = (q.bins, q.paddedBins, q.components)
        q.v.withUnsafeBufferPointer { vp in
            q.h.withUnsafeBufferPointer { hp in
                q.w.withUnsafeBufferPointer { wp in
                    r.withUnsafeMutableBufferPointer { rp in
                        acc.withUnsafeMutableBufferPointer { ap in
                            let v = vp.baseAddress!, h = hp.baseAddress!
                            let vs = (v, v + f, v + 2 * f, v + 3 * f), hs = (h, h + k, h + 2 * k, h + 3 * k)
                            if fused {
                                KLKernels.ratiosIntoBasis(v: vs, w: wp.baseAddress!, bins: f, paddedBins: fp, components: k,
                                                          from: first, h: hs, r: rp.baseAddress!, epsilon: 1e-9, accumulator: ap.baseAddress!,
                                                          ahead: 4 * f)
                            } else {
                                KLKernels.ratios(v: vs, w: wp.baseAddress!, bins: f, paddedBins: fp, components: k,
                                                 h: hs, r: rp.baseAddress!, epsilon: 1e-9)
                                KLKernels.accumulateBasis(paddedBins: fp, components: k, from: first, r: rp.baseAddress!,
                                                          h: hs, accumulator: ap.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return acc
    }

    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 513, 1025])
    func fusedSecondPassMatchesTheTwoStepPathBitForBit(bins: Int) {
        for (components, first) in [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (6, 3)] {
            let q = Quad(bins: bins, components: components, seed: UInt64(bins * 10 + components))
            let twoStep = accumulate(q, first: first, fused: false)
            let fused = accumulate(q, first: first, fused: true)
            #expect(twoStep == fused, "bins \(bins), K \(components), first \(first)")
            // Fixed columns are not touched.
            #expect(fused[0..<(first * q.paddedBins)].allSatisfy { $0 == 0.5 })
        }
    }

    /// r and Σ D after the unblocked λ pass (`ratios`, or `ratiosAndDivergence` when `valid` is
    /// given) or the column-blocked one of many components (`blockedRatios`).
    func ratios(_ q: Quad, blocked: Bool, valid: Int?) -> ([Float], Double) {
        var r = [Float](repeating: -1, count: 4 * q.paddedBins)
        var d = 0.0
        let (f, fp, k) = (q.bins, q.paddedBins, q.components)
        q.v.withUnsafeBufferPointer { vp in
            q.h.withUnsafeBufferPointer { hp in
                q.w.withUnsafeBufferPointer { wp in
                    r.withUnsafeMutableBufferPointer { rp in
                        let v = vp.baseAddress!, h = hp.baseAddress!
                        let vs = (v, v + f, v + 2 * f, v + 3 * f), hs = (h, h + k, h + 2 * k, h + 3 * k)
                        if blocked {
                            d = KLKernels.blockedRatios(v: vs, w: wp.baseAddress!, bins: f, paddedBins: fp, components: k, h: hs,
                                                        r: rp.baseAddress!, epsilon: 1e-9, divergence: valid != nil, valid: valid ?? 4)
                        } else if let valid {
                            d = KLKernels.ratiosAndDivergence(v: vs, w: wp.baseAddress!, bins: f, paddedBins: fp, components: k,
                                                              h: hs, r: rp.baseAddress!, epsilon: 1e-9, valid: valid)
                        } else {
                            KLKernels.ratios(v: vs, w: wp.baseAddress!, bins: f, paddedBins: fp, components: k,
                                             h: hs, r: rp.baseAddress!, epsilon: 1e-9)
                        }
                    }
                }
            }
        }
        return (r, d)
    }

    /// The column-blocked λ pass (taken from `blockedLambdaComponents` components on) gives the
    /// unblocked pass's ratios and divergence to the bit, for partial blocks of columns and bins.
    @Test(arguments: [1, 7, 8, 9, 16, 17, 33, 1025])
    func blockedRatiosMatchTheUnblockedPassBitForBit(bins: Int) {
        let block = KLKernels.lambdaColumnBlock
        for components in [1, block - 1, block, block + 1, 3 * block + 5] {
            let q = Quad(bins: bins, components: components, seed: UInt64(bins * 100 + components))
            #expect(ratios(q, blocked: true, valid: nil).0 == ratios(q, blocked: false, valid: nil).0, "bins \(bins), K \(components)")
            for valid in 1...4 {
                let (rb, db) = ratios(q, blocked: true, valid: valid), (ru, du) = ratios(q, blocked: false, valid: valid)
                #expect(rb == ru && db == du, "bins \(bins), K \(components), valid \(valid): D \(db) against \(du)")
                #expect(db > 0)
            }
        }
    }

    /// The divergence of the bins past the last full 8 adds up in the unblocked pass's order:
    /// a silent last bin (v = 0, as at Nyquist) with a tiny λ gives tail terms many binary
    /// orders below the rest, where a different order of the additions changes the last bits.
    @Test(arguments: [9, 17, 1025])
    func tailTermsAddUpInTheUnblockedOrder(bins: Int) {
        let block = KLKernels.lambdaColumnBlock
        for components in [1, block + 1, 3 * block + 5] {
            for seed in 0..<8 {
                var q = Quad(bins: bins, components: components, seed: UInt64(seed * 1000 + bins + components))
                for j in 0..<4 { q.v[j * bins + bins - 1] = 0 }
                for c in 0..<components { q.w[c * q.paddedBins + bins - 1] *= 1e-9 * Float(seed + 1) }
                for valid in 1...4 {
                    let db = ratios(q, blocked: true, valid: valid).1, du = ratios(q, blocked: false, valid: valid).1
                    #expect(db.bitPattern == du.bitPattern, "bins \(bins), K \(components), seed \(seed), valid \(valid): D \(db) against \(du)")
                }
            }
        }
    }

    /// From `blockedLambdaComponents` on, the passes that form λ dispatch to the blocked sum.
    /// The comparisons among them only check consistency (each side takes the blocked pass
    /// here); the independent check is the double-precision v ⊘ W·h of a few bins.
    @Test func manyComponentsTakeTheBlockedPassEverywhere() {
        let k = KLKernels.blockedLambdaComponents
        let q = Quad(bins: 33, components: k, seed: 7)
        #expect(accumulate(q, first: k - 3, fused: false) == accumulate(q, first: k - 3, fused: true))
        let (r, _) = ratios(q, blocked: false, valid: nil)
        #expect(r == ratios(q, blocked: true, valid: nil).0)
        for j in 0..<4 {
            for f in [0, 17, 32] {
                var lambda = 0.0
                for c in 0..<k { lambda += Double(q.w[c * q.paddedBins + f]) * Double(q.h[j * k + c]) }
                let expected = Double(q.v[j * q.bins + f]) / lambda
                #expect(abs(Double(r[j * q.paddedBins + f]) - expected) <= 1e-4 * max(expected, 1e-3), "frame \(j), bin \(f)")
            }
            #expect(r[(j * q.paddedBins + 33)..<((j + 1) * q.paddedBins)].allSatisfy { $0 == 0 }, "padding of frame \(j)")
        }
    }
}
