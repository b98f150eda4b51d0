import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import Separation

/// The timbre features of component grouping.
@Suite struct ComponentGroupingTests {
    @Test(arguments: [0, 1, 3, 50])
    func smoothingIsTheClampedMovingAverage(halfWidth: Int) {
        var g = SeededGenerator(seed: 4)
        let x = (0..<37).map { _ in g.nextUnitFloat() }
        let y = ComponentGrouping.smoothedAlongFrequency(x, halfWidth: halfWidth)
        for i in 0..<x.count {
            var s = 0.0
            for j in (i - halfWidth)...(i + halfWidth) { s += Double(x[min(max(j, 0), x.count - 1)]) }
            #expect(abs(Double(y[i]) - s / Double(2 * halfWidth + 1)) < 1e-6)
        }
    }

    /// A harmonic template: partials at multiples of `pitch` Hz, amplitude `envelope(f)`, each
    /// spread over three bins; 1025 bins up to 11025 Hz.
    func harmonic(pitch: Double, envelope: (Double) -> Double) -> [Float] {
        let binHz = 11025.0 / 1024
        var w = [Float](repeating: 1e-6, count: 1025)
        var f = pitch
        while f < 11000 {
            let b = Int((f / binHz).rounded())
            for (d, a) in [(-1, 0.3), (0, 1.0), (1, 0.3)] where b + d >= 0 && b + d < 1025 { w[b + d] += Float(a * envelope(f)) }
            f += pitch
        }
        return w
    }

    /// Notes of a dark instrument (partials falling with frequency) and of a bright one
    /// (a formant near 2.5 kHz) at pitches interleaved over 220–392 Hz: with the envelope
    /// smoothing of `.percussive` grouping the notes of one instrument are nearer each other
    /// than any note of the other, and group so.
    @Test func notesOfOneInstrumentAtDifferentPitchesGroupTogether() throws {
        let dark: (Double) -> Double = { 1 / (1 + $0 / 300) }
        let bright: (Double) -> Double = { exp(-pow(($0 - 2500) / 900, 2)) + 0.02 }
        let columns = [harmonic(pitch: 220, envelope: dark), harmonic(pitch: 247, envelope: bright), harmonic(pitch: 277, envelope: dark),
                       harmonic(pitch: 311, envelope: bright), harmonic(pitch: 349, envelope: dark), harmonic(pitch: 392, envelope: bright)]
        var w = Matrix(rows: 1025, columns: columns.count)
        for (c, col) in columns.enumerated() {
            let total = col.reduce(0, +)
            for i in 0..<1025 { w[i, c] = col[i] / total }
        }
        let instrument = [0, 1, 0, 1, 0, 1]
        /// The farthest pair of notes of one instrument and the nearest pair of notes of two.
        func spreads(smoothingHz: Double) -> (within: Float, between: Float) {
            let features = ComponentGrouping.templateMFCC(w, sampleRate: 22050, smoothingHz: smoothingHz)
            func distance(_ a: Int, _ b: Int) -> Float { zip(features[a], features[b]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            var within: Float = 0, between = Float.infinity
            for a in 0..<6 { for b in (a + 1)..<6 {
                if instrument[a] == instrument[b] { within = max(within, distance(a, b)) } else { between = min(between, distance(a, b)) }
            } }
            return (within, between)
        }
        let smoothed = spreads(smoothingHz: ComponentGrouping.envelopeSmoothingHz)
        #expect(smoothed.within < smoothed.between, "\(smoothed)")
        // Without the smoothing the resolved harmonics make pitch dominate (why it is there).
        let raw = spreads(smoothingHz: 0)
        #expect(raw.within > raw.between, "\(raw)")
        let h = Matrix(rows: 6, columns: 50, repeating: 1)
        let groups = try ComponentGrouping.group(method: .percussive, basis: w, activations: h, sources: 2, sampleRate: 22050, seed: 0)
        #expect(Set(groups.map { Set($0) }) == [Set([0, 2, 4]), Set([1, 3, 5])])
    }

    /// A library caller's bad arguments throw, naming them (the process stopped before), and
    /// factors beyond float32 still give every source a component (the groups came back empty).
    @Test func badArgumentsThrowAndNonFiniteFactorsStillGroup() throws {
        let (w, h, v) = TestSupport.randomFactors(bins: 129, components: 6, frames: 40, seed: 2)
        #expect(throws: SeparationError.invalidParameter(name: "sources", value: "7", allowed: "1 to the number of components, 6")) {
            _ = try ComponentGrouping.group(method: .timbre, basis: w, activations: h, sources: 7, sampleRate: 16000, seed: 0)
        }
        #expect(throws: SeparationError.invalidParameter(name: "sampleRate", value: "0 Hz", allowed: "1 Hz or more")) {
            _ = try ComponentGrouping.group(method: .timbre, basis: w, activations: h, sources: 2, sampleRate: 0, seed: 0)
        }
        #expect(throws: SeparationError.self) {
            _ = try ComponentGrouping.group(method: .timbre, basis: w, activations: Matrix(rows: 5, columns: 40), sources: 2, sampleRate: 16000, seed: 0)
        }
        var bad = h
        bad[2, 7] = .infinity
        var huge = h
        for i in 0..<huge.storage.count { huge.storage[i] *= 3e38 }
        for (method, activations) in [(GroupingMethod.timbre, bad), (.percussive, bad), (.percussive, huge), (.activations, huge)] {
            let groups = try ComponentGrouping.group(method: method, basis: w, activations: activations, sources: 3, sampleRate: 16000,
                                                     seed: 0, spectrogram: method == .percussive ? v : nil)
            #expect(groups.count == 3 && groups.allSatisfy { !$0.isEmpty } && groups.flatMap { $0 }.sorted() == Array(0..<6), "\(method): \(groups)")
        }
    }
}
