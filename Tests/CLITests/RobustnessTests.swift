import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// Hostile input, interruption, write failures and concurrent runs: nothing crashes,
/// nothing is half-written, the input is never touched.
@Suite struct RobustnessTests {
    func writeFloat(_ channels: [[Float]], rate: Int = 16000, to path: String) throws {
        try TestSupport.write(AudioBuffer(channels: channels, sampleRate: rate), to: path, format: .wavFloat)
    }

    func fingerprint(_ path: String) throws -> (Data, Date) {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        return (try Data(contentsOf: URL(fileURLWithPath: path)), attrs[.modificationDate] as! Date)
    }

    func realMixture(seconds: Double, rate: Int = 44100) throws -> [[Float]] {
        let speech = try TestSupport.read(TestSupport.audio("speech_sms_male.wav")).channels[0]
        let guitar = try TestSupport.read(TestSupport.audio("guitar_sonicpi_e_fifths.wav")).channels[0]
        let n = Int(seconds * Double(rate))
        let l = (0..<n).map { 0.5 * speech[$0 % speech.count] + 0.4 * guitar[$0 % guitar.count] }
        let r = (0..<n).map { 0.3 * speech[$0 % speech.count] + 0.6 * guitar[$0 % guitar.count] }
        return [l, r]
    }

