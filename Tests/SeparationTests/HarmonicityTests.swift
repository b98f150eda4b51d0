import Foundation
import Testing
import NMFSeparation
import _TestSupport
@testable import Separation

@Suite struct HarmonicityTests {
    /// A template with partials at h·f0 (amplitude 1/h, each spread over ±1 bin), columns summing to one.
    func comb(f0: Double, partials: Int, sampleRate: Int, bins: Int = 1025) -> Matrix {
        var w = Matrix(rows: bins, columns: 1)
        let binHz = Double(sampleRate) / 2 / Double(bins - 1)
        for h in 1...partials {
            let x = Double(h) * f0 / binHz
            let i = Int(x.rounded())
            for j in max(0, i - 1)...min(bins - 1, i + 1) {
                w[j, 0] += Float(exp(-2 * (Double(j) - x) * (Double(j) - x)) / Double(h))
            }
        }
        let s = w.storage.reduce(0, +)
        for i in w.storage.indices { w.storage[i] /= s }
        return w
    }

    func withinQuarterTone(_ a: Double, _ b: Double) -> Bool { abs(log2(a / b)) <= 1.0 / 24 }

    @Test(arguments: [(200.0, 16_000), (110.0, 44_100), (90.0, 44_100), (440.0, 22_050), (62.0, 16_000)])
    func findsTheFundamentalOfACombAndScoresItHigh(f0: Double, sampleRate: Int) {
        let r = Harmonicity.estimate(comb(f0: f0, partials: 12, sampleRate: sampleRate), sampleRate: sampleRate)
        #expect(withinQuarterTone(r.fundamental[0], f0), "fundamental \(r.fundamental[0]) Hz for a comb at \(f0) Hz")
        #expect(r.salience[0] > 0.3, "harmonicity \(r.salience[0])")
    }

    @Test func noiseAndAFlatSpectrumScoreLow() {
        var g = SeededGenerator(seed: 7)
        var w = Matrix(rows: 1025, columns: 3)
        for i in 0..<1025 {
            w[i, 0] = Float.random(in: 0..<1, using: &g)
            w[i, 1] = 1
            w[i, 2] = exp(-Float(i) / 200)
        }
        let r = Harmonicity.estimate(w, sampleRate: 16_000)
        let harmonic = Harmonicity.estimate(comb(f0: 200, partials: 12, sampleRate: 16_000), sampleRate: 16_000).salience[0]
        for (c, s) in r.salience.enumerated() {
            #expect(s < 0.15 && s < harmonic / 3, "column \(c): \(s) against \(harmonic) for a comb")
        }
    }

    @Test func emptyNonFiniteAndTinyInputsGiveZeros() {
        var w = Matrix(rows: 513, columns: 3)
        w[10, 1] = .nan
        w[20, 2] = .infinity
        let r = Harmonicity.estimate(w, sampleRate: 8_000)
        #expect(r.salience == [0, 0, 0] && r.fundamental == [0, 0, 0])
        #expect(Harmonicity.estimate(Matrix(rows: 1, columns: 2), sampleRate: 8_000).salience == [0, 0])
        // At 150 Hz sampling no candidate (≥ 50 Hz) has two harmonics below Nyquist.
        let low = Harmonicity.estimate(comb(f0: 60, partials: 1, sampleRate: 150, bins: 9), sampleRate: 150)
        #expect(low.salience == [0] && low.fundamental == [0])
    }

    @Test func anySampleRateAndShapeGivesFiniteValuesInRange() {
        var g = SeededGenerator(seed: 5)
        for (bins, k) in [(2, 1), (3, 2), (65, 3), (4097, 2)] {
            var w = Matrix(rows: bins, columns: k)
            for i in w.storage.indices { w.storage[i] = g.nextUnitFloat() * (i % 7 == 0 ? 1e-30 : 1e3) }
            for rate in [-44_100, 0, 1, 150, 8_000, 44_100, 384_000, Int.max] {
                let r = Harmonicity.estimate(w, sampleRate: rate)
                #expect(r.salience.count == k && r.fundamental.count == k)
                #expect(r.salience.allSatisfy { $0.isFinite && $0 >= -1 && $0 <= 1 }, "bins \(bins), rate \(rate): \(r.salience)")
                #expect(r.fundamental.allSatisfy { $0 == 0 || (50...1001).contains($0) }, "bins \(bins), rate \(rate): \(r.fundamental)")
            }
        }
    }

