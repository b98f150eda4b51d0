import Testing
import Foundation
import NMFSeparation
@testable import Separation
import _TestSupport

/// The level spread recorded with a dictionary, and the penalties chosen from it when
/// dictionaries of changing sources come with free components.
@Suite struct AutomaticPenaltyTests {
    /// A spectrogram whose frame n has energy `energies[n]` (spread over 3 bins).
    func spectrogram(_ energies: [Double]) -> Matrix {
        var v = Matrix(rows: 3, columns: energies.count)
        for (n, e) in energies.enumerated() { for f in 0..<3 { v[f, n] = Float((e / 3).squareRoot()) } }
        return v
    }

    @Test func levelSpreadIsTheStandardDeviationOfTheActiveFrameLevels() {
        #expect(NMFDictionary.levelSpread(of: [spectrogram([2, 2, 2, 2])]) < 1e-9)
        // Alternating 0 and −20 dB: levels ±10 dB around their mean.
        #expect(abs(NMFDictionary.levelSpread(of: [spectrogram([1, 0.01, 1, 0.01])]) - 10) < 1e-4)
        // Frames more than 50 dB below the loudest (and silent ones) are left out.
        #expect(abs(NMFDictionary.levelSpread(of: [spectrogram([1, 0.01, 1e-6, 0, 1, 0.01])]) - 10) < 1e-4)
        #expect(NMFDictionary.levelSpread(of: [spectrogram([0, 0])]) == 0)
        #expect(NMFDictionary.levelSpread(of: []) == 0)
        // Files recorded 20 dB apart: each is steady, so the pooled spread is 0, not 10 dB.
        #expect(NMFDictionary.levelSpread(of: [spectrogram([1, 1, 1]), spectrogram([0.01, 0.01, 0.01])]) < 1e-9)
        #expect(abs(NMFDictionary.levelSpread(of: [spectrogram([1, 0.01]), spectrogram([100, 1])]) - 10) < 1e-4)
    }

    /// A dictionary of 8 templates trained on 4 s of a real recording at 16 kHz.
    func trained(_ file: String) throws -> NMFDictionary {
        let b = try TestSupport.read(TestSupport.audio(file))
        let trainer = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 1024, hopLength: 256),
                                        nmf: try NMFConfiguration(componentCount: 8, maxIterations: 20))
        let excerpt = AudioBuffer(channels: [Array(b.channels[0].prefix(64_000))], sampleRate: b.sampleRate)
        return try trainer.train([AudioBufferSource(excerpt)]).0
    }

    @Test func trainingRecordsTheLevelSpreadAndTheFileKeepsIt() throws {
        let speech = try trained("speech_libri_198_f.wav"), noise = try trained("noise_exercise_bike.wav")
        let s = try #require(speech.levelSpread), n = try #require(noise.levelSpread)
        #expect(s > NMFDictionary.changingLevelSpread, "speech: \(s) dB")
        #expect(n < NMFDictionary.changingLevelSpread, "bike noise: \(n) dB")
        #expect(try NMFDictionary.decode(speech.encoded(), path: "s.nmfdict").levelSpread == s)
    }

    @Test func changingDictionariesWithFreeComponentsGetThePenalties() throws {
        func dictionary(_ spread: String?) -> NMFDictionary {
            NMFDictionary(basis: Matrix(rows: 513, columns: 2), sampleRate: 16000, stft: try! STFTConfiguration(fftSize: 1024, hopLength: 256),
                          notes: spread.map { [NMFDictionary.levelSpreadKey: $0] } ?? [:])
        }
        let speech = dictionary("9.72"), noise = dictionary("2.74"), old = dictionary(nil)
        let one = try #require(NMFDictionary.automaticPenalties(for: [speech], freeSources: 1))
        #expect(one.continuity == [0, 1] && one.sparsity == [0.3, 0])
        let two = try #require(NMFDictionary.automaticPenalties(for: [speech, speech], freeSources: 1))
        #expect(two.continuity == [0, 0, 1] && two.sparsity == [0.3, 0.3, 0])
        // No free components, two free sources, a steady (noise) dictionary among them, or no recorded spread: none.
        #expect(NMFDictionary.automaticPenalties(for: [speech], freeSources: 0) == nil)
        #expect(NMFDictionary.automaticPenalties(for: [noise], freeSources: 1) == nil)
        #expect(NMFDictionary.automaticPenalties(for: [speech, noise], freeSources: 1) == nil)
        #expect(NMFDictionary.automaticPenalties(for: [old], freeSources: 1) == nil)
        #expect(NMFDictionary.automaticPenalties(for: [], freeSources: 1) == nil)
        #expect(NMFDictionary.automaticPenalties(for: [speech], freeSources: 2) == nil)
    }
}
