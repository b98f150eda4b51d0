import Testing
@testable import Factorization
import DSPCore
import _TestSupport

/// The iteration for many components (groups of quads, ``KLState/GroupStep``) against the one
/// quad at a time (``KLState/QuadStep``): forced on at small K, where the quad path is the
/// unblocked one, both must give the same W, H and divergences to the bit.
@Suite struct QuadGroupTests {
    /// Variants: plain; all but two templates fixed (the W pass of few learned columns); three
    /// fixed (the W pass of many); both penalties; over-relaxed steps; two tied channels;
    /// every 4th frame read in place.
    @Test(arguments: [5, 37])
    func groupedQuadsGiveTheQuadStepsBits(components: Int) {
        let (v, _, _) = NMFTests().plantedMatrix(bins: 66, frames: 301, components: 4, noise: 0.3)
        for variant in 0..<7 {
            let stride = variant == 6 ? 4 : 1
            let (w, h) = NMFInitialization.random(for: v.columnsStrided(by: stride), components: components, seed: 9)
            func make(_ group: Int) -> KLState {
                let fixed = variant == 1 ? components - 2 : variant == 2 ? 3 : 0
                var s = KLState(v: v, w: w, h: h, threads: 2, fixedColumns: fixed, frameStride: stride, channels: variant == 5 ? 2 : 1)
                s.quadGroup = group
                if variant == 3 {
                    s.sparsity = [Float](repeating: 0.2, count: components)
                    s.continuity = (0..<components).map { $0 == 0 ? 0 : 0.5 }
                }
                if variant == 4 { s.stepExponent = 1.5 }
                s.normalizeBasis()
                return s
            }
            var single = make(1)
            for group in [3, 8] {
                var grouped = make(group)
                var reference = single
                for i in 0..<4 {
                    #expect(grouped.iterate(measureDivergence: i % 2 == 0) == reference.iterate(measureDivergence: i % 2 == 0),
                            "K \(components), variant \(variant), group \(group), iteration \(i)")
                }
                #expect(grouped.w == reference.w && grouped.h == reference.h, "K \(components), variant \(variant), group \(group)")
                #expect(grouped.h != h, "the activations were updated")
            }
            _ = single.iterate(measureDivergence: true)
        }
    }

    /// The divergence a grouped iteration reports is the quad step's to the bit where the tail
    /// bins matter: 1025 bins (one past the last full 8) with a silent last bin and tiny
    /// templates there, so each frame's tail term is far below the rest.
    @Test func groupedDivergenceKeepsTheTailOrder() {
        var (v, _, _) = NMFTests().plantedMatrix(bins: 1025, frames: 67, components: 3, noise: 0.3)
        for t in 0..<v.columns { v[1024, t] = 0 }
        var (w, h) = NMFInitialization.random(for: v, components: 6, seed: 4)
        for c in 0..<6 { w[1024, c] *= 1e-9 }
        func make(_ group: Int) -> KLState {
            var s = KLState(v: v, w: w, h: h, threads: 1)
            s.quadGroup = group
            return s
        }
        var single = make(1), grouped = make(KLState.quadsPerGroup)
        for i in 0..<3 {
            let a = grouped.iterate(measureDivergence: true), b = single.iterate(measureDivergence: true)
            #expect(a == b, "iteration \(i): \(String(describing: a)) against \(String(describing: b))")
        }
        #expect(grouped.w == single.w && grouped.h == single.h)
    }

    /// Groups are the default from `blockedLambdaComponents` components on, and only there.
    @Test func manyComponentsIterateInGroups() {
        let v = Matrix(rows: 9, columns: KLKernels.blockedLambdaComponents, repeating: 1)
        let (w, h) = NMFInitialization.random(for: v, components: KLKernels.blockedLambdaComponents, seed: 1)
        #expect(KLState(v: v, w: w, h: h, threads: 1).quadGroup == KLState.quadsPerGroup)
        let (w2, h2) = NMFInitialization.random(for: v, components: KLKernels.blockedLambdaComponents - 1, seed: 1)
        #expect(KLState(v: v, w: w2, h: h2, threads: 1).quadGroup == 1)
    }
}
