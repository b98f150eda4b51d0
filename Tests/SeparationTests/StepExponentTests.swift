import Foundation
import Testing
import NMFSeparation
import _TestSupport

/// Over-relaxed steps (`stepExponent` ω > 1) on a real spectrogram.
@Suite struct StepExponentTests {
    /// Piano and drums (4 s at 44.1 kHz), fft 2048: the magnitude spectrogram, bins × frames.
    func pianoAndDrums() throws -> Matrix {
        let piano = try TestSupport.excerpt("piano_sms.wav", frames: 4 * 44_100).channels[0]
        let drums = try TestSupport.excerpt("drums_sonicpi_safari.wav", frames: 4 * 44_100)
        let drum = drums.channels.count == 1 ? drums.channels[0] : zip(drums.channels[0], drums.channels[1]).map { ($0 + $1) / 2 }
        let mix = zip(piano, drum).map { 0.5 * ($0 + $1) }
        let spec = STFT(configuration: try STFTConfiguration(fftSize: 2048)).forward(mix)
        var v = Matrix(rows: spec.bins, columns: spec.frames)
        for n in 0..<spec.frames { for f in 0..<spec.bins { v[f, n] = spec.magnitude(f, n) } }
        return v
    }

    /// The trial starts run plain steps: at ω = 1.9 they went unwatched (the trials measure the
    /// divergence once) and the best of them ended above its start (425 000 against 226 000 on
    /// this mixture), which a `tolerance` then took as the scale of its decreases and stopped early.
    @Test func trialStartsDescendAndTheRunEndsBelowThePlainOne() throws {
        let v = try pianoAndDrums()
        var config = try NMFConfiguration(componentCount: 8, maxIterations: 200, seed: 0)
        let plain = try NMF(configuration: config).factorize(v)
        config.stepExponent = 1.9
        let relaxed = try NMF(configuration: config).factorize(v)
        let history = relaxed.divergenceHistory
        #expect(history[1].iteration == config.restartIterations && history[1].value < history[0].value, "\(history.prefix(3))")
        // Measured 2026-11-27 (the command line, -s 2): 7 465 against 8 885 before; ω = 1 reaches 7 484.
        #expect(relaxed.finalDivergence < plain.finalDivergence, "\(relaxed.finalDivergence) against \(plain.finalDivergence)")
    }
}
