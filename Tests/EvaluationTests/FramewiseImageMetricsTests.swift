import Foundation
import Testing
import Evaluation

/// `BSSEval.evaluateImagesFramewise`: agreement with museval window by window (filters fitted on
/// the whole signals, metrics per window, as museval scores MUSDB18) on the stereo fixtures, and
/// its framing, silence rule and medians.
@Suite struct FramewiseImageMetricsTests {
    @Test(arguments: ["two_speakers_masked", "two_speakers_swapped", "three_sources"])
    func matchesMusevalWindowByWindow(_ name: String) throws {
        let scores = try ImageMetricsTests.load()
        let c = try #require(scores.cases.first { $0.name == name })
        let framings = try #require(c.framewise)
        #expect(framings.count == 2)
        for f in framings { try Self.compare(c, f, fixedOrder: false) }
    }

    /// Two windows with a zero channel sum (a pause; channels in anti-phase) are NaN in museval
    /// and here; the given order is kept, as museval's MUSDB18 scoring does.
    @Test func skipsSilentWindowsAsMuseval() throws {
        let c = try #require(try ImageMetricsTests.load().fixedOrderCases.first)
        let f = try #require(c.framewise?.first)
        #expect(f.sdr.allSatisfy { $0[2] == nil && $0[4] == nil })
        try Self.compare(c, f, fixedOrder: true)
    }

    static func compare(_ c: ImageMetricsTests.Case, _ f: ImageMetricsTests.Framing, fixedOrder: Bool) throws {
        let references = try c.references.map(ImageMetricsTests.image)
        let estimates = try #require(c.estimates).map(ImageMetricsTests.image)
        let result = try BSSEval.evaluateImagesFramewise(references: references, estimates: estimates,
                                                         window: f.window, hop: f.hop, fixedOrder: fixedOrder)
        #expect(result.permutation == f.permutation)
        #expect(result.windowLength == f.window && result.windowStarts == (0..<f.sdr[0].count).map { $0 * f.hop })
        for (metric, ours, theirs) in [("SDR", result.sdr, f.sdr), ("ISR", result.isr, f.isr),
                                       ("SIR", result.sir, f.sir), ("SAR", result.sar, f.sar)] {
            for i in 0..<references.count {
                for w in 0..<theirs[i].count {
                    let what = "\(c.name) \(f.window)/\(f.hop) \(metric)[\(i)][\(w)]"
                    guard let value = theirs[i][w] else {
                        #expect(ours[i][w].isNaN, "\(what) = \(ours[i][w]), museval NaN")
                        continue
                    }
                    if value > 100 {
                        #expect(ours[i][w] > 100, "\(what) = \(ours[i][w]), museval \(value)")   // +∞ up to rounding
                    } else {
                        // Measured: within 10⁻⁷ dB.
                        expectClose(ours[i][w], value, tolerance: 1e-6, what)
                    }
                }
            }
        }
    }

    @Test func oneWindowOverTheWholeSignalIsEvaluateImages() throws {
        var noise = TestNoise(seed: 11)
        let t = 5000
        let references = [[noise.coloured(t), noise.white(t)], [noise.white(t), noise.coloured(t, pole: 0.5)]]
        var estimates = references
        for c in 0..<2 { for k in 0..<t { estimates[0][c][k] += 0.3 * references[1][c][k] + 0.05 * Float(noise.gaussian()) } }
        for c in 0..<2 { for k in 0..<t { estimates[1][c][k] = 0.7 * estimates[1][c][k] + 0.1 * Float(noise.gaussian()) } }
        let whole = try BSSEval.evaluateImages(references: references, estimates: estimates)
        for window in [t, 2 * t] {
            let framed = try BSSEval.evaluateImagesFramewise(references: references, estimates: estimates, window: window, hop: 7)
            #expect(framed.windowStarts == [0] && framed.windowLength == t && framed.permutation == whole.permutation)
            let median = framed.median
            for i in 0..<2 {
                // Time-domain projections through solved filters against quadratic forms: rounding only.
                expectClose(median.sdr[i], whole.sdr[i], tolerance: 1e-9, "SDR[\(i)]")
                expectClose(median.isr[i], whole.isr[i], tolerance: 1e-6, "ISR[\(i)]")
                expectClose(median.sir[i], whole.sir[i], tolerance: 1e-6, "SIR[\(i)]")
                expectClose(median.sar[i], whole.sar[i], tolerance: 1e-6, "SAR[\(i)]")
            }
        }
    }