    /// The magnitude spectrum of the loudest of the first 200 frames of a recording (fft 2048, hop 512).
    func loudestFrame(_ name: String) throws -> (Matrix, Int) {
        let buffer = try TestSupport.excerpt(name, frames: 200 * 512)
        let stft = STFT(configuration: try STFTConfiguration(fftSize: 2048, hopLength: 512))
        let spec = stft.forward(buffer.channels[0])
        let energy = (0..<spec.frames).map { n in (0..<spec.bins).reduce(Float(0)) { $0 + spec.magnitude($1, n) } }
        let frame = energy.indices.max { energy[$0] < energy[$1] }!
        var w = Matrix(rows: spec.bins, columns: 1)
        for f in 0..<spec.bins { w[f, 0] = spec.magnitude(f, frame) }
        return (w, buffer.sampleRate)
    }

    @Test func realNotesScoreAboveRealNoiseAndDrums() throws {
        func harmonicity(_ name: String) throws -> Float {
            let (w, rate) = try loudestFrame(name)
            return Harmonicity.estimate(w, sampleRate: rate).salience[0]
        }
        let notes = try ["cello_sms_phrase.wav", "sax_sms_phrase.wav", "trumpet_librosa.wav"].map(harmonicity)
        let others = try ["noise_exercise_bike.wav", "noise_blanket_city.wav", "drumkit_sonicpi_snare_toms.wav"].map(harmonicity)
        #expect(notes.min()! > others.max()!, "notes \(notes), noise and drums \(others)")
    }
}

/// The harmonicity in the grouping features: two harmonic and two noisy templates.
@Suite struct HarmonicityGroupingTests {
    func templates(sampleRate: Int = 16_000, bins: Int = 1025) -> Matrix {
        var g = SeededGenerator(seed: 11)
        var w = Matrix(rows: bins, columns: 4)
        let binHz = Double(sampleRate) / 2 / Double(bins - 1)
        for c in 0..<4 {
            let f0 = c % 2 == 0 ? 220.0 : 180.0
            for i in 1..<bins {
                let hz = Double(i) * binHz
                let h = (hz / f0).rounded(), d = hz - h * f0
                let x = c < 2 ? 0.3 + (h >= 1 ? exp(-d * d / 200) : 0) : 0.3 + 0.3 * Double(g.nextUnitFloat())
                w[i, c] = Float(exp(-hz / 3000) * x)
            }
            let sum = (0..<bins).reduce(Float(0)) { $0 + w[$1, c] }
            for i in 0..<bins { w[i, c] /= sum }
        }
        return w
    }

    @Test(arguments: [GroupingMethod.timbre, .percussive])
    func featuresEndWithTheStandardisedHarmonicity(method: GroupingMethod) {
        let w = templates()
        let h = Matrix(rows: 4, columns: 50, repeating: 1)
        let v = w.multiplied(by: h)
        let features = ComponentGrouping.features(method: method, basis: w, activations: h, sampleRate: 16_000,
                                                  spectrogram: v, threads: 1, channelGains: nil)
        let mfcc = ComponentGrouping.templateMFCC(w, sampleRate: 16_000,
                                                  smoothingHz: method == .percussive ? ComponentGrouping.envelopeSmoothingHz : 0)
        // The MFCCs, then the harmonicity (then, for .percussive, the percussiveness).
        #expect(features.map(\.count) == [Int](repeating: 13 + (method == .percussive ? 2 : 1), count: 4))
        for c in 0..<4 { #expect(Array(features[c].prefix(13)) == mfcc[c]) }
        let column = features.map { $0[13] }
        let p = Harmonicity.estimate(w, sampleRate: 16_000).salience
        #expect(min(p[0], p[1]) > 0.2 && max(p[2], p[3]) < 0.15, "harmonicities \(p)")
        #expect(min(column[0], column[1]) > max(column[2], column[3]), "harmonicity column \(column)")
        // Standardised: mean 0, spread harmonicityWeight × the MFCCs' mean spread.
        let mean = column.reduce(0, +) / 4
        let spread = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        let expected = ComponentGrouping.harmonicityWeight * Float(ComponentGrouping.meanSpread(mfcc))
        #expect(abs(mean) < 1e-4 * expected && abs(spread - expected) < 1e-3 * expected, "mean \(mean), spread \(spread) against \(expected)")
    }
}
