import Testing
import NMFSeparation
import _TestSupport
@testable import Separation

@Suite struct PercussivenessTests {
    /// V = W·H with a sustained harmonic component (peaks at three bins, constant activation)
    /// and a drum-like one (flat spectrum, an impulse every 25 frames).
    func planted(bins: Int = 257, frames: Int = 400) -> (v: Matrix, w: Matrix, h: Matrix) {
        var w = Matrix(rows: bins, columns: 2), h = Matrix(rows: 2, columns: frames)
        for b in [20, 40, 60] { w[b, 0] = 1.0 / 3 }
        for b in 0..<bins { w[b, 1] = 1 / Float(bins) }
        for n in 0..<frames {
            h[0, n] = 1
            h[1, n] = n % 25 == 0 ? 40 : 1e-6
        }
        return (w.multiplied(by: h), w, h)
    }

    @Test func sustainedPeaksScoreLowAndImpulsesHigh() {
        let (v, w, h) = planted()
        let scores = Percussiveness.scores(v: v, basis: w, activations: h, threads: 2)
        #expect(scores.count == 2)
        #expect(scores[0] < 0.1, "harmonic component scored \(scores[0])")
        #expect(scores[1] > 0.9, "percussive component scored \(scores[1])")
        #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func scoresDoNotDependOnTheThreadCount() {
        let (v, w, h) = planted(bins: 131, frames: 999)
        let one = Percussiveness.scores(v: v, basis: w, activations: h, threads: 1)
        #expect(one == Percussiveness.scores(v: v, basis: w, activations: h, threads: 2))
        #expect(one == Percussiveness.scores(v: v, basis: w, activations: h, threads: 5))
    }

    @Test func silenceAndMismatchedShapesGiveZeros() {
        let (_, w, h) = planted()
        let zero = Matrix(rows: 257, columns: 400)
        #expect(Percussiveness.scores(v: zero, basis: w, activations: Matrix(rows: 2, columns: 400), threads: 2) == [0, 0])
        #expect(Percussiveness.scores(v: Matrix(rows: 100, columns: 400), basis: w, activations: h, threads: 2) == [0, 0])
    }

    @Test func medianOfSeventeenLanes() {
        var values = (0..<17).map { i in SIMD8<Float>(repeating: Float((i * 7) % 17)) + SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) }
        #expect(Percussiveness.median(&values) == SIMD8<Float>(repeating: 8) + SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7))
    }

    @Test func standardisedFeatureIsScaledToTheOthersSpread() {
        let features: [[Float]] = [[0, 0], [2, 4], [4, 8]]   // spreads 1.633 and 3.266, mean 2.449
        let out = ComponentGrouping.appendStandardised([([1, 2, 3], 2)], to: features)
        #expect(out.map { $0.count } == [3, 3, 3])
        let scale: Float = 2 * (1.632993 + 3.265986) / 2
        #expect(abs(out[0][2] + scale * 1.224745) < 1e-3 && abs(out[1][2]) < 1e-6 && abs(out[2][2] - scale * 1.224745) < 1e-3)
        #expect(ComponentGrouping.appendStandardised([([5, 5, 5], 2)], to: features).map { $0[2] } == [0, 0, 0])
        // Two columns at once: each scaled by the spread of the given features, not of the first appended one.
        let two = ComponentGrouping.appendStandardised([([1, 2, 3], 2), ([3, 2, 1], 1)], to: features)
        #expect(two.map { $0.count } == [4, 4, 4])
        #expect(abs(two[0][3] - scale / 2 * 1.224745) < 1e-3 && abs(two[2][2] - out[2][2]) < 1e-6)
        #expect(ComponentGrouping.appendStandardised([([1, 2], 2)], to: features) == features)
    }

    @Test func percussiveGroupingUsesTheSpectrogramAndIgnoresTheThreadCount() throws {
        let (w, h, v) = TestSupport.randomFactors(bins: 257, components: 8, frames: 300, seed: 4)
        let one = try ComponentGrouping.group(method: .percussive, basis: w, activations: h, sources: 2, sampleRate: 16000, seed: 3,
                                          spectrogram: v, threads: 1)
        #expect(one.flatMap { $0 }.sorted() == Array(0..<8) && one.allSatisfy { !$0.isEmpty })
        #expect(try one == ComponentGrouping.group(method: .percussive, basis: w, activations: h, sources: 2, sampleRate: 16000, seed: 3,
                                               spectrogram: v, threads: 2))
    }
}
