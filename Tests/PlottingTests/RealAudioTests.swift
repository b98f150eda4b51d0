import AudioIO
import DSPCore
import Factorization
import Foundation
import Spectral
import Testing
@testable import Plotting

/// Renders every figure from a real three-instrument mixture (the "trio" stems of the
/// development recordings). Set PLOT_SAMPLES_DIR to keep the PNGs for inspection.
@Suite struct RealAudioTests {
    static let audio = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/data/audio").standardized
    static let stems = ["trio_araber_drums", "trio_araber_melody_flute", "trio_araber_accomp_bass_piano"]
    static var available: Bool {
        stems.allSatisfy { FileManager.default.fileExists(atPath: audio.appendingPathComponent("\($0).wav").path) }
    }

    /// |STFT| of a signal as a bins × frames matrix.
    static func magnitude(_ x: [Float], stft: STFT) -> Matrix {
        let spec = stft.forward(x)
        var m = Matrix(rows: spec.bins, columns: spec.frames)
        for n in 0..<spec.frames { for f in 0..<spec.bins { m[f, n] = spec.magnitude(f, n) } }
        return m
    }

    @Test(.enabled(if: available)) func rendersAllFiguresFromARealMixture() throws {
        // A short, rough factorization by default (debug builds are slow); all 15 s (1,292 frames, so the
        // time axis is pooled) with more iterations when the figures are kept for inspection.
        let keep = ProcessInfo.processInfo.environment["PLOT_SAMPLES_DIR"]
        let seconds = keep == nil ? 3 : 15, iterations = keep == nil ? 10 : 40, perSource = 4
        let signals = try Self.stems.map { name -> (samples: [Float], rate: Int) in
            let buffer = try SoundFileReader(path: Self.audio.appendingPathComponent("\(name).wav").path).readAll()
            return (Array(buffer.channels[0].prefix(seconds * buffer.sampleRate)), buffer.sampleRate)
        }
        let rate = signals[0].rate
        let mixture = (0..<signals[0].samples.count).map { i in signals.reduce(Float(0)) { $0 + $1.samples[i] } }
        let stft = STFT(configuration: try STFTConfiguration(fftSize: 1024, hopLength: 256))
        // Templates learned per stem, then activations of the mixture with the templates fixed.
        var templates: [Float] = []
        for s in signals {
            let configuration = try NMFConfiguration(componentCount: perSource, maxIterations: iterations, restarts: 1)
            let nmf = NMF(configuration: configuration)
            templates += try nmf.factorize(Self.magnitude(s.samples, stft: stft)).basis.storage
        }
        let v = Self.magnitude(mixture, stft: stft)
        let k = perSource * signals.count
        let w = Matrix(rows: v.rows, columns: k, columnMajor: templates)
        let nmf = NMF(configuration: try NMFConfiguration(componentCount: k, maxIterations: iterations, restarts: 1))
        let result = try nmf.factorize(v, fixedBasis: w)
        // Groups interleaved on purpose, so the figures must reorder components by source.
        let groups = (0..<signals.count).map { s in (0..<perSource).map { $0 * signals.count + s } }
        let order = groups.flatMap { $0 }
        var interleaved = Matrix(rows: v.rows, columns: k), h = Matrix(rows: k, columns: v.columns)
        for (p, c) in order.enumerated() {
            for f in 0..<v.rows { interleaved[f, c] = result.basis[f, p] }
            for n in 0..<v.columns { h[c, n] = result.activations[p, n] }
        }
        let plots = try SeparationPlots(spectrogram: v, basis: interleaved, activations: h, groups: groups,
                                        maskPower: 2, sampleRate: rate, hop: 256, fftSize: 1024)
        let dir = try keep.map { path -> URL in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return URL(fileURLWithPath: path)
        } ?? Fixtures.temporaryDirectory()
        defer { if keep == nil { try? FileManager.default.removeItem(at: dir) } }
        let paths = ["spectrogram", "templates", "activations", "mask1", "mask2", "mask3"].map {
            dir.appendingPathComponent("trio_\($0).png").path
        }
        try plots.writeSpectrogram(to: paths[0])
        try plots.writeTemplates(to: paths[1])
        try plots.writeActivations(to: paths[2])
        for s in 0..<3 { try plots.writeMask(source: s, to: paths[3 + s]) }
        for path in paths {
            let image = try PNGFile.read(from: path)
            #expect(image.width >= 400 && image.height >= 300)
        }
    }
}
