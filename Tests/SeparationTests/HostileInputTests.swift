import Testing
import Foundation
import NMFSeparation
import _TestSupport

/// What a library caller can hand the separation that the command line never would: each is
/// refused with a typed error naming what is wrong, never a trap or a silent wrong result.
@Suite struct HostileInputTests {
    /// A mixture of two tones, 0.5 s at 8 kHz.
    func mixture(rate: Int = 8000) -> AudioBuffer {
        let x = (0..<4000).map { Float(0.3 * sin(Double($0) * 0.07) + 0.2 * sin(Double($0) * 0.9)) }
        return AudioBuffer(channels: [x], sampleRate: rate)
    }

    func separator(_ edit: (inout SeparationConfiguration) -> Void = { _ in }) throws -> Separator {
        var c = try SeparationConfiguration(sourceCount: 2, componentCount: 4, stft: STFTConfiguration(fftSize: 256), maxIterations: 5)
        edit(&c)
        return Separator(configuration: c)
    }

    /// The error's message, or nil when nothing was thrown.
    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// `sourceCount` is a public var: set after init to a negative count it trapped, and to a huge
    /// one it allocated a sink per source without end, before anything was checked.
    @Test func sourceCountsSetAfterInitAreRefusedBeforeAnyWork() throws {
        for count in [-1, 0, 1 << 40, Int.max / 4, Int.max] {
            let m = message { _ = try self.separator { $0.sourceCount = count }.separate(self.mixture()) }
            #expect(m?.contains("\(count)") == true && m?.contains("allowed") == true, "\(count): \(m ?? "no error")")
        }
    }

