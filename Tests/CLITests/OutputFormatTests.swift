import Testing
import Foundation
import CSndFile
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// `--format` and `--sample-format`: every combination round-trips, impossible ones are refused.
@Suite struct OutputFormatTests {
    struct Case: Sendable, CustomStringConvertible {
        var format: String
        var sample: String?
        var container: Int32
        var subtype: Int32
        /// Largest allowed |Σ sources − mixture| relative to the mixture's peak.
        var tolerance: Float
        var description: String { "\(format) \(sample ?? "-")" }
    }

    static let cases: [Case] = [
        Case(format: "wav", sample: "pcm16", container: Int32(SF_FORMAT_WAV), subtype: Int32(SF_FORMAT_PCM_16), tolerance: 3e-4),
        Case(format: "wav", sample: "pcm24", container: Int32(SF_FORMAT_WAV), subtype: Int32(SF_FORMAT_PCM_24), tolerance: 1e-5),
        Case(format: "wav", sample: "float", container: Int32(SF_FORMAT_WAV), subtype: Int32(SF_FORMAT_FLOAT), tolerance: 1e-5),
        Case(format: "flac", sample: "pcm16", container: Int32(SF_FORMAT_FLAC), subtype: Int32(SF_FORMAT_PCM_16), tolerance: 3e-4),
        Case(format: "flac", sample: "pcm24", container: Int32(SF_FORMAT_FLAC), subtype: Int32(SF_FORMAT_PCM_24), tolerance: 1e-5),
        Case(format: "flac", sample: nil, container: Int32(SF_FORMAT_FLAC), subtype: Int32(SF_FORMAT_PCM_24), tolerance: 1e-5),
        Case(format: "aiff", sample: "pcm16", container: Int32(SF_FORMAT_AIFF), subtype: Int32(SF_FORMAT_PCM_16), tolerance: 3e-4),
        Case(format: "aiff", sample: "pcm24", container: Int32(SF_FORMAT_AIFF), subtype: Int32(SF_FORMAT_PCM_24), tolerance: 1e-5),
        Case(format: "aiff", sample: "float", container: Int32(SF_FORMAT_AIFF), subtype: Int32(SF_FORMAT_FLOAT), tolerance: 1e-5),
        Case(format: "ogg", sample: nil, container: Int32(SF_FORMAT_OGG), subtype: Int32(SF_FORMAT_VORBIS), tolerance: .infinity),
    ]

    /// A float WAV stereo mixture, so that every conversion is a real one.
    static func mixture(in dir: String) throws -> (String, AudioBuffer) {
        let speech = try TestSupport.excerpt("speech_sms_male.wav", frames: 22_050)
        let piano = try TestSupport.excerpt("piano_sms.wav", frames: 22_050)
        let left = zip(speech.channels[0], piano.channels[0]).map { 0.5 * $0 + 0.3 * $1 }
        let right = zip(speech.channels[0], piano.channels[0]).map { 0.3 * $0 + 0.5 * $1 }
        let path = "\(dir)/mix.wav"
        try TestSupport.write(AudioBuffer(channels: [left, right], sampleRate: 22_050), to: path, format: .wavFloat)
        return (path, try TestSupport.read(path))
    }

