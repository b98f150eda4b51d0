import Testing
import Foundation
@testable import Spectral
import AudioIO
import _TestSupport

@Suite struct STFTTests {
    /// A direct O(N²) DFT of one windowed, centred frame, in Double.
    func directDFT(_ x: [Float], frame n: Int, config: STFTConfiguration) -> [(Double, Double)] {
        let size = config.fftSize
        let w = Window.hann.samples(size: size)
        let start = config.frameStart(n)
        return (0..<config.binCount).map { k in
            var re = 0.0, im = 0.0
            for j in 0..<size {
                let t = start + j
                let s = (t >= 0 && t < x.count) ? Double(x[t]) : 0
                let a = -2 * Double.pi * Double(k * j) / Double(size)
                re += s * Double(w[j]) * cos(a)
                im += s * Double(w[j]) * sin(a)
            }
            return (re, im)
        }
    }

    @Test(arguments: [(16, 4), (32, 8), (64, 16), (30, 10)])
    func matchesDirectDFT(size: Int, hop: Int) throws {
        let config = try STFTConfiguration(fftSize: size, hopLength: hop)
        var g = SeededGeneratorForTests(seed: 3)
        let x = (0..<200).map { _ in g.nextSigned() }
        let spec = STFT(configuration: config).forward(x)
        #expect(spec.frames == config.frameCount(forSignalLength: x.count))
        for n in [0, 1, spec.frames / 2, spec.frames - 1] {
            let ref = directDFT(x, frame: n, config: config)
            for k in 0..<config.binCount {
                #expect(abs(Double(spec.real(k, n)) - ref[k].0) < 1e-4)
                #expect(abs(Double(spec.imaginary(k, n)) - ref[k].1) < 1e-4)
            }
        }
    }

    @Test func periodicHannIsDFTEven() {
        let w = Window.hann.samples(size: 8)
        #expect(w[0] == 0)
        #expect(abs(w[4] - 1) < 1e-7)
        #expect(abs(w[1] - w[7]) < 1e-7)
    }

    @Test(arguments: ["speech_sms_male.wav", "guitar_sonicpi_e_fifths.wav", "speech_libri_198_f.wav"])
    func roundTripOfRealRecordingIsExact(name: String) throws {
        let x = try TestSupport.read(TestSupport.audio(name)).channels[0]
        let config = try STFTConfiguration(fftSize: 2048, hopLength: 512)
        let stft = STFT(configuration: config)
        let y = try stft.inverse(stft.forward(x), length: x.count)
        #expect(y.count == x.count)
        let err = zip(x, y).map { abs($0 - $1) }.max()!
        #expect(err < 1e-5 * TestSupport.peak(x))
    }

    @Test(arguments: [(1024, 256), (1024, 512), (512, 100), (256, 1), (2048, 1536), (1024, 768)])
    func roundTripHoldsForOtherHopsAndOddLengths(size: Int, hop: Int) throws {
        let x = Array(try TestSupport.read(TestSupport.audio("piano_sms.wav")).channels[0].prefix(20_001))
        let config = try STFTConfiguration(fftSize: size, hopLength: hop)
        let stft = STFT(configuration: config)
        let y = try stft.inverse(stft.forward(x), length: x.count)
        #expect(y.count == x.count)
        let err = zip(x, y).map { abs($0 - $1) }.max()!
        #expect(err < 1e-5 * TestSupport.peak(x))
    }

    @Test func frameCountCoversEverySample() throws {
        let c = try STFTConfiguration(fftSize: 2048, hopLength: 512)
        #expect(c.frameCount(forSignalLength: 2048) == 5)
        #expect(c.frameCount(forSignalLength: 2049) == 5)
        #expect(c.frameCount(forSignalLength: 2050) == 6)
        #expect(c.binCount == 1025)
        #expect(c.frameStart(0) == -1024)
    }