    @Test func sampleRatesBelowOneHzAreRefused() throws {
        for rate in [0, -8000, 1_536_001, Int.max] {
            let m = message { _ = try self.separator().separate(self.mixture(rate: rate)) }
            #expect(m?.contains("sampleRate \(rate)") == true, "\(m ?? "no error")")
            // The same through a SampleSource.
            let sinks = [AudioBufferSink(channelCount: 1), AudioBufferSink(channelCount: 1)]
            let s = message { _ = try self.separator().separate(source: AudioBufferSource(self.mixture(rate: rate)), sinks: sinks) }
            #expect(s?.contains("sample rate \(rate) Hz") == true, "\(s ?? "no error")")
        }
        // Training too: a rate of 0 would make a dictionary no separation could read back.
        let trainer = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 256), nmf: try NMFConfiguration(componentCount: 2, maxIterations: 3))
        let m = message { _ = try trainer.train([AudioBufferSource(self.mixture(rate: 0))]) }
        #expect(m?.contains("0 Hz") == true, "\(m ?? "no error")")
    }

    @Test func buffersWithoutChannelsUnequalChannelsOrNonFiniteSamplesAreRefused() throws {
        var empty = mixture()
        empty.channels = []
        #expect(message { _ = try self.separator().separate(empty) }?.contains("channels with 0 buffers") == true)
        var ragged = AudioBuffer(channels: [mixture().channels[0], mixture().channels[0]], sampleRate: 8000)
        ragged.channels[1].removeLast(10)
        #expect(message { _ = try self.separator().separate(ragged) }?.contains("channels[1] with 3990 samples") == true)
        // The same buffer through a SampleSource is refused too (it was zero-padded), and a
        // direct read with too few arrays or a negative count is an error, not a trap.
        let sinks = [AudioBufferSink(channelCount: 2), AudioBufferSink(channelCount: 2)]
        #expect(message { _ = try self.separator().separate(source: AudioBufferSource(ragged), sinks: sinks) }?.contains("channels[1] with 3990 samples") == true)
        var arrays: [[Float]] = [[]]
        #expect(message { try AudioBufferSource(self.mixture()).read(start: 0, count: 4, into: &arrays) } == nil)
        arrays = []
        #expect(message { try AudioBufferSource(self.mixture()).read(start: 0, count: 4, into: &arrays) }?.contains("channels with 0 buffers") == true)
        arrays = [[]]
        #expect(message { try AudioBufferSource(self.mixture()).read(start: 0, count: -1, into: &arrays) }?.contains("count -1 from frame 0") == true)
        #expect(message { try AudioBufferSource(self.mixture()).read(start: Int.max, count: 2, into: &arrays) } != nil)
        var nan = mixture()
        nan.channels[0][1234] = .nan
        #expect(message { _ = try self.separator().separate(nan) }?.contains("at frame 1234") == true)
        // Finite samples whose spectrum overflows float32.
        var huge = mixture()
        huge.channels[0][2000] = 1e30
        let m = message { _ = try self.separator().separate(huge) }
        #expect(m?.contains("too large for float32") == true, "\(m ?? "no error")")
    }

    @Test func unboundedSettingsAreRefused() throws {
        let stft = try STFTConfiguration(fftSize: 256)
        #expect(throws: SeparationError.self) { try SeparationConfiguration(sourceCount: 2, stft: stft, chunkFrames: Int.max) }
        #expect(throws: SeparationError.self) { try SeparationConfiguration(sourceCount: 2, stft: stft, threadCount: 1 << 40) }
        #expect(throws: FactorizationError.self) { try NMFConfiguration(componentCount: 2, threadCount: 1 << 40) }
        // Set after the checked init: the separation checks again.
        let s = try separator { $0.threadCount = 1 << 40 }
        #expect(throws: SeparationError.self) { _ = try s.separate(self.mixture()) }
        // Iterations and tolerance fail at the init, before an analysis pass (they failed only
        // inside the separation, as another module's error).
        #expect(throws: SeparationError.invalidParameter(name: "--iterations", value: "-1", allowed: "0 to 1000000")) {
            try SeparationConfiguration(sourceCount: 2, stft: stft, maxIterations: -1)
        }
        #expect(throws: SeparationError.self) { try SeparationConfiguration(sourceCount: 2, stft: stft, tolerance: .nan) }
        // Untrusted channels: a throwing init instead of the trapping one.
        #expect(throws: AudioIOError.self) { try AudioBuffer(validating: [], sampleRate: 8000) }
        #expect(throws: AudioIOError.self) { try AudioBuffer(validating: [[0, 1], [0]], sampleRate: 8000) }
        #expect(try AudioBuffer(validating: [[0, 1]], sampleRate: 8000).frameCount == 2)
    }

    /// A source that fills the arrays it is given by index, or hands back fewer samples than
    /// asked: the first separates, the second is an error (the separator read past the end of
    /// its arrays and finished with a divergence of 5.6e14).
    final class IndexedSource: SampleSource {
        let buffer: AudioBuffer
        let short: Bool
        var frameCount: Int { buffer.frameCount }
        let channelCount = 1
        var sampleRate: Int { buffer.sampleRate }
        init(_ buffer: AudioBuffer, short: Bool) { self.buffer = buffer; self.short = short }
        func read(start: Int, count: Int, into channels: inout [[Float]]) throws {
            let x = buffer.channels[0]
            if short { channels[0] = Array(repeating: 0.1, count: count / 2); return }
            for i in 0..<count { channels[0][i] = start + i >= 0 && start + i < x.count ? x[start + i] : 0 }
        }
    }

    /// The in-memory separation takes a progress callback too, so it can be cancelled.
    @Test func anInMemorySeparationCanBeCancelled() throws {
        var calls = 0
        #expect(throws: SeparationError.cancelled) {
            _ = try self.separator().separate(self.mixture()) { p in
                calls += 1
                return p.stage != .factorization
            }
        }
        #expect(calls >= 1)
    }

    /// Training cancels with the Separation module's error too (the NMF's own was let through).
    @Test func trainingCanBeCancelled() throws {
        let trainer = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 512, hopLength: 128),
                                        nmf: try NMFConfiguration(componentCount: 3, maxIterations: 50))
        #expect(throws: SeparationError.cancelled) {
            _ = try trainer.train([AudioBufferSource(self.mixture())], progress: { $0.iteration < 2 })
        }
    }

    @Test func sourcesMustDeliverWhatIsAsked() throws {
        let m = mixture()
        let sinks = [AudioBufferSink(channelCount: 1), AudioBufferSink(channelCount: 1)]
        _ = try separator().separate(source: IndexedSource(m, short: false), sinks: sinks)
        #expect(zip(sinks[0].channels[0], sinks[1].channels[0]).map { $0 + $1 }.enumerated()
                    .allSatisfy { abs($0.element - m.channels[0][$0.offset]) < 1e-4 })
        let short = message { _ = try self.separator().separate(source: IndexedSource(m, short: true),
                                                                sinks: [AudioBufferSink(channelCount: 1), AudioBufferSink(channelCount: 1)]) }
        #expect(short?.contains("the SampleSource delivered") == true && short?.contains("samples of channel 0") == true, "\(short ?? "no error")")
    }

    /// A source that claims a length it never delivers (the checks come before any read).
    final class ClaimedLength: SampleSource {
        let frameCount: Int
        let channelCount = 1
        let sampleRate = 44100
        init(_ frames: Int) { frameCount = frames }
        func read(start: Int, count: Int, into channels: inout [[Float]]) throws { Issue.record("read before the checks") }
    }

    @Test func lengthsBeyondTheLimitOrTheMemoryAreRefusedBeforeReading() throws {
        for frames in [Int.max, 1 << 40] {
            let sinks = [AudioBufferSink(channelCount: 1), AudioBufferSink(channelCount: 1)]
            let m = message { _ = try self.separator().separate(source: ClaimedLength(frames), sinks: sinks) }
            // Int.max is beyond the frame limit; 2⁴⁰ frames are not, but their spectrogram is beyond any memory.
            let expected = frames == Int.max ? "frames \(Int.max) is out of range" : "more than this machine's"
            #expect(m?.contains(expected) == true, "\(m ?? "no error")")
        }
    }

    /// Training checks its NMF settings (public vars, changed after init) and the memory the
    /// spectrogram and factors would take before building anything or reading a sample.
    @Test func trainingChecksSettingsAndMemoryBeforeReading() throws {
        var trainer = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 256), nmf: try NMFConfiguration(componentCount: 2, maxIterations: 3))
        var nmf = trainer.nmf
        nmf.threadCount = 1_000_000
        trainer = DictionaryTrainer(stft: trainer.stft, nmf: nmf)
        let m = message { _ = try trainer.train([ClaimedLength(44100)]) }
        #expect(m?.contains("1000000") == true && m?.contains("allowed") == true, "\(m ?? "no error")")
        let big = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 256), nmf: try NMFConfiguration(componentCount: 2, maxIterations: 3))
        let b = message { _ = try big.train([ClaimedLength(1 << 40), ClaimedLength(1 << 40)]) }
        #expect(b?.contains("training spectrogram") == true && b?.contains("more than this machine's") == true, "\(b ?? "no error")")
        // A spectrogram that fits (an hour at hop 64: 129 × 2.5·10⁶ floats, 1.3 GB) with factors that do not (K = 10⁶).
        let many = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 256), nmf: try NMFConfiguration(componentCount: 1_000_000, maxIterations: 3))
        let f = message { _ = try many.train([ClaimedLength(44100 * 3600)]) }
        #expect(f?.contains("--components 1000000 is out of range (allowed: fewer: W (129 × K)") == true, "\(f ?? "no error")")
    }

    /// Sinks made for another channel count: a typed error, not an index trap or dropped channels.
    @Test func sinksMustHaveTheSourcesChannels() throws {
        for channels in [3, 0] {
            let sinks = [AudioBufferSink(channelCount: channels), AudioBufferSink(channelCount: channels)]
            let m = message { _ = try self.separator().separate(source: AudioBufferSource(self.mixture()), sinks: sinks) }
            #expect(m?.contains("channels written to the sink 1 is out of range (allowed: the sink's \(channels)") == true, "\(m ?? "no error")")
        }
        // A stacked basis split into more channels than it has rows; one stacked into more rows
        // than an Int counts (with no columns the factors themselves cost nothing), or into more
        // than any memory.
        #expect(throws: FactorizationError.self) { _ = try ChannelTiedBasis.split(Matrix(rows: 0, columns: 1), channels: Int.max) }
        let huge = message { _ = try ChannelTiedBasis.stack(spectra: Matrix(rows: 1 << 32, columns: 0), gains: Matrix(rows: 1 << 32, columns: 0)) }
        #expect(huge?.contains("whose size an Int holds") == true, "\(huge ?? "no error")")
        let large = message { _ = try ChannelTiedBasis.stack(spectra: Matrix(rows: 1 << 20, columns: 1), gains: Matrix(rows: 1 << 20, columns: 1)) }
        #expect(large?.contains("of memory") == true, "\(large ?? "no error")")
    }

    @Test func dictionaryTemplatesMustBeNonNegativeFiniteAndNonZero() throws {
        let bins = 129
        var good = Matrix(rows: bins, columns: 2, repeating: 1)
        for (edit, expected) in [({ (m: inout Matrix) in m[3, 1] = -1 }, "has an entry -1"),
                                 ({ (m: inout Matrix) in m[0, 0] = .nan }, "has an entry nan"),
                                 ({ (m: inout Matrix) in for r in 0..<bins { m[r, 1] = 0 } }, "template 2 is all zero"),
                                 ({ (m: inout Matrix) in m = Matrix(rows: bins, columns: 0) }, "at least one template")] {
            var t = good
            edit(&t)
            let s = try separator { $0.fixedTemplates = [t]; $0.componentCount = t.columns + 2 }
            let m = message { _ = try s.separate(self.mixture()) }
            #expect(m?.contains(expected) == true, "\(expected): \(m ?? "no error")")
        }
        good[0, 0] = 2
        _ = try separator { $0.fixedTemplates = [good] }.separate(mixture())
    }

    @Test func dictionaryHeadersTakeJSONIntegersOnlyAndTemplatesWithEnergy() throws {
        let stft = try STFTConfiguration(fftSize: 256)
        let dictionary = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0.5), sampleRate: 8000, stft: stft)
        let data = dictionary.encoded()
        #expect(try NMFDictionary.decode(data, path: "d").sampleRate == 8000)
        let text = String(decoding: data.prefix(400), as: UTF8.self)
        for (old, new) in [("\"version\":1", "\"version\":true"), ("\"sample_rate\":8000", "\"sample_rate\":true")] {
            #expect(text.contains(old), "\(text)")
            let edited = Data(data.replacing(Data(old.utf8), with: Data(new.utf8)))
            #expect(edited != data)
            #expect(throws: DictionaryError.self) { try NMFDictionary.decode(edited, path: "d") }
        }
        // Trained by an earlier version with a hop beyond 3/4 of the fft size: refused with the hop to retrain with.
        let wide = Data(data.replacing(Data("\"hop\":64".utf8), with: Data("\"hop\":256".utf8)))
        #expect(wide != data)
        #expect(message { _ = try NMFDictionary.decode(wide, path: "w") }?.contains("retrain it with --hop 192 or less") == true)
        let zero = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0), sampleRate: 8000, stft: stft).encoded()
        #expect(message { _ = try NMFDictionary.decode(zero, path: "z") }?.contains("template 1 is all zero") == true)
    }

    /// Settings set on the public vars after init are checked before the analysis pass (a long
    /// stream was read to its end first), and too many trained templates or dictionaries are
    /// named as such (not as a negative `--free-components`).
    @Test func settingsAreCheckedBeforeTheAnalysisAndTemplatesNamedAsSuch() throws {
        for edit in [{ (c: inout SeparationConfiguration) in c.maxIterations = -1 }, { $0.tolerance = 5 }, { $0.stepExponent = 0 }] {
            var stages: [SeparationProgress.Stage] = []
            #expect(throws: SeparationError.self) {
                _ = try self.separator(edit).separate(self.mixture()) { p in stages.append(p.stage); return true }
            }
            #expect(stages.isEmpty, "\(stages)")
        }
        var templates = Matrix(rows: 129, columns: 10, repeating: 1)
        templates[0, 0] = 2
        let tooMany = message { _ = try self.separator { $0.fixedTemplates = [templates] }.separate(self.mixture()) }
        #expect(tooMany?.contains("fixedTemplates 10 templates is out of range (allowed: at most componentCount (4)") == true, "\(tooMany ?? "no error")")
        let column = Matrix(rows: 129, columns: 1, repeating: 1)
        let three = message { _ = try self.separator { $0.fixedTemplates = [column, column, column] }.separate(self.mixture()) }
        #expect(three?.contains("fixedTemplates 3 dictionaries is out of range (allowed: at most one per source (sourceCount 2))") == true,
                "\(three ?? "no error")")
        let rate = message { _ = try self.separator { $0.fixedTemplates = [column]; $0.templateSampleRate = 0 }.separate(self.mixture()) }
        #expect(rate?.contains("templateSampleRate 0 Hz is out of range") == true, "\(rate ?? "no error")")
    }

    /// Many components on a long spectrogram: W and H beyond any machine's memory (10⁶
    /// components × 10⁶ frames) are refused before the analysis, naming the count (the
    /// process aborted in the allocator, the spectrogram alone being small).
    @Test func factorsBeyondTheMachinesMemoryAreRefused() throws {
        let c = try SeparationConfiguration(sourceCount: 1, componentCount: 1_000_000, stft: STFTConfiguration(fftSize: 16, hopLength: 12), maxIterations: 1)
        let long = AudioBuffer(channels: [[Float](repeating: 0.1, count: 12_000_100)], sampleRate: 8000)
        var stages: [SeparationProgress.Stage] = []
        let m = message { _ = try Separator(configuration: c).separate(long) { p in stages.append(p.stage); return true } }
        #expect(m?.contains("--components 1000000 is out of range (allowed: fewer: W (9 × K) and H (K × 1000010 frames) would need about") == true, "\(m ?? "no error")")
        #expect(stages.isEmpty)
    }
}
