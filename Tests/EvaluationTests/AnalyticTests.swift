import Foundation
import Testing
import Evaluation

/// Checks against values known in closed form, and against an explicit least-squares
/// projection computed the slow way.
@Suite struct AnalyticTests {
    @Test func perfectEstimatesScoreVeryHigh() throws {
        var noise = TestNoise(seed: 1)
        let references = [noise.coloured(8000), noise.white(8000)]
        let scores = try BSSEval.evaluate(references: references, estimates: [references[1], references[0]])
        #expect(scores.permutation == [1, 0])
        for i in 0..<2 {
            #expect(scores.sdr[i] > 60, "SDR[\(i)] = \(scores.sdr[i])")
            #expect(scores.sir[i] > 60, "SIR[\(i)] = \(scores.sir[i])")
            #expect(scores.sar[i] > 60, "SAR[\(i)] = \(scores.sar[i])")
            #expect(scores.siSDR[i] == .infinity)
        }
        let clamped = try BSSEval.evaluate(references: references, estimates: references, clampDB: 60)
        #expect(clamped.sdr == [60, 60] && clamped.siSDR == [60, 60])
    }

    @Test(arguments: [0.0, 10.0, 20.0])
    func referencePlusIndependentNoiseScoresItsSNR(_ snr: Double) throws {
        var noise = TestNoise(seed: 2)
        let t = 48000
        let references = [noise.coloured(t), noise.coloured(t, pole: 0.5)]
        var estimates = references
        for i in 0..<2 {
            let n = noise.white(t)
            let gain = Float((energy(references[i]) / energy(n) / pow(10, snr / 10)).squareRoot())
            for k in 0..<t { estimates[i][k] += gain * n[k] }
        }
        let scores = try BSSEval.evaluate(references: references, estimates: estimates)
        #expect(scores.permutation == [0, 1])
        for i in 0..<2 {
            // The 2 × 512 filter taps absorb ≈ 1024/48000 of the noise: a bias of ≈ 0.1 dB.
            expectClose(scores.sdr[i], snr, tolerance: 0.5, "SDR[\(i)] at SNR \(snr)")
            expectClose(scores.sar[i], snr, tolerance: 0.5, "SAR[\(i)] at SNR \(snr)")
            // Only the noise's share in the other reference's 512 delays counts as interference:
            // ≈ 512/T of it, so SIR ≈ SNR + 10·log₁₀(T/512).
            expectClose(scores.sir[i], snr + 10 * log10(Double(t) / 512), tolerance: 1, "SIR[\(i)] at SNR \(snr)")
            expectClose(scores.siSDR[i], snr, tolerance: 0.5, "SI-SDR[\(i)] at SNR \(snr)")
        }
    }

    @Test func leakageOfTheOtherSourceIsInterference() throws {
        var noise = TestNoise(seed: 3)
        let t = 32000
        let references = [noise.white(t), noise.white(t)]
        // Estimate 0 = s0 + g·s1 with ‖g·s1‖² = ‖s0‖² / 100: SIR = 20 dB, no artifacts.
        let g = Float((energy(references[0]) / energy(references[1]) / 100).squareRoot())
        let estimate0 = zip(references[0], references[1]).map { $0 + g * $1 }
        let scores = try BSSEval.evaluate(references: references, estimates: [estimate0, references[1]])
        expectClose(scores.sir[0], 20, tolerance: 0.1, "SIR")
        expectClose(scores.sdr[0], 20, tolerance: 0.1, "SDR")
        #expect(scores.sar[0] > 60)
    }

