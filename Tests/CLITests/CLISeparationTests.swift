import Testing
import Foundation
import CSndFile
import NMFSeparation
import _TestSupport

/// The tool end to end on real recordings in several formats.
@Suite struct CLISeparationTests {
    struct Case: Sendable, CustomStringConvertible {
        var ext: String
        var format: Int32
        var channels: Int
        var rate: Int
        var sources: Int
        var description: String { "\(ext) \(channels)ch \(rate)Hz S=\(sources)" }
        /// A lossy input's sources are float WAV (coding them again would add noise and break the sum).
        var lossy: Bool { ext == "ogg" }
        var outputExt: String { lossy ? "wav" : ext }
        var outputFormat: Int32 { lossy ? Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT) : format }
    }

    static let cases: [Case] = [
        Case(ext: "wav", format: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16), channels: 1, rate: 16000, sources: 3),
        Case(ext: "wav", format: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT), channels: 2, rate: 48000, sources: 2),
        Case(ext: "flac", format: Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_24), channels: 2, rate: 22050, sources: 2),
        Case(ext: "aiff", format: Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_16), channels: 1, rate: 44100, sources: 2),
        Case(ext: "ogg", format: Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS), channels: 2, rate: 44100, sources: 2),
    ]

    /// A real mixture (speech + piano, a little different in each channel) in the case's format.
    func makeInput(_ c: Case, in dir: String) throws -> (path: String, written: AudioBuffer) {
        let speech = try TestSupport.read(TestSupport.audio("speech_sms_female.wav")).channels[0]
        let piano = try TestSupport.read(TestSupport.audio("piano_sms.wav")).channels[0]
        let n = min(c.rate * 3, speech.count, piano.count)   // resampling does not matter here
        var channels: [[Float]] = []
        for ch in 0..<c.channels {
            let gain: Float = 0.5 - 0.2 * Float(ch)
            var x = [Float](repeating: 0, count: n)
            for t in 0..<n { x[t] = 0.5 * speech[t] + gain * piano[t] }
            channels.append(x)
        }
        let path = "\(dir)/mix.\(c.ext)"
        try TestSupport.write(AudioBuffer(channels: channels, sampleRate: c.rate), to: path, format: AudioFormat(rawValue: c.format))
        return (path, try TestSupport.read(path))
    }

    @Test(arguments: cases)
    func writesOneFilePerSourceInTheInputFormatThatSumsToTheMixture(c: Case) throws {
        // (The input's format, except a lossy input's: float WAV.)
        let dir = try TestSupport.temporaryDirectory()
        let (input, mixture) = try makeInput(c, in: dir)
        let r = try CLIRunner.run([input, "--sources", "\(c.sources)", "-o", "\(dir)/out", "--iterations", "30", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let expected = (1...c.sources).map { "mix/source_\($0).\(c.outputExt)" }
        #expect(CLIRunner.files(under: "\(dir)/out") == expected)
        var sum = [[Float]](repeating: [Float](repeating: 0, count: mixture.frameCount), count: c.channels)
        for name in expected {
            let reader = try SoundFileReader(path: "\(dir)/out/\(name)")
            #expect(reader.format.rawValue == c.outputFormat)
            #expect(reader.channelCount == c.channels && reader.sampleRate == c.rate && reader.frameCount == mixture.frameCount)
            let s = try reader.readAll()
            for ch in 0..<c.channels { for t in 0..<s.frameCount { sum[ch][t] += s.channels[ch][t] } }
        }
        do {
            let peak = mixture.channels.map(TestSupport.peak).max()!
            let is24 = c.outputFormat & Int32(SF_FORMAT_SUBMASK) == Int32(SF_FORMAT_PCM_24)
            let step: Float = is24 ? 1 / 8_388_608 : 1 / 32768
            let allowed: Float = AudioFormat(rawValue: c.outputFormat).isInteger ? Float(c.sources) * step * 1.01 : 1e-4 * peak
            for ch in 0..<c.channels {
                let err = zip(sum[ch], mixture.channels[ch]).map { abs($0 - $1) }.max()!
                #expect(err <= allowed, "channel \(ch): \(err) > \(allowed)")
            }
        }
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(json["sample_rate"] as? Int == c.rate)
        #expect(json["channels"] as? Int == c.channels)
        #expect(json["components"] as? Int == 4 * c.sources)   // the default: 4 components per source
        #expect(json["iterations"] as? Int == 30)
        #expect((json["outputs"] as? [String])?.count == c.sources)
        let seconds = json["seconds"] as! [String: Double]
        for key in ["read", "stft", "nmf", "grouping", "masks_istft", "write"] { #expect(seconds[key] != nil && seconds[key]! >= 0) }
        #expect(json["frames"] as? Int != nil && json["bins"] as? Int == 1025)
        #expect((json["final_divergence"] as? Double).map { $0.isFinite } == true)
    }

    @Test func sameSeedGivesIdenticalFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[1], in: dir)
        // Ogg too: libsndfile's random stream serial number is fixed when the file is closed.
        for (format, ext) in [([String](), "wav"), (["--format", "ogg"], "ogg")] {
            for out in ["a", "b"] {
                let r = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/\(ext)\(out)", "--iterations", "20", "--seed", "5", "-q"] + format)
                #expect(r.status == 0, "\(r.stderr)")
            }
            for s in 1...2 {
                let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(ext)a/mix/source_\(s).\(ext)"))
                let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(ext)b/mix/source_\(s).\(ext)"))
                #expect(a == b, "\(ext)")
            }
        }
    }

    @Test func overRelaxedStepsAreReportedAndReachALowerDivergence() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[0], in: dir)
        var finals: [Double] = []
        for e in ["1", "1.5"] {
            let r = try CLIRunner.run([input, "--sources", "3", "-o", "\(dir)/e\(e)", "--iterations", "40", "--step-exponent", e, "--json", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            #expect((json["settings"] as? [String: Any])?["step_exponent"] as? Double == Double(e))
            // null unless an over-relaxed run fell back to ω = 1; then the iteration it did so after.
            let fallback = json["step_exponent_fallback_iteration"]
            #expect(fallback is NSNull || (e != "1" && (fallback as? Int).map { $0 >= 1 && $0 <= 40 } == true), "\(String(describing: fallback))")
            finals.append(json["final_divergence"] as? Double ?? .nan)
        }
        #expect(finals[1] < finals[0], "\(finals)")
    }

    /// (The help's options and defaults are checked in GoldenHelpTests.)
    @Test func versionIsPrinted() throws {
        let v = try CLIRunner.run(["--version"])
        #expect(v.status == 0 && v.stdout.hasPrefix("nmf-separate "))
    }

    @Test func quietRunWritesNothingToStderr() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[0], in: dir)
        let r = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/o", "--iterations", "5", "--quiet"])
        #expect(r.status == 0 && r.stderr.isEmpty && r.stdout.isEmpty)
    }

    /// `-` separates standard input: a pipe is copied to a temporary file, which is gone
    /// afterwards, a redirected file is read where it is; the sources go to DIR/stdin/,
    /// identical to the file's own, and `-` is the input's name in the report, sorted first.
    /// Empty input fails as an empty file does; a device and `-` twice are refused.
    @Test func standardInputIsSeparated() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[0], in: dir)
        try FileManager.default.createDirectory(atPath: "\(dir)/tmp", withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "\(dir)/tmp"
        func shell(_ script: String, _ args: String...) throws -> CLIRunner.Outcome {
            try CLIRunner.run(["-c", script, CLIRunner.binary] + args, executable: "/bin/sh", environment: environment)
        }
        let args = "--sources 2 --iterations 5 --json"
        let direct = try CLIRunner.run([input] + args.split(separator: " ").map(String.init) + ["-o", "\(dir)/d"])
        #expect(direct.status == 0, "\(direct.stderr)")
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        for (name, script) in [("p", "cat \"$1\" | \"$0\" - \(args) -o \"$2\""), ("r", "\"$0\" - \(args) -o \"$2\" < \"$1\"")] {
            let r = try shell(script, input, "\(dir)/\(name)")
            #expect(r.status == 0 && r.stdout.hasPrefix("{\"input\":\"-\""), "\(name): \(r.stderr)")
            for s in 1...2 {
                #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/stdin/source_\(s).wav"))
                        == Data(contentsOf: URL(fileURLWithPath: "\(dir)/d/\(stem)/source_\(s).wav")), "\(name)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp").isEmpty)
        // Another input whose sources would go to DIR/stdin/ fails, naming `-` (not its copy's path).
        try FileManager.default.createDirectory(atPath: "\(dir)/sd", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: input, toPath: "\(dir)/sd/stdin.wav")
        let clash = try shell("cat \"$1\" | \"$0\" \"$3\" - --sources 2 --iterations 3 -o \"$2\"", input, "\(dir)/c", "\(dir)/sd/stdin.wav")
        #expect(clash.status == 1 && clash.stderr.contains("sd/stdin.wav' would write to the same output directory") && clash.stderr.contains("as '-'"),
                "\(clash.stderr)")
        // Empty input fails on its own, as an empty file does: the other inputs still run, and
        // `-` comes first whatever the other names (`+a.wav` sorts before `-` by bytes).
        try FileManager.default.copyItem(atPath: input, toPath: "\(dir)/+a.wav")
        let empty = try shell(": | \"$0\" \"$2\" - --sources 2 --iterations 3 --json -o \"$1\"", "\(dir)/e", "\(dir)/+a.wav")
        #expect(empty.status == 1 && empty.stderr.contains("cannot read '-' as audio: the file is empty")
                && empty.stdout.hasPrefix("{\"input\":\"-\",\"status\":\"failed\"") && empty.stdout.contains("\"status\":\"ok\""),
                "\(empty.stderr) \(empty.stdout)")
        let device = try shell("\"$0\" - --sources 2 -o \"$1\" < /dev/null", "\(dir)/n")
        #expect(device.status == 64 && device.stderr.contains("which is a device here"), "\(device.stderr)")
        let twice = try CLIRunner.run(["-", "-", "--sources", "2"])
        #expect(twice.status == 64 && twice.stderr.contains("given twice"), "\(twice.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp").isEmpty)
    }

    /// Copies of standard input that a killed run left in $TMPDIR are named after the next run
    /// that reads standard input (and left there); a live process's copy is not.
    @Test func leftoverCopiesOfStandardInputAreNamed() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[0], in: dir)
        try FileManager.default.createDirectory(atPath: "\(dir)/tmp/nmf-separate-stdin.2147483646.AbCdEf", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(dir)/tmp/nmf-separate-stdin.\(getpid()).LiveOn", withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "\(dir)/tmp"
        let r = try CLIRunner.run(["-c", "cat \"$1\" | \"$0\" - --sources 2 --iterations 3 -o \"$2\"", CLIRunner.binary, input, "\(dir)/o"],
                                  executable: "/bin/sh", environment: environment)
        #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("killed runs left (nmf-separate-stdin.2147483646.AbCdEf)"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/tmp/nmf-separate-stdin.2147483646.AbCdEf"))
    }

    /// One source is the input itself: a warning says so, unless factors or figures make the
    /// run a factorization of its own, or --quiet.
    @Test func oneSourceIsWarnedAbout() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (input, _) = try makeInput(Self.cases[0], in: dir)
        let one = try CLIRunner.run([input, "--sources", "1", "-o", "\(dir)/a", "--iterations", "3"])
        #expect(one.status == 0 && one.stderrLines.count == 1 && one.stderr.contains("--sources 1 gives the input back as its one source"), "\(one.stderr)")
        for extra in [["--save-factors"], ["--quiet"]] {
            let r = try CLIRunner.run([input, "--sources", "1", "-o", "\(dir)/b", "--iterations", "3", "--force"] + extra)
            #expect(r.status == 0 && !r.stderr.contains("--sources 1"), "\(extra): \(r.stderr)")
        }
    }
}