    @Test(arguments: cases)
    func everyFormatRoundTrips(c: Case) throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, mixture) = try Self.mixture(in: dir)
        var args = [input, "--sources", "2", "--iterations", "10", "-o", "\(dir)/out", "--format", c.format]
        if let s = c.sample { args += ["--sample-format", s] }
        let r = try CLIRunner.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let ext = c.format
        var sum = [[Float]](repeating: [Float](repeating: 0, count: mixture.frameCount), count: 2)
        for s in 1...2 {
            let reader = try SoundFileReader(path: "\(dir)/out/mix/source_\(s).\(ext)")
            #expect(reader.format.container == c.container && reader.format.subtype == c.subtype)
            #expect(reader.channelCount == 2 && reader.sampleRate == 22_050 && reader.frameCount == mixture.frameCount)
            let b = try reader.readAll()
            for ch in 0..<2 { for t in 0..<b.frameCount { sum[ch][t] += b.channels[ch][t] } }
        }
        guard c.tolerance.isFinite else { return }
        let peak = mixture.channels.map(TestSupport.peak).max()!
        var worst: Float = 0
        for ch in 0..<2 { for t in 0..<mixture.frameCount { worst = max(worst, abs(sum[ch][t] - mixture.channels[ch][t])) } }
        #expect(worst <= c.tolerance * peak, "\(worst / peak)")
    }

    @Test func impossibleCombinationsAreRefusedClearly() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try Self.mixture(in: dir)
        let flacFloat = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o", "--format", "flac", "--sample-format", "float"])
        #expect(flacFloat.status == 64 && flacFloat.stderrLines.count == 1)
        #expect(flacFloat.stderr.contains("FLAC") && flacFloat.stderr.contains("pcm16, pcm24"))
        let oggPCM = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o", "--format", "ogg", "--sample-format", "pcm16"])
        #expect(oggPCM.status == 64 && oggPCM.stderr.contains("Ogg Vorbis"))
        let unknown = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o", "--format", "mp4"])
        #expect(unknown.status == 64 && unknown.stderr.contains("'mp4'") && unknown.stderr.contains("wav, flac, ogg, aiff"))
        // A FLAC input asked for float samples without --format: refused for that file.
        let flacPath = "\(dir)/in.flac"
        try TestSupport.write(try TestSupport.read(input), to: flacPath, format: AudioFormat(rawValue: Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)))
        let implicit = try CLIRunner.run([flacPath, "--sources", "2", "-o", "\(dir)/o", "--sample-format", "float"])
        #expect(implicit.status == 64 && implicit.stderr.contains("in.flac") && implicit.stderr.contains("FLAC"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/o"))
    }

    /// Compressed inputs: another container gets plain samples (an MP3's MPEG encoding is
    /// accepted in a WAV header but cannot be written), a sample format their own container
    /// cannot hold is a usage error, and a codec that only decodes front to back (GSM 6.10) separates.
    @Test func compressedInputsGetPlainSamplesElsewhere() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (_, mixture) = try Self.mixture(in: dir)
        let mp3 = "\(dir)/in.mp3"
        try TestSupport.write(mixture, to: mp3, format: AudioFormat(rawValue: Int32(SF_FORMAT_MPEG) | Int32(SF_FORMAT_MPEG_LAYER_III)))
        let wav = try CLIRunner.run([mp3, "--sources", "2", "-o", "\(dir)/w", "--iterations", "3", "--format", "wav"])
        #expect(wav.status == 0, "\(wav.stderr)")
        #expect(try SoundFileReader(path: "\(dir)/w/in/source_1.wav").format.subtype == Int32(SF_FORMAT_FLOAT))
        // By default a lossy input's sources are float WAV (named so); asked for, they stay MP3,
        // named .mp3; a sample format alone applies to the WAV.
        let same = try CLIRunner.run([mp3, "--sources", "2", "-o", "\(dir)/m", "--iterations", "3"])
        #expect(same.status == 0 && CLIRunner.files(under: "\(dir)/m/in").sorted() == ["source_1.wav", "source_2.wav"], "\(same.stderr)")
        #expect(try SoundFileReader(path: "\(dir)/m/in/source_1.wav").format.subtype == Int32(SF_FORMAT_FLOAT))
        let pcm = try CLIRunner.run([mp3, "--sources", "2", "-o", "\(dir)/p", "--iterations", "3", "--sample-format", "pcm16"])
        #expect(pcm.status == 0, "\(pcm.stderr)")
        #expect(try SoundFileReader(path: "\(dir)/p/in/source_1.wav").format.subtype == Int32(SF_FORMAT_PCM_16))
        let gsm = "\(dir)/in.wav"
        let mono = AudioBuffer(channels: [mixture.channels[0]], sampleRate: 8000)
        try TestSupport.write(mono, to: gsm, format: AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_GSM610)))
        // Lossy too: by default its sources are float WAV, of the input's length.
        let g = try CLIRunner.run([gsm, "--sources", "2", "-o", "\(dir)/g", "--iterations", "3"])
        #expect(g.status == 0, "\(g.stderr)")
        #expect(try SoundFileReader(path: "\(dir)/g/in/source_1.wav").format.subtype == Int32(SF_FORMAT_FLOAT))
        // The float sources add up to the decoded GSM input.
        let decoded = try SoundFileReader(path: gsm).readAll().channels[0]
        let s1 = try TestSupport.read("\(dir)/g/in/source_1.wav").channels[0], s2 = try TestSupport.read("\(dir)/g/in/source_2.wav").channels[0]
        #expect(s1.count == decoded.count)
        let worst = zip(zip(s1, s2), decoded).map { abs($0.0 + $0.1 - $1) }.max() ?? 1
        #expect(worst < 1e-5 * TestSupport.peak(decoded), "\(worst)")
    }

    /// A 5.1 file's channel layout (here with side surrounds) is kept; libsndfile's default
    /// layout replaced it (rear surrounds). A file without a stated layout gets none.
    @Test func theChannelLayoutIsKept() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (_, mixture) = try Self.mixture(in: dir)
        let six = AudioBuffer(channels: (0..<6).map { c in mixture.channels[c % mixture.channelCount].map { $0 * Float(6 - c) / 6 } },
                              sampleRate: mixture.sampleRate)
        let layout: [Int32] = [2, 3, 4, 11, 14, 15]   // left, right, centre, LFE, side left, side right
        let w = try SoundFileWriter(path: "\(dir)/surround.wav", format: AudioFormat(rawValue: 0x130002), channels: 6,
                                    sampleRate: six.sampleRate, channelMap: layout)
        try w.write(six.channels, count: six.frameCount)
        try w.close()
        #expect(try SoundFileReader(path: "\(dir)/surround.wav").channelMap == layout)
        let r = try CLIRunner.run(["\(dir)/surround.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        for s in 1...2 { #expect(try SoundFileReader(path: "\(dir)/out/surround/source_\(s).wav").channelMap == layout) }
        // Asked for WAV, the sources are WAVE_FORMAT_EXTENSIBLE so that the layout has a place (a
        // plain WAV header has none: libsndfile dropped it).
        let asWav = try CLIRunner.run(["\(dir)/surround.wav", "--sources", "2", "-o", "\(dir)/wav", "--iterations", "3", "--format", "wav"])
        #expect(asWav.status == 0, "\(asWav.stderr)")
        let wav = try SoundFileReader(path: "\(dir)/wav/surround/source_1.wav")
        #expect(wav.channelMap == layout && wav.format.container == 0x130000)
        #expect(try SoundFileReader(path: "\(dir)/mix.wav").channelMap == nil)
    }

    /// Sources beyond 4 GiB: a WAV's 32-bit sizes wrapped round (a 4.5 GB source read as 131 s
    /// of a 53-minute file, exit 0), so WAV becomes RF64 (same encoding, same extension, the
    /// layout kept) and AIFF is refused, naming the size; FLAC, W64, AU and the like are unchanged.
    @Test func sourcesBeyondFourGiBAreWrittenAsRF64OrRefused() throws {
        let wavFloat = AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT))
        let big = 600_000_000   // frames: 4.5 GB of stereo floats
        #expect(try wavFloat.holding(frames: 1000, channels: 2) == wavFloat)
        #expect(try wavFloat.holding(frames: big, channels: 2).rawValue == Int32(SF_FORMAT_RF64) | Int32(SF_FORMAT_FLOAT))
        let wavex16 = AudioFormat(rawValue: Int32(SF_FORMAT_WAVEX) | Int32(SF_FORMAT_PCM_16))
        #expect(try wavex16.holding(frames: big, channels: 2) == wavex16)   // 2.4 GB
        #expect(try wavex16.holding(frames: big, channels: 6).rawValue == Int32(SF_FORMAT_RF64) | Int32(SF_FORMAT_PCM_16))
        #expect(try wavFloat.holding(frames: Int.max, channels: 2).container == Int32(SF_FORMAT_RF64))
        let aiff = AudioFormat(rawValue: Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_24))
        #expect(throws: OutputFormatError.self) { _ = try aiff.holding(frames: big, channels: 3) }
        do { _ = try aiff.holding(frames: big, channels: 3) } catch let e as OutputFormatError {
            #expect(e.description.contains("5.0 GiB of audio data, beyond the 4 GiB") && e.description.contains("--format wav, written as RF64"), "\(e)")
        }
        // IMA ADPCM packs 4 bits a sample: 2·10⁹ stereo frames (1.9 GiB) fit a WAV; 6 channels
        // (5.6 GiB) do not, and RF64 holds no ADPCM, so plain samples are advised.
        let ima = AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_IMA_ADPCM))
        #expect(try ima.holding(frames: 2_000_000_000, channels: 2) == ima)
        do { _ = try ima.holding(frames: 2_000_000_000, channels: 6); Issue.record("6 channels of IMA ADPCM fit") } catch let e as OutputFormatError {
            #expect(e.description.contains("5.6 GiB") && e.description.contains("--sample-format pcm16, pcm24 or float"), "\(e)")
        }
        for container in [SF_FORMAT_FLAC | SF_FORMAT_PCM_24, SF_FORMAT_W64 | SF_FORMAT_FLOAT, SF_FORMAT_CAF | SF_FORMAT_FLOAT,
                          SF_FORMAT_AU | SF_FORMAT_FLOAT] {
            let f = AudioFormat(rawValue: Int32(container))
            #expect(try f.holding(frames: big, channels: 8) == f)
        }
        // RF64 writes and reads back with its layout and the .wav extension.
        let dir = try TestSupport.temporaryDirectory()
        let rf64 = try wavFloat.holding(frames: big, channels: 2)
        #expect(rf64.fileExtension == "wav")
        let w = try SoundFileWriter(path: "\(dir)/large.wav", format: rf64, channels: 2, sampleRate: 44_100, channelMap: [2, 3])
        try w.write([[0.5, -0.25, 0.125], [0.1, 0.2, 0.3]], count: 3)
        try w.close()
        let r = try SoundFileReader(path: "\(dir)/large.wav")
        #expect(r.format.container == Int32(SF_FORMAT_RF64) && r.frameCount == 3 && r.channelMap == [2, 3])
    }

    /// Six channels as Ogg Vorbis lost the 6th, which libvorbis low-passes as a 5.1 LFE: refused
    /// before separating, as a usage error when --format asked for it.
    @Test func sixChannelsAreNotWrittenAsOggVorbis() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (_, mixture) = try Self.mixture(in: dir)
        let six = AudioBuffer(channels: (0..<6).map { mixture.channels[$0 % mixture.channelCount] }, sampleRate: mixture.sampleRate)
        try TestSupport.write(six, to: "\(dir)/six.wav", format: AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16)))
        let r = try CLIRunner.run(["\(dir)/six.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--format", "ogg"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("6 channels")
                && r.stderr.contains("Ogg Vorbis takes the 6th of 6 channels for the LFE"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        let flac = try CLIRunner.run(["\(dir)/six.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--format", "flac"])
        #expect(flac.status == 0, "\(flac.stderr)")
    }

    /// The input's text fields go to every source (a FLAC's comments here), the title marked
    /// with the source's number and without the input's software; an untagged input gives
    /// untagged sources.
    @Test func theInputsTagsAreKept() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (_, mixture) = try Self.mixture(in: dir)
        let w = try SoundFileWriter(path: "\(dir)/song.flac", format: AudioFormat(rawValue: Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)),
                                    channels: mixture.channelCount, sampleRate: mixture.sampleRate,
                                    metadata: SoundFileMetadata([.title: "Song", .artist: "Band", .software: "Encoder 1.0", .license: "CC0"]))
        try w.write(mixture.channels, count: mixture.frameCount)
        try w.close()
        let r = try CLIRunner.run(["\(dir)/song.flac", "\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        for s in 1...2 {
            #expect(try SoundFileReader(path: "\(dir)/out/song/source_\(s).flac").metadata
                    == SoundFileMetadata([.title: "Song (source \(s))", .artist: "Band", .license: "CC0"]))
            #expect(try SoundFileReader(path: "\(dir)/out/mix/source_\(s).wav").metadata.isEmpty)
        }
        // A title at the length limit keeps the source's number: it is cut first.
        let long = SeparateCommand.sourceMetadata(SoundFileMetadata([.title: String(repeating: "t", count: 1500)]), source: 2).fields[.title] ?? ""
        #expect(long.hasSuffix("t (source 2)") && long.utf8.count == SoundFileMetadata.maximumFieldBytes)
    }

    /// Limits that only show when an encoder starts are found before the separation, with the values.
    @Test func formatsAnEncoderRefusesFailBeforeSeparating() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noise = (0..<40_000).map { i in Float(sin(Double(i) * 0.37) * 0.2) }
        try TestSupport.write(AudioBuffer(channels: [noise], sampleRate: 384_000), to: "\(dir)/fast.wav", format: .wavFloat)
        let r = try CLIRunner.run(["\(dir)/fast.wav", "--sources", "2", "-o", "\(dir)/o", "--format", "ogg"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("384000 Hz") && r.stderr.contains("1 channel "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/o"))
        // Nine channels: FLAC's limit is named (and the message has no doubled quote).
        let wide = [[Float]](repeating: noise.prefix(8000).map { $0 }, count: 9)
        try TestSupport.write(AudioBuffer(channels: wide, sampleRate: 16_000), to: "\(dir)/wide.wav", format: .wavFloat)
        let flac = try CLIRunner.run(["\(dir)/wide.wav", "--sources", "2", "-o", "\(dir)/o", "--format", "flac"])
        #expect(flac.status == 64 && flac.stderr.contains("sources of '\(dir)/wide.wav' as FLAC") && flac.stderr.contains("FLAC holds 1 to 8 channels")
                && flac.stderr.contains("9 channels"), "\(flac.stderr)")
        // Without a usable temporary directory the trial is skipped, not failed.
        let (input, _) = try Self.mixture(in: dir)
        for format in ["wav", "ogg"] {
            let t = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/t", "--iterations", "3", "--format", format, "--force"],
                                      environment: ["TMPDIR": "\(dir)/missing"])
            #expect(t.status == 0, "\(format): \(t.stderr)")
        }
    }

    @Test(arguments: ["is", "euclidean", "beta=0.5"])
    func otherDivergencesSeparateAndSumBack(divergence: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, mixture) = try Self.mixture(in: dir)
        let r = try CLIRunner.run([input, "--sources", "2", "--iterations", "20", "-o", "\(dir)/out", "--divergence", divergence, "--json", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        var sum = [Float](repeating: 0, count: mixture.frameCount)
        for s in 1...2 {
            let b = try TestSupport.read("\(dir)/out/mix/source_\(s).wav")
            #expect(b.channels.allSatisfy { $0.allSatisfy(\.isFinite) })
            for t in 0..<b.frameCount { sum[t] += b.channels[0][t] }
        }
        let peak = TestSupport.peak(mixture.channels[0])
        #expect(zip(sum, mixture.channels[0]).map { abs($0 - $1) }.max()! <= 1e-5 * peak)
        let bad = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o2", "--divergence", "beta=7"])
        #expect(bad.status == 64 && bad.stderr.contains("beta=7"))
        let sparse = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o2", "--divergence", "is", "--sparsity", "1"])
        #expect(sparse.status == 64 && sparse.stderr.contains("--sparsity"))
    }
}
