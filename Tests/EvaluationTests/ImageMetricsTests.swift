import Foundation
import Testing
import Evaluation

/// `BSSEval.evaluateImages`: agreement with museval's BSS Eval v4 image metrics on the stereo
/// fixtures of Scripts/make-image-fixtures.py (real recordings placed in a stereo field), and
/// values known in closed form.
@Suite struct ImageMetricsTests {
    struct Case: Decodable {
        let name: String
        let references: [String]
        let estimates: [String]?
        let sdr: [Double]
        let isr: [Double]
        let sir: [Double]
        let sar: [Double]?
        let sarAbove: Double?
        let permutation: [Int]
        let framewise: [Framing]?
    }

    /// museval's scores window by window for one framing (values per reference, then window).
    struct Framing: Decodable {
        let window: Int
        let hop: Int
        let permutation: [Int]
        /// Per reference and window; null (nil) where museval gives NaN (a skipped window).
        let sdr: [[Double?]]
        let isr: [[Double?]]
        let sir: [[Double?]]
        let sar: [[Double?]]
    }

    struct Scores: Decodable {
        let sampleRate: Int
        let filterLength: Int
        let cases: [Case]
        let mixtureCases: [Case]
        let fixedOrderCases: [Case]
    }

    /// Measured agreement: better than 0.01 dB on every fixture value (the issue asks for 0.1).
    static let tolerance = 0.01