    @Test func nonFiniteSamplesAreRefusedOrReplacedOnRequest() throws {
        let dir = try TestSupport.temporaryDirectory()
        var x = (0..<16000).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        x[1234] = .nan
        x[4321] = .infinity
        try writeFloat([x], to: "\(dir)/nan.wav")
        var r = try CLIRunner.run(["\(dir)/nan.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "5"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("NaN") && r.stderr.contains("1234")
                && r.stderr.contains("--replace-nonfinite reads them as 0"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        r = try CLIRunner.run(["\(dir)/nan.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "5", "--replace-nonfinite"])
        #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("2 NaN or infinite samples read as 0"), "\(r.stderr)")
        for s in 1...2 {
            let y = try TestSupport.read("\(dir)/out/nan/source_\(s).wav").channels[0]
            #expect(y.allSatisfy { $0.isFinite })
        }
    }

    @Test(arguments: ["silent", "quiet", "square"])
    func extremeLevelsGiveFiniteSourcesThatSumBack(kind: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        let n = 32000
        var g = SystemRandomNumberGenerator()
        let x: [Float]
        switch kind {
        case "silent": x = [Float](repeating: 0, count: n)
        case "quiet": x = (0..<n).map { _ in Float.random(in: -1...1, using: &g) * 1e-6 }   // −120 dBFS
        default: x = (0..<n).map { ($0 / 40) % 2 == 0 ? 1 : -1 }                           // full-scale square
        }
        try writeFloat([x, x.map { -$0 }], to: "\(dir)/\(kind).wav")
        let r = try CLIRunner.run(["\(dir)/\(kind).wav", "--sources", "3", "-o", "\(dir)/out", "--iterations", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("is silent: its sources are silent too") == (kind == "silent"), "\(r.stderr)")
        var sum = [Float](repeating: 0, count: n)
        for s in 1...3 {
            let y = try TestSupport.read("\(dir)/out/\(kind)/source_\(s).wav")
            #expect(y.channelCount == 2 && y.frameCount == n)
            #expect(y.channels.allSatisfy { ch in ch.allSatisfy { $0.isFinite } })
            if kind == "silent" { #expect(y.channels.allSatisfy { $0.allSatisfy { $0 == 0 } }) }
            for t in 0..<n { sum[t] += y.channels[0][t] }
        }
        let peak = max(TestSupport.peak(x), 1e-30)
        #expect(zip(sum, x).map { abs($0 - $1) }.max()! <= 1e-4 * peak)
    }

    /// One click in silence holds one sound: with a strong continuity weight one source takes it
    /// all and the other comes out at about −155 dB, which is said (only all-silent sources were).
    @Test func aNextToSilentSourceIsWarnedAbout() throws {
        let dir = try TestSupport.temporaryDirectory()
        var x = [Float](repeating: 0, count: 32000)
        x[16000] = 1
        try writeFloat([x], to: "\(dir)/click.wav")
        let r = try CLIRunner.run(["\(dir)/click.wav", "--sources", "2", "--continuity", "100", "-o", "\(dir)/out"])
        #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("click.wav': source 2 (-155 dB) of the sources' energy is next to silent")
                && r.stderr.contains("(does the input hold 2 distinct sounds to separate?)"), "\(r.stderr)")
        // Speech at 10⁻²⁰ of full scale: float32 spectra lose it, which is said; at 10⁻⁶ nothing is.
        let speech = try TestSupport.excerpt("speech_sms_male.wav", frames: 32000).channels[0]
        let top = TestSupport.peak(speech)
        for (name, gain) in [("faint", Float(1e-20)), ("quiet", Float(1e-6))] {
            try writeFloat([speech.map { $0 / top * gain }], to: "\(dir)/\(name).wav")
            let q = try CLIRunner.run(["\(dir)/\(name).wav", "--sources", "2", "--iterations", "20", "-o", "\(dir)/out"])
            let said = q.stderr.contains("faint.wav' is so faint (its sources peak at") && q.stderr.contains("amplify it first")
            #expect(q.status == 0 && said == (name == "faint") && (name == "faint" || q.stderr.isEmpty), "\(q.stderr)")
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func interruptionRemovesTemporaryFilesAndARerunSucceeds(signal sig: Int32) throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 20), rate: 44100, to: "\(dir)/long.wav")
        let out = "\(dir)/out"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLIRunner.binary)
        p.arguments = ["\(dir)/long.wav", "--sources", "2", "-o", out, "--iterations", "1000000", "-q"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until the temporary files exist (the run is in its factorization).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && CLIRunner.files(under: out).count < 2 { usleep(20_000) }
        #expect(CLIRunner.files(under: out).allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix(".") })
        kill(p.processIdentifier, sig)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + sig)
        #expect(CLIRunner.entries(under: out).isEmpty, "\(CLIRunner.entries(under: out))")
        let r = try CLIRunner.run(["\(dir)/long.wav", "--sources", "2", "-o", out, "--iterations", "3", "-q"])
        #expect(r.status == 0)
        #expect(CLIRunner.files(under: out) == ["long/source_1.wav", "long/source_2.wav"])
    }

    @Test(arguments: ["wav", "flac"])
    func writeFailureIsReportedCleanedUpAndOldOutputsKept(ext: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        let format = ext == "wav" ? AudioFormat.wavFloat : AudioFormat(rawValue: 0x170002)   // FLAC, 16-bit
        try TestSupport.write(AudioBuffer(channels: try realMixture(seconds: 4), sampleRate: 44100), to: "\(dir)/mix.\(ext)", format: format)
        let input = try fingerprint("\(dir)/mix.\(ext)")
        var r = try CLIRunner.run(["\(dir)/mix.\(ext)", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--seed", "1"])
        #expect(r.status == 0)
        let old = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/source_1.\(ext)"))
        // A 64 KiB file-size limit makes every source write fail part-way.
        let limited = try CLIRunner.run(["\(dir)/mix.\(ext)", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--seed", "2",
                                         "--force"], fileSizeLimit: ext == "wav" ? 128 : 64)
        let stderr = limited.stderr
        #expect(limited.status == 1, "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1 && stderr.contains("cannot write"), "\(stderr)")
        #expect(CLIRunner.entries(under: "\(dir)/out") == ["mix", "mix/source_1.\(ext)", "mix/source_2.\(ext)"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/source_1.\(ext)")) == old)
        #expect(try fingerprint("\(dir)/mix.\(ext)") == input)
        r = try CLIRunner.run(["\(dir)/mix.\(ext)", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--force"])
        #expect(r.status == 0)
    }

    @Test func inputIsNeverTouchedBySuccessfulOrFailingRuns() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 2), rate: 44100, to: "\(dir)/mix.wav")
        let before = try fingerprint("\(dir)/mix.wav")
        let runs: [[String]] = [
            ["--sources", "2", "-o", "\(dir)/a"],
            ["--sources", "2", "-o", "\(dir)/a"],                      // outputs exist
            ["--sources", "0", "-o", "\(dir)/b"],                      // usage error
            ["--sources", "2", "-o", dir, "--force"],                  // writes dir/mix/…, beside the input
            ["--sources", "2", "--fft-size", "65536", "-o", "\(dir)/c"],
        ]
        for args in runs {
            _ = try CLIRunner.run(["\(dir)/mix.wav"] + args + ["--iterations", "3"])
            let after = try fingerprint("\(dir)/mix.wav")
            #expect(after.0 == before.0 && after.1 == before.1, "\(args)")
        }
    }

    /// An output name taken by a directory fails the run before anything is written, with or
    /// without `--force` (a forced commit used to leave the sources moved before it behind).
    @Test func anOutputThatIsADirectoryFailsTheRunCleanly() throws {
        let (dir, input) = try CLIRunner.speechInput()
        try FileManager.default.createDirectory(atPath: "\(dir)/out/mix/source_2.wav", withIntermediateDirectories: true)
        for force in [false, true] {
            let r = try CLIRunner.run([input, "--sources", "2", "--iterations", "2", "-o", "\(dir)/out", "-q"] + (force ? ["--force"] : []))
            #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("source_2.wav' exists and is a directory"), "\(r.stderr)")
            #expect(CLIRunner.entries(under: "\(dir)/out") == ["mix", "mix/source_2.wav"])
        }
    }

    /// Full-scale noise: the masked sources peak above 1, which a 16-bit output clips; the run
    /// says so (unless --quiet) and counts the samples in its JSON, and a float output keeps them.
    @Test func sourcesBeyondFullScaleAreCountedAndWarnedAbout() throws {
        let dir = try TestSupport.temporaryDirectory()
        var noise = SeededGenerator(seed: 5)
        let x = (0..<24_000).map { _ in noise.nextUnitFloat() < 0.5 ? Float(-1) : Float(32767) / 32768 }
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 16_000), to: "\(dir)/loud.wav", format: .wav16)
        func run(_ extra: [String]) throws -> (CLIRunner.Outcome, [Int]) {
            let r = try CLIRunner.run(["\(dir)/loud.wav", "-s", "2", "--iterations", "5", "-o", "\(dir)/out", "-f", "--json"] + extra)
            let line = try #require(r.stdout.split(separator: "\n").last)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (r, try #require(json["samples_beyond_full_scale"] as? [Int]))
        }
        let (pcm, counts) = try run([])
        #expect(pcm.status == 0 && counts.contains { $0 > 0 }, "\(counts)")
        #expect(pcm.stderrLines.filter { $0.contains("warning") && $0.contains("beyond full scale") && $0.contains("loud.wav") }.count == 1,
                "\(pcm.stderr)")
        let (quiet, quietCounts) = try run(["-q"])
        #expect(quiet.stderr.isEmpty && quietCounts == counts)
        let (float, floatCounts) = try run(["--sample-format", "float"])
        #expect(float.status == 0 && !float.stderr.contains("warning") && floatCounts == counts, "\(float.stderr)")
        // FLAC holds no floats: the warning points to a container that does.
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 16_000), to: "\(dir)/loud.flac", format: AudioFormat(rawValue: 0x170002))
        let flac = try CLIRunner.run(["\(dir)/loud.flac", "-s", "2", "--iterations", "5", "-o", "\(dir)/outf", "-f"])
        #expect(flac.status == 0 && flac.stderr.contains("--format wav --sample-format float keeps them"), "\(flac.stderr)")
        let over = try #require(counts.firstIndex { $0 > 0 })
        let back = try TestSupport.read("\(dir)/out/loud/source_\(over + 1).wav").channels[0]
        #expect(back.filter { abs($0) > 1 }.count == counts[over])
        // A-law (like µ-law, DPCM, DWVW) wrapped such samples round, with no warning: now they
        // are clipped, counted and warned about like integers, and the sources still add back.
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 16_000), to: "\(dir)/loud.au", format: AudioFormat(rawValue: 0x030011))
        let alaw = try CLIRunner.run(["\(dir)/loud.au", "-s", "2", "--iterations", "5", "-o", "\(dir)/outa", "-f"])
        #expect(alaw.status == 0 && alaw.stderr.contains("beyond full scale clipped") && alaw.stderr.contains("--sample-format float keeps them"),
                "\(alaw.stderr)")
        let a1 = try TestSupport.read("\(dir)/outa/loud/source_1.au").channels[0], a2 = try TestSupport.read("\(dir)/outa/loud/source_2.au").channels[0]
        let input = try TestSupport.read("\(dir)/loud.au").channels[0]
        let residual = zip(zip(a1, a2), input).map { Double($0.0 + $0.1 - $1) }, energy = input.reduce(0.0) { $0 + Double($1 * $1) }
        #expect(10 * log10(energy / residual.reduce(0.0) { $0 + $1 * $1 }) > 20, "the A-law sources add back to the mixture")
    }

    /// libmpg123's notes on a damaged MP3 frame ("Illegal Audio-MPEG-Header", "Trying to
    /// resync…") went to stderr around the tool's message, even under --quiet.
    @Test func aDamagedMP3GivesOneLine() throws {
        let dir = try TestSupport.temporaryDirectory()
        try TestSupport.write(AudioBuffer(channels: [try realMixture(seconds: 2)[0]], sampleRate: 44100), to: "\(dir)/d.mp3",
                              format: AudioFormat(rawValue: 0x230082))   // MPEG layer III
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/d.mp3"))
        let middle = bytes.count / 2
        bytes.replaceSubrange(middle..<(middle + 500), with: Data(count: 500))
        try bytes.write(to: URL(fileURLWithPath: "\(dir)/d.mp3"))
        for quiet in [false, true] {
            let r = try CLIRunner.run(["\(dir)/d.mp3", "-s", "2", "--iterations", "3", "-o", "\(dir)/out"] + (quiet ? ["-q"] : []))
            #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("damaged") && !r.stderr.contains("Note:"), "\(r.stderr)")
        }
    }

    /// An Ogg stream cut off before its end announces no length (libsndfile reports Int64.max
    /// frames); it was refused as an absurd header. Its frames up to the cut are separated, with a warning.
    @Test func aCutOffOggStreamIsSeparatedUpToTheCut() throws {
        let dir = try TestSupport.temporaryDirectory()
        try TestSupport.write(AudioBuffer(channels: try realMixture(seconds: 3), sampleRate: 44100), to: "\(dir)/full.ogg",
                              format: AudioFormat(rawValue: 0x200060))   // Ogg Vorbis
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/full.ogg"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: "\(dir)/cut.ogg"))
        let reader = try SoundFileReader(path: "\(dir)/cut.ogg")
        #expect(reader.lengthWasCounted && reader.frameCount > 20_000 && reader.frameCount < 3 * 44100)
        let whole = try reader.readAll()
        #expect(whole.frameCount == reader.frameCount && whole.channels.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(!(try SoundFileReader(path: "\(dir)/full.ogg")).lengthWasCounted)
        let r = try CLIRunner.run(["\(dir)/cut.ogg", "-s", "2", "--iterations", "3", "-o", "\(dir)/out"])
        #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("does not state its length")
                && r.stderr.contains("its \(reader.frameCount) frames"), "\(r.stderr)")
        // A FLAC stream whose encoder wrote no total (its STREAMINFO's 36-bit sample count 0, as
        // `flac -` and ffmpeg to a pipe leave it) was refused as an absurd header: read to its end.
        try TestSupport.write(AudioBuffer(channels: try realMixture(seconds: 3), sampleRate: 44100), to: "\(dir)/whole.flac",
                              format: AudioFormat(rawValue: 0x170002))   // FLAC, 16-bit
        var flac = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/whole.flac"))
        // STREAMINFO follows "fLaC" and its 4-byte block header; the total is the low 36 bits of bytes 18…25.
        flac[21] &= 0xF0
        for i in 22..<26 { flac[i] = 0 }
        try flac.write(to: URL(fileURLWithPath: "\(dir)/streamed.flac"))
        let streamed = try SoundFileReader(path: "\(dir)/streamed.flac")
        #expect(streamed.lengthWasCounted && streamed.frameCount == 3 * 44100)
        let f = try CLIRunner.run(["\(dir)/streamed.flac", "-s", "2", "--iterations", "3", "-o", "\(dir)/out"])
        #expect(f.status == 0 && f.stderr.contains("streamed.flac' does not state its length") && f.stderr.contains("its \(3 * 44100) frames"), "\(f.stderr)")
        #expect(try SoundFileReader(path: "\(dir)/out/streamed/source_1.flac").frameCount == 3 * 44100)
        #expect(try SoundFileReader(path: "\(dir)/out/cut/source_1.wav").frameCount == reader.frameCount)
    }

    /// Sound Designer II: libsndfile writes its header to a `._<name>` file beside the audio,
    /// which the rename into place left behind (and the sources unreadable); its sources are WAV.
    @Test func soundDesignerInputGivesWavSources() throws {
        let dir = try TestSupport.temporaryDirectory()
        try TestSupport.write(AudioBuffer(channels: try realMixture(seconds: 1), sampleRate: 44100), to: "\(dir)/mix.sd2",
                              format: AudioFormat(rawValue: 0x160002))   // SD2, 16-bit
        let r = try CLIRunner.run(["\(dir)/mix.sd2", "-s", "2", "--iterations", "3", "-o", "\(dir)/out"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(CLIRunner.entries(under: "\(dir)/out") == ["mix", "mix/source_1.wav", "mix/source_2.wav"])
        let source = try SoundFileReader(path: "\(dir)/out/mix/source_1.wav")
        #expect(source.format.rawValue == 0x010002 && source.channelCount == 2)
    }

    @Test func outputSymlinkedToTheInputIsRefused() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 1), rate: 44100, to: "\(dir)/mix.wav")
        try FileManager.default.createDirectory(atPath: "\(dir)/out/mix", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/out/mix/source_2.wav", withDestinationPath: "\(dir)/mix.wav")
        let before = try fingerprint("\(dir)/mix.wav")
        let r = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--force", "--iterations", "3"])
        #expect(r.status == 1 && r.stderr.contains("overwrite the input"), "\(r.stderr)")
        #expect(try fingerprint("\(dir)/mix.wav").0 == before.0)
    }

    @Test func concurrentRunsIntoOneDirectoryLeaveCompleteFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        let mix = try realMixture(seconds: 3)
        try writeFloat(mix, rate: 44100, to: "\(dir)/mix.wav")
        let procs = (0..<2).map { i -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLIRunner.binary)
            p.arguments = ["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "20", "--seed", "\(i)", "--force", "-q"]
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in procs { try p.run() }
        for p in procs { p.waitUntilExit() }
        #expect(procs.allSatisfy { $0.terminationStatus == 0 })
        #expect(CLIRunner.entries(under: "\(dir)/out") == ["mix", "mix/source_1.wav", "mix/source_2.wav"])
        let a = try TestSupport.read("\(dir)/out/mix/source_1.wav"), b = try TestSupport.read("\(dir)/out/mix/source_2.wav")
        #expect(a.frameCount == mix[0].count && b.frameCount == mix[0].count)
        // Both files come from the same run: together they give back the mixture (the two runs,
        // with different seeds, split it differently).
        let peak = TestSupport.peak(mix[0])
        #expect((0..<mix[0].count).allSatisfy { abs(a.channels[0][$0] + b.channels[0][$0] - mix[0][$0]) <= 1e-4 * peak })
    }

    @Test func concurrentRunsWithoutForceNeverReplaceEachOther() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 3), rate: 44100, to: "\(dir)/mix.wav")
        let procs = (0..<2).map { i -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLIRunner.binary)
            p.arguments = ["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "20", "--seed", "\(i)", "-q"]
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in procs { try p.run() }
        for p in procs { p.waitUntilExit() }
        // At least one succeeds; a loser fails cleanly (exit 1) and leaves no file of its own.
        #expect(procs.contains { $0.terminationStatus == 0 })
        #expect(procs.allSatisfy { [0, 1].contains($0.terminationStatus) })
        #expect(CLIRunner.entries(under: "\(dir)/out") == ["mix", "mix/source_1.wav", "mix/source_2.wav"])
    }
}