    @Test func scalingTheEstimateChangesNoScore() throws {
        var noise = TestNoise(seed: 4)
        let references = [noise.coloured(6000), noise.white(6000)]
        let n0 = noise.white(6000), n1 = noise.white(6000)
        var estimates = references
        for k in 0..<6000 {
            estimates[0][k] += 0.3 * n0[k]
            estimates[1][k] += 0.2 * references[0][k] + 0.1 * n1[k]
        }
        let base = try BSSEval.evaluate(references: references, estimates: estimates)
        // Scaling rounds the float32 samples, hence tolerances of 10⁻⁶ dB rather than 0.
        for factor: Float in [0.37, -2.5, 1000] {
            let scaled = try BSSEval.evaluate(references: references, estimates: estimates.map { $0.map { $0 * factor } })
            for i in 0..<2 {
                expectClose(scaled.siSDR[i], base.siSDR[i], tolerance: 1e-6, "SI-SDR[\(i)] × \(factor)")
                expectClose(scaled.sdr[i], base.sdr[i], tolerance: 1e-6, "SDR[\(i)] × \(factor)")
                expectClose(scaled.sir[i], base.sir[i], tolerance: 1e-6, "SIR[\(i)] × \(factor)")
                expectClose(scaled.sar[i], base.sar[i], tolerance: 1e-6, "SAR[\(i)] × \(factor)")
            }
            let single = try ScaleInvariantSDR.compute(reference: references[0], estimate: estimates[0].map { $0 * factor })
            expectClose(single, base.siSDR[0], tolerance: 1e-6, "ScaleInvariantSDR.compute × \(factor)")
        }
    }

    @Test func siSDRMatchesItsDefinition() throws {
        // s = [1, 0, 0, 0], ŝ = [1, 1, 0, 0]: α = 1, target ‖s‖² = 1, residual ‖[0, 1, 0, 0]‖² = 1 → 0 dB.
        #expect(try ScaleInvariantSDR.compute(reference: [1, 0, 0, 0], estimate: [1, 1, 0, 0]) == 0)
        // ŝ = [2, 1]: α = 2, target 4, residual 1 → 10·log₁₀ 4.
        expectClose(try ScaleInvariantSDR.compute(reference: [1, 0], estimate: [2, 1]), 10 * log10(4), tolerance: 1e-12, "SI-SDR")
        #expect(try ScaleInvariantSDR.compute(reference: [1, 2, 3], estimate: [0, 0, 0]) == -.infinity)
    }

    @Test func oneTapFilterSDREqualsSISDR() throws {
        // With L = 1 the target is the projection of ŝ onto s itself: SDR = SI-SDR exactly.
        var noise = TestNoise(seed: 5)
        let references = [noise.coloured(5000), noise.white(5000), noise.coloured(5000, pole: -0.7)]
        let estimates = references.map { r in zip(r, noise.white(5000)).map { $0 + 0.5 * $1 } }
        let scores = try BSSEval.evaluate(references: references, estimates: estimates, filterLength: 1)
        for i in 0..<3 { expectClose(scores.sdr[i], scores.siSDR[i], tolerance: 1e-8, "SDR vs SI-SDR [\(i)]") }
    }

    @Test(arguments: [(1, 300, 4), (2, 1000, 4), (3, 777, 9), (2, 200, 64)])
    func matchesAnExplicitLeastSquaresProjection(_ sources: Int, _ length: Int, _ taps: Int) throws {
        var noise = TestNoise(seed: UInt64(100 + sources * length + taps))
        let references = (0..<sources).map { _ in noise.coloured(length, pole: 0.6) }
        var estimates = references
        for i in 0..<sources {
            let n = noise.white(length), other = references[(i + 1) % sources]
            for k in 0..<length {
                // Noise, leakage of another source, and a 2-sample echo of it.
                let echo: Float = k >= 2 ? other[k - 2] : 0
                estimates[i][k] += 0.4 * n[k] + 0.3 * other[k] + 0.2 * echo
            }
        }
        let scores = try BSSEval.evaluate(references: references, estimates: estimates,
                                          permutation: Array(0..<sources), filterLength: taps)
        for i in 0..<sources {
            let target = SlowProjection.energy(of: estimates[i], onto: [references[i]], taps: taps)
            let all = SlowProjection.energy(of: estimates[i], onto: references, taps: taps)
            let total = energy(estimates[i])
            expectClose(scores.sdr[i], 10 * log10(target / (total - target)), tolerance: 1e-6, "SDR[\(i)]")
            if sources > 1 { expectClose(scores.sir[i], 10 * log10(target / (all - target)), tolerance: 1e-6, "SIR[\(i)]") }
            expectClose(scores.sar[i], 10 * log10(all / (total - all)), tolerance: 1e-6, "SAR[\(i)]")
        }
    }