    static func directory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("images")
    }

    static func load() throws -> Scores {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Scores.self, from: Data(contentsOf: directory().appendingPathComponent("scores.json")))
    }

    static func image(_ name: String) throws -> [[Float]] {
        let (channels, rate) = try WAVFloatReader.readChannels(directory().appendingPathComponent(name))
        #expect(rate == 16000 && channels.count == 2)
        return channels
    }

    @Test(arguments: ["two_speakers_masked", "two_speakers_swapped", "three_sources"])
    func matchesMuseval(_ name: String) throws {
        let scores = try Self.load()
        #expect(scores.filterLength == BSSEval.defaultFilterLength)
        let c = try #require(scores.cases.first { $0.name == name })
        let references = try c.references.map(Self.image)
        let estimates = try #require(c.estimates).map(Self.image)
        let result = try BSSEval.evaluateImages(references: references, estimates: estimates)
        #expect(result.permutation == c.permutation)
        for i in 0..<references.count {
            expectClose(result.sdr[i], c.sdr[i], tolerance: Self.tolerance, "\(name) SDR[\(i)]")
            expectClose(result.isr[i], c.isr[i], tolerance: Self.tolerance, "\(name) ISR[\(i)]")
            expectClose(result.sir[i], c.sir[i], tolerance: Self.tolerance, "\(name) SIR[\(i)]")
            let sar = try #require(c.sar)[i]
            if sar > 100 {
                #expect(result.sar[i] > 100, "\(name) SAR[\(i)] = \(result.sar[i]), museval \(sar)")   // +inf up to rounding
            } else {
                expectClose(result.sar[i], sar, tolerance: Self.tolerance, "\(name) SAR[\(i)]")
            }
        }
    }

    @Test func mixtureBaselineMatchesMuseval() throws {
        let scores = try Self.load()
        let c = try #require(scores.mixtureCases.first)
        let references = try c.references.map(Self.image)
        var mixture = references[0]   // (r0 + r1) + r2 in float32, as the generator sums them
        for r in references.dropFirst() {
            for ch in 0..<2 { for t in mixture[ch].indices { mixture[ch][t] += r[ch][t] } }
        }
        let result = try BSSEval.evaluateImagesMixture(references: references, mixture: mixture)
        #expect(result.permutation == [0, 1, 2])
        for i in 0..<references.count {
            expectClose(result.sdr[i], c.sdr[i], tolerance: Self.tolerance, "mixture SDR[\(i)]")
            expectClose(result.isr[i], c.isr[i], tolerance: Self.tolerance, "mixture ISR[\(i)]")
            expectClose(result.sir[i], c.sir[i], tolerance: Self.tolerance, "mixture SIR[\(i)]")
            #expect(result.sar[i] > (c.sarAbove ?? 100), "mixture SAR[\(i)] = \(result.sar[i])")
        }
        let gain = try BSSEval.evaluateImages(references: references, estimates: references).improvement(over: result)
        #expect(gain.sdr.allSatisfy { $0 > 100 })
    }

    /// Two stereo sources whose channels differ (independent noises per channel).
    static func stereoSources(_ t: Int, seed: UInt64) -> [[[Float]]] {
        var noise = TestNoise(seed: seed)
        return [[noise.coloured(t), noise.coloured(t, pole: 0.7)], [noise.white(t), noise.coloured(t, pole: 0.3)]]
    }

    @Test func scaledImageScoresItsGainError() throws {
        let references = Self.stereoSources(6000, seed: 3)
        let g: Float = 0.5
        let estimates = references.map { $0.map { $0.map { g * $0 } } }.reversed()
        let s = try BSSEval.evaluateImages(references: references, estimates: Array(estimates))
        #expect(s.permutation == [1, 0])
        // ŝ = g·s lies in the span: SDR = ISR = 10·log₁₀(1 / (1 − g)²) = 6.02 dB, no interference, no artifacts.
        for i in 0..<2 {
            expectClose(s.sdr[i], 20 * log10(1 / 0.5), tolerance: 1e-4, "SDR[\(i)]")
            expectClose(s.isr[i], 20 * log10(1 / 0.5), tolerance: 1e-4, "ISR[\(i)]")
            #expect(s.sir[i] > 80 && s.sar[i] > 80, "SIR \(s.sir[i]) SAR \(s.sar[i])")
        }
    }

    @Test func wrongPlaceInTheStereoFieldIsSpatialDistortion() throws {
        var noise = TestNoise(seed: 4)
        let t = 6000
        let a = noise.coloured(t), b = noise.white(t)
        // Source 0 mostly left, source 1 mostly right; the estimate of source 0 has its channels exchanged.
        let references: [[[Float]]] = [[a.map { 0.9 * $0 }, a.map { 0.2 * $0 }], [b.map { 0.2 * $0 }, b.map { 0.9 * $0 }]]
        let estimates: [[[Float]]] = [[references[0][1], references[0][0]], references[1]]
        let s = try BSSEval.evaluateImages(references: references, estimates: estimates)
        #expect(s.permutation == [0, 1])
        // ‖ŝ − s‖² = (0.9 − 0.2)²·2‖a‖², ‖s‖² = (0.81 + 0.04)‖a‖²: SDR = ISR = 10·log₁₀(0.85 / 0.98).
        expectClose(s.sdr[0], 10 * log10(0.85 / 0.98), tolerance: 1e-3, "SDR of the misplaced source")
        expectClose(s.isr[0], 10 * log10(0.85 / 0.98), tolerance: 1e-3, "ISR of the misplaced source")
        #expect(s.sir[0] > 80, "the right signal, only misplaced: no interference (SIR \(s.sir[0]))")
        // The source metrics of the mono downmix cannot see it.
        let mono = try BSSEval.evaluate(references: references, estimates: estimates)
        #expect(mono.sdr[0] > 80)
        #expect(s.sdr[1] > 80)
    }

    @Test func monoImagesShareTheProjectionsOfTheSourceMetrics() throws {
        var noise = TestNoise(seed: 5)
        let t = 8000
        let references = [noise.coloured(t), noise.white(t)]
        var estimates = references
        for k in 0..<t {
            estimates[0][k] += 0.3 * references[1][k] + 0.05 * Float(noise.gaussian())
            estimates[1][k] = 0.8 * estimates[1][k] + 0.2 * references[0][k] + 0.1 * Float(noise.gaussian())
        }
        let source = try BSSEval.evaluate(references: references, estimates: estimates)
        let image = try BSSEval.evaluateImages(references: references.map { [$0] }, estimates: estimates.map { [$0] })
        #expect(image.permutation == source.permutation)
        for i in 0..<2 {
            expectClose(image.sir[i], source.sir[i], tolerance: 1e-6, "SIR[\(i)]")
            expectClose(image.sar[i], source.sar[i], tolerance: 1e-6, "SAR[\(i)]")
        }
        // Channels that are exact copies (a centre-panned source) span what one channel spans:
        // the scores equal the mono ones (the rank-deficient Gram matrix is handled).
        let copies = try BSSEval.evaluateImages(references: references.map { [$0, $0] }, estimates: estimates.map { [$0, $0] })
        for i in 0..<2 {
            expectClose(copies.sdr[i], image.sdr[i], tolerance: 1e-6, "copied SDR[\(i)]")
            expectClose(copies.isr[i], image.isr[i], tolerance: 0.01, "copied ISR[\(i)]")
            expectClose(copies.sir[i], image.sir[i], tolerance: 0.01, "copied SIR[\(i)]")
            expectClose(copies.sar[i], image.sar[i], tolerance: 0.01, "copied SAR[\(i)]")
        }
    }

    @Test func hardPannedSourcesWithSilentChannels() throws {
        var noise = TestNoise(seed: 6)
        let t = 24000
        let zero = [Float](repeating: 0, count: t)
        let a = noise.coloured(t), b = noise.white(t)
        let references: [[[Float]]] = [[a, zero], [zero, b]]
        var leaky = references[0]
        for k in 0..<t { leaky[1][k] = 0.1 * b[k] }
        let s = try BSSEval.evaluateImages(references: references, estimates: [references[1], leaky])
        #expect(s.permutation == [1, 0])
        // The leak 0.1·b in the right channel is interference, less its share in a's 512 delays
        // (≈ 512/24000 of its energy: a bias of ≈ 0.1 dB).
        expectClose(s.sir[0], 10 * log10(energy(a) / (0.01 * energy(b))), tolerance: 0.2, "SIR with leakage")
        #expect(s.sdr[1] == .infinity && s.isr[1] > 80)   // the exact image: no error at all
        #expect(![s.sdr, s.isr, s.sir, s.sar].joined().contains { $0.isNaN })
    }

    @Test func silentEstimateOneSourceAndClamp() throws {
        let r = Self.stereoSources(4000, seed: 8)
        let silent = [[Float](repeating: 0, count: 4000), [Float](repeating: 0, count: 4000)]
        // A silent estimate: SDR = ISR = 0 dB (‖s‖² / ‖0 − s‖²), SIR = SAR = −∞ (nothing projected;
        // museval would return +∞ for its 0/0 — the source metrics' convention is kept instead).
        let s = try BSSEval.evaluateImages(references: r, estimates: [silent, r[1]])
        #expect(s.permutation == [0, 1])
        #expect(abs(s.sdr[0]) < 1e-12 && abs(s.isr[0]) < 1e-12)
        #expect(s.sir[0] == -.infinity && s.sar[0] == -.infinity)
        // One source: no interference possible; P = P_1, so the SIR is +∞.
        var noisy = r[0]
        var noise = TestNoise(seed: 9)
        for c in 0..<2 { for t in 0..<4000 { noisy[c][t] += 0.1 * Float(noise.gaussian()) } }
        let one = try BSSEval.evaluateImages(references: [r[0]], estimates: [noisy])
        #expect(one.sir[0] == .infinity && one.sar[0].isFinite && one.sdr[0].isFinite)
        expectClose(one.sdr[0], try BSSEval.imageSDR(reference: r[0], estimate: noisy), tolerance: 1e-12, "imageSDR")
        let clamped = try BSSEval.evaluateImages(references: [r[0]], estimates: [noisy], clampDB: 5)
        #expect(clamped.sir[0] == 5 && clamped.sdr[0] == min(one.sdr[0], 5) && clamped.sar[0] == min(one.sar[0], 5))
        #expect(try BSSEval.imageSDR(reference: r[0], estimate: r[0]) == .infinity)
    }

    @Test func invalidInputIsNamed() throws {
        let r = Self.stereoSources(1000, seed: 7)
        #expect(throws: EvaluationError.channelCountMismatch(signal: "estimates[1]", channels: 1, reference: "references[0]", expected: 2)) {
            try BSSEval.evaluateImages(references: r, estimates: [r[0], [r[1][0]]])
        }
        #expect(throws: EvaluationError.channelCountMismatch(signal: "references[1]", channels: 1, reference: "references[0]", expected: 2)) {
            try BSSEval.evaluateImages(references: [r[0], [r[1][0]]], estimates: r)
        }
        let six = [[Float]](repeating: r[0][0], count: 6)
        #expect(throws: EvaluationError.tooManyImageSignals(sources: 3, channels: 6, maximum: 16)) {
            try BSSEval.evaluateImages(references: [six, six, six], estimates: [six, six, six])
        }
        let silent = [[Float](repeating: 0, count: 1000), [Float](repeating: 0, count: 1000)]
        #expect(throws: EvaluationError.silentReference(signal: "references[1]")) {
            try BSSEval.evaluateImages(references: [r[0], silent], estimates: r)
        }
        #expect(throws: EvaluationError.lengthMismatch(signal: "estimates[0][1]", samples: 999, reference: "references[0][0]", expected: 1000)) {
            try BSSEval.evaluateImages(references: r, estimates: [[r[0][0], Array(r[0][1].prefix(999))], r[1]])
        }
        var nan = r
        nan[1][0][17] = .nan
        #expect(throws: EvaluationError.nonFiniteSample(signal: "estimates[1][0]", index: 17)) {
            try BSSEval.evaluateImages(references: r, estimates: nan)
        }
        #expect(throws: EvaluationError.sourceCountMismatch(references: 2, estimates: 1)) {
            try BSSEval.evaluateImages(references: r, estimates: [r[0]])
        }
        #expect(throws: EvaluationError.emptySignal(signal: "estimates[0]")) {
            try BSSEval.evaluateImages(references: r, estimates: [[], r[1]])
        }
        #expect(throws: EvaluationError.channelCountMismatch(signal: "mixture", channels: 1, reference: "references[0]", expected: 2)) {
            try BSSEval.evaluateImagesMixture(references: r, mixture: [r[0][0]])
        }
        #expect(throws: EvaluationError.invalidFilterLength(0)) {
            try BSSEval.evaluateImages(references: r, estimates: r, filterLength: 0)
        }
        #expect(throws: EvaluationError.filterTooLong(2049, signals: 4, maximumOrder: 8192)) {
            try BSSEval.evaluateImages(references: r, estimates: r, filterLength: 2049)
        }
        #expect(throws: EvaluationError.filterTooLong(100_000, signals: 2, maximumOrder: 8192)) {
            try BSSEval.evaluate(references: [r[0][0], r[1][0]], estimates: [r[0][0], r[1][0]], filterLength: 100_000)
        }
        #expect(throws: EvaluationError.invalidClamp(0)) {
            try BSSEval.evaluateImages(references: r, estimates: r, clampDB: 0)
        }
        #expect(throws: EvaluationError.channelCountMismatch(signal: "estimate", channels: 1, reference: "reference", expected: 2)) {
            try BSSEval.imageSDR(reference: r[0], estimate: [r[0][0]])
        }
        #expect(throws: EvaluationError.silentReference(signal: "reference")) {
            try BSSEval.imageSDR(reference: [[0, 0], [0, 0]], estimate: [[1, 0], [0, 1]])
        }
    }
}
