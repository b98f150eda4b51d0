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
}