    @Test func stereoIsScoredAsTheMeanOfItsChannels() throws {
        var noise = TestNoise(seed: 6)
        let left = [noise.coloured(4000), noise.white(4000)]
        let right = [noise.white(4000), noise.coloured(4000)]
        let estLeft = left.map { $0.map { $0 * 0.9 } }
        let estRight = [right[0], zip(right[1], left[0]).map { $0 + 0.1 * $1 }]
        let stereo = try BSSEval.evaluate(references: [[left[0], right[0]], [left[1], right[1]]],
                                          estimates: [[estLeft[1], estRight[1]], [estLeft[0], estRight[0]]])
        let mono = try BSSEval.evaluate(references: [BSSEval.downmix([left[0], right[0]]), BSSEval.downmix([left[1], right[1]])],
                                        estimates: [BSSEval.downmix([estLeft[1], estRight[1]]), BSSEval.downmix([estLeft[0], estRight[0]])])
        #expect(stereo == mono)
        #expect(stereo.permutation == [1, 0])
        #expect(try BSSEval.downmix([[1, 2], [3, -2]]) == [2, 0])
        // A mono mixture against stereo references, and the reverse, are both accepted.
        let mixture = try BSSEval.evaluateMixture(references: [[left[0], right[0]], [left[1], right[1]]],
                                                  mixture: [zip(left[0], left[1]).map(+), zip(right[0], right[1]).map(+)])
        #expect(mixture.permutation == [0, 1])
        #expect(mixture.sdr.allSatisfy { abs($0) < 10 })
    }

    @Test func linearlyDependentReferencesFallBackToDiagonalLoading() throws {
        // references[1] is references[0] delayed by 3 samples (its last 3 samples are zero), so
        // the delays of both overlap and the full Gram matrix is singular.
        var noise = TestNoise(seed: 8)
        var r0 = noise.coloured(6000)
        for k in 5997..<6000 { r0[k] = 0 }
        let r1 = [0, 0, 0] + r0.prefix(5997).map { $0 * 0.5 }
        let estimates = [zip(r0, noise.white(6000)).map { $0 + 0.1 * $1 }, zip(r1, noise.white(6000)).map { $0 + 0.05 * $1 }]
        let scores = try BSSEval.evaluate(references: [r0, r1], estimates: estimates)
        for i in 0..<2 {
            #expect(!scores.sdr[i].isNaN && !scores.sir[i].isNaN && !scores.sar[i].isNaN)
            #expect(scores.sdr[i].isFinite && scores.sdr[i] > 5, "SDR[\(i)] = \(scores.sdr[i])")
        }
    }

    @Test func signalsShorterThanTheFilterStillEvaluate() throws {
        let references: [[Float]] = [[1, 0.5, -0.25, 0.1, 0], [0, 1, 0, -1, 0.5]]
        let estimates: [[Float]] = [[0.9, 0.6, -0.2, 0.1, 0.05], [0.1, 0.8, 0.1, -1, 0.4]]
        let scores = try BSSEval.evaluate(references: references, estimates: estimates)
        #expect(scores.permutation == [0, 1])
        // 512 delays of a 5-sample signal span the whole 516-sample space: no artifacts remain.
        for i in 0..<2 { #expect(!scores.sdr[i].isNaN && scores.sar[i] > 60) }
    }

    @Test func silentEstimateScoresMinusInfinity() throws {
        var noise = TestNoise(seed: 7)
        let references = [noise.white(2000), noise.white(2000)]
        let scores = try BSSEval.evaluate(references: references, estimates: [references[0], [Float](repeating: 0, count: 2000)])
        #expect(scores.permutation == [0, 1])
        #expect(scores.sdr[1] == -.infinity && scores.sar[1] == -.infinity && scores.siSDR[1] == -.infinity)
        #expect(scores.sdr[0] > 60)
    }
}
