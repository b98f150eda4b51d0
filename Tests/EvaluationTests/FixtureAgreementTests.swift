import Foundation
import Testing
import Evaluation

/// Agreement with fast_bss_eval 0.1.4 (`bss_eval_sources`, filter_length 512) and numpy SI-SDR
/// on the fixtures written by Scripts/make-eval-fixtures.py: 2-second excerpts of real
/// 16 kHz recordings with imperfect estimates.
@Suite struct FixtureAgreementTests {
    struct Case: Decodable {
        let name: String
        let references: [String]
        let estimates: [String]?
        let sdr: [Double]
        let sir: [Double]
        let sar: [Double]?
        let sarAbove: Double?
        let permutation: [Int]
        let siSdr: [Double]
    }

    struct Scores: Decodable {
        let sampleRate: Int
        let filterLength: Int
        let cases: [Case]
        let mixtureCases: [Case]
    }

    static let tolerance = 0.1

    static func fixtures() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    }

    static func load() throws -> Scores {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Scores.self, from: Data(contentsOf: fixtures().appendingPathComponent("scores.json")))
    }

    static func signal(_ name: String) throws -> [Float] {
        let (samples, rate) = try WAVFloatReader.read(fixtures().appendingPathComponent(name))
        #expect(rate == 16000)
        return samples
    }

    static var caseNames: [String] { ["two_speakers_masked", "two_speakers_swapped", "three_sources"] }

    @Test(arguments: caseNames)
    func matchesFastBSSEval(_ name: String) throws {
        let scores = try Self.load()
        #expect(scores.filterLength == BSSEval.defaultFilterLength)
        let c = try #require(scores.cases.first { $0.name == name })
        let references = try c.references.map(Self.signal)
        let estimates = try #require(c.estimates).map(Self.signal)
        let result = try BSSEval.evaluate(references: references, estimates: estimates, filterLength: scores.filterLength)
        #expect(result.permutation == c.permutation)
        for i in 0..<references.count {
            expectClose(result.sdr[i], c.sdr[i], tolerance: Self.tolerance, "\(name) SDR[\(i)]")
            expectClose(result.sir[i], c.sir[i], tolerance: Self.tolerance, "\(name) SIR[\(i)]")
            expectClose(result.sar[i], try #require(c.sar)[i], tolerance: Self.tolerance, "\(name) SAR[\(i)]")
            expectClose(result.siSDR[i], c.siSdr[i], tolerance: 1e-3, "\(name) SI-SDR[\(i)]")
        }
    }

    @Test func mixtureBaselineMatchesFastBSSEval() throws {
        let scores = try Self.load()
        let c = try #require(scores.mixtureCases.first)
        let references = try c.references.map(Self.signal)
        // The generator sums the references in order in float32: (r0 + r1) + r2.
        var mixture = references[0]
        for r in references.dropFirst() { for t in mixture.indices { mixture[t] += r[t] } }
        let result = try BSSEval.evaluateMixture(references: references, mixture: mixture)
        #expect(result.permutation == [0, 1, 2])
        for i in 0..<references.count {
            expectClose(result.sdr[i], c.sdr[i], tolerance: Self.tolerance, "mixture SDR[\(i)]")
            expectClose(result.sir[i], c.sir[i], tolerance: Self.tolerance, "mixture SIR[\(i)]")
            // The mixture lies in the span of the references: SAR is +inf up to rounding.
            #expect(result.sar[i] > (c.sarAbove ?? 100), "mixture SAR[\(i)] = \(result.sar[i])")
            expectClose(result.siSDR[i], c.siSdr[i], tolerance: 1e-3, "mixture SI-SDR[\(i)]")
        }
    }

    @Test func improvementOverMixtureIsTheDifference() throws {
        let scores = try Self.load()
        let c = try #require(scores.cases.first { $0.name == "three_sources" })
        let references = try c.references.map(Self.signal)
        let estimates = try #require(c.estimates).map(Self.signal)
        var mixture = references[0]
        for r in references.dropFirst() { for t in mixture.indices { mixture[t] += r[t] } }
        let separated = try BSSEval.evaluate(references: references, estimates: estimates)
        let baseline = try BSSEval.evaluateMixture(references: references, mixture: mixture)
        let gain = try separated.improvement(over: baseline)
        #expect(gain.permutation == separated.permutation)
        for i in 0..<references.count {
            #expect(gain.sdr[i] == separated.sdr[i] - baseline.sdr[i])
            #expect(gain.siSDR[i] == separated.siSDR[i] - baseline.siSDR[i])
            #expect(gain.sdr[i] > 10, "separation should improve on the mixture by > 10 dB here")
        }
    }

    @Test func swappedEstimatesGiveTheSameScoresAsOrderedOnes() throws {
        let scores = try Self.load()
        let c = try #require(scores.cases.first { $0.name == "two_speakers_swapped" })
        let references = try c.references.map(Self.signal)
        let estimates = try #require(c.estimates).map(Self.signal)
        let best = try BSSEval.evaluate(references: references, estimates: estimates)
        #expect(best.permutation == [1, 0])
        let reordered = try BSSEval.evaluate(references: references, estimates: [estimates[1], estimates[0]])
        #expect(reordered.permutation == [0, 1])
        let fixed = try BSSEval.evaluate(references: references, estimates: estimates, permutation: [1, 0])
        for i in 0..<2 {
            expectClose(reordered.sdr[i], best.sdr[i], tolerance: 1e-9, "SDR[\(i)]")
            expectClose(reordered.sir[i], best.sir[i], tolerance: 1e-9, "SIR[\(i)]")
            expectClose(reordered.sar[i], best.sar[i], tolerance: 1e-9, "SAR[\(i)]")
            #expect(fixed.sdr[i] == best.sdr[i] && fixed.sir[i] == best.sir[i] && fixed.sar[i] == best.sar[i])
        }
        // The wrong assignment scores much worse.
        let wrong = try BSSEval.evaluate(references: references, estimates: estimates, permutation: [0, 1])
        #expect(wrong.mean.sir < best.mean.sir - 10)
    }
}
