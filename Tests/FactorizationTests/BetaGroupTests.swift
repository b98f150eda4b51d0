import Testing
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
}