    @Test func invalidSettingsAreRefusedWithTheirValue() {
        #expect(throws: SpectralError.invalidFFTSize(7)) { try STFTConfiguration(fftSize: 7) }
        #expect(throws: SpectralError.invalidFFTSize(1 << 20)) { try STFTConfiguration(fftSize: 1 << 20) }
        #expect(throws: SpectralError.invalidHopLength(hop: 0, fftSize: 1024)) { try STFTConfiguration(fftSize: 1024, hopLength: 0) }
        #expect(throws: SpectralError.invalidHopLength(hop: 2048, fftSize: 1024)) { try STFTConfiguration(fftSize: 1024, hopLength: 2048) }
        // Beyond 3/4 of the fft size the windows overlap too little to invert in float32
        // (at the fft size, each frame's first sample has no window weight at all).
        for hop in [769, 1023, 1024] {
            #expect(throws: SpectralError.invalidHopLength(hop: hop, fftSize: 1024)) { try STFTConfiguration(fftSize: 1024, hopLength: hop) }
        }
        #expect(SpectralError.invalidHopLength(hop: 1024, fftSize: 1024).description.contains("allowed: 1 to 3/4 of the fft size 1024, 768"))
        #expect(SpectralError.invalidHopLength(hop: 0, fftSize: 1024).description.contains("--hop 0"))
    }

    @Test func inverseRefusesLengthsOutsideTheFramesWithTheirValue() throws {
        let config = try STFTConfiguration(fftSize: 16, hopLength: 4)
        let stft = STFT(configuration: config)
        let spec = stft.forward([Float](repeating: 0.5, count: 40))
        let end = config.frameStart(spec.frames - 1) + 16
        #expect(try stft.inverse(spec, length: end).count == end)
        for length in [-1, end + 1, Int.max, 1 << 62] {
            #expect(throws: SpectralError.invalidParameter(name: "length", value: "\(length)",
                                                           allowed: "0 to \(end), the end of the spectrogram's last frame")) {
                try stft.inverse(spec, length: length)
            }
        }
        #expect(SpectralError.invalidParameter(name: "length", value: "-1", allowed: "0 to 48").description
                == "length -1 is out of range (allowed: 0 to 48)")
    }

    @Test func inverseRefusesStorageThatDoesNotMatchTheShape() throws {
        let config = try STFTConfiguration(fftSize: 16, hopLength: 4)
        let stft = STFT(configuration: config)
        var spec = stft.forward([Float](repeating: 0.5, count: 40))
        spec.storage.removeLast(2)
        #expect(throws: SpectralError.self) { try stft.inverse(spec, length: 40) }
        spec.storage = []
        #expect(throws: SpectralError.self) { try stft.inverse(spec, length: 40) }
    }

    @Test func streamingOverlapAddMatchesWholeSignalInverse() throws {
        let x = Array(try TestSupport.read(TestSupport.audio("sax_sms_phrase.wav")).channels[0].prefix(50_000))
        let config = try STFTConfiguration(fftSize: 1024, hopLength: 256)
        let stft = STFT(configuration: config)
        let spec = stft.forward(x)
        let adder = OverlapAdder(configuration: config, window: stft.window, signalLength: x.count, channels: 1)
        var out = [[Float]](repeating: [Float](repeating: 0, count: x.count), count: 1)
        var frame = [Float](repeating: 0, count: 1024)
        var written = 0
        for n in 0..<spec.frames {
            spec.storage.withUnsafeBufferPointer { s in
                frame.withUnsafeMutableBufferPointer { stft.synthesize(frame: s.baseAddress! + 2 * n * spec.bins, into: $0.baseAddress!) }
            }
            frame.withUnsafeBufferPointer { adder.add(frame: n, channel: 0, samples: $0.baseAddress!) }
            if n % 7 == 6 { written += adder.drain(upTo: config.frameStart(n + 1), into: &out, offset: written) }
        }
        written += adder.drain(upTo: x.count, into: &out, offset: written)
        #expect(written == x.count)
        #expect(zip(x, out[0]).map { abs($0 - $1) }.max()! < 1e-5 * TestSupport.peak(x))
    }
}

/// A tiny deterministic generator for test signals.
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 1 }
    mutating func nextSigned() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
}