    @Test func silentWindowsAreNaNAndLeftOutOfTheMedian() throws {
        var noise = TestNoise(seed: 12)
        let t = 6000
        var references = [[noise.coloured(t), noise.coloured(t)], [noise.white(t), noise.white(t)]]
        // Source 1 pauses during the second of three 2000-sample windows.
        for c in 0..<2 { for k in 2000..<4000 { references[1][c][k] = 0 } }
        var estimates = references
        for c in 0..<2 { for k in 0..<t { estimates[0][c][k] += 0.2 * Float(noise.gaussian()) } }
        let s = try BSSEval.evaluateImagesFramewise(references: references, estimates: estimates, window: 2000, hop: 2000)
        #expect(s.windowStarts == [0, 2000, 4000])
        #expect(s.sdr[0][1].isNaN && s.sir[1][1].isNaN && !s.sdr[0][0].isNaN && !s.sdr[0][2].isNaN)
        #expect(s.median.sdr[0] == (s.sdr[0][0] + s.sdr[0][2]) / 2)
        let mixture = (0..<2).map { c in (0..<t).map { references[0][c][$0] + references[1][c][$0] } }
        let baseline = try BSSEval.imageSDRFramewise(references: references, estimate: mixture, window: 2000, hop: 2000)
        #expect(baseline[0][1].isNaN && baseline[1][1].isNaN && !baseline[0][0].isNaN)
        for w in [0, 2] {
            let range = (w * 2000)..<((w + 1) * 2000)
            let whole = try BSSEval.imageSDR(reference: references[0].map { Array($0[range]) },
                                             estimate: mixture.map { Array($0[range]) })
            expectClose(baseline[0][w], whole, tolerance: 1e-12, "mixture SDR, window \(w)")
        }
    }

    @Test func oneSourceAndSignalsShorterThanTheFilter() throws {
        var noise = TestNoise(seed: 14)
        // J = 1: nothing can interfere (SIR = +∞ in every window).
        let r = [[noise.coloured(3000), noise.white(3000)]]
        var e = r
        for c in 0..<2 { for t in 0..<3000 { e[0][c][t] += 0.1 * Float(noise.gaussian()) } }
        let one = try BSSEval.evaluateImagesFramewise(references: r, estimates: e, window: 1000, hop: 500)
        #expect(one.windowStarts == [0, 500, 1000, 1500, 2000] && one.sir[0].allSatisfy { $0 == .infinity })
        #expect(one.sdr[0].allSatisfy { $0.isFinite && $0 > 10 })
        // T = 300 < L = 512, windows of 100 samples.
        let short = [[noise.white(300)], [noise.white(300)]]
        let s = try BSSEval.evaluateImagesFramewise(references: short, estimates: short.reversed(), window: 100, hop: 100)
        #expect(s.permutation == [1, 0] && s.sdr.joined().allSatisfy { $0 > 100 })
    }

    @Test func framingAndMedianFollowMuseval() throws {
        #expect(FramewiseImageScores.median([3, .nan, 1, 2]) == 2)
        #expect(FramewiseImageScores.median([4, 1, .nan, 2, 3]) == 2.5)
        #expect(FramewiseImageScores.median([.nan]).isNaN && FramewiseImageScores.median([]).isNaN)
        var noise = TestNoise(seed: 13)
        let r = [[noise.white(1000)], [noise.white(1000)]]
        // ⌊(T − window + hop) / hop⌋ whole windows: (1000 − 300 + 250) / 250 = 3; the tail is not scored.
        let s = try BSSEval.evaluateImagesFramewise(references: r, estimates: r, window: 300, hop: 250)
        #expect(s.windowStarts == [0, 250, 500] && s.sdr[0].count == 3)
        #expect(throws: EvaluationError.invalidWindow(window: 0, hop: 1)) {
            try BSSEval.evaluateImagesFramewise(references: r, estimates: r, window: 0, hop: 1)
        }
        #expect(throws: EvaluationError.invalidWindow(window: 10, hop: 0)) {
            try BSSEval.imageSDRFramewise(references: r, estimate: r[0], window: 10, hop: 0)
        }
        #expect(throws: EvaluationError.tooManyWindows(count: 1_000_001, maximum: 1_000_000)) {
            let long = [[[Float](repeating: 1, count: 1_000_001)]]
            _ = try BSSEval.imageSDRFramewise(references: long, estimate: long[0], window: 1, hop: 1)
        }
        // A hop near Int.max does not overflow: one window.
        #expect(try BSSEval.evaluateImagesFramewise(references: r, estimates: r, window: 10, hop: .max).windowStarts == [0])
    }
}
