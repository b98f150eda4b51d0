import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// Every error case of the command line: exit status, exactly one line on stderr that
/// names the value, and no file written.
@Suite struct CLIErrorTests {
    let dir: String
    let mix: String

    init() throws {
        dir = try TestSupport.temporaryDirectory()
        mix = "\(dir)/mix.wav"
        let a = try TestSupport.excerpt("speech_sms_male.wav", frames: 44_100)
        try TestSupport.write(a, to: mix, format: .wav16)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: mix))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: "\(dir)/truncated.wav"))
        try "plain text, not audio".write(toFile: "\(dir)/text.wav", atomically: true, encoding: .utf8)
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0.1, count: 300)], sampleRate: 8000), to: "\(dir)/short.wav", format: .wav16)
        let empty = try SoundFileWriter(path: "\(dir)/empty.wav", format: .wav16, channels: 1, sampleRate: 8000)
        try empty.close()
        try FileManager.default.createDirectory(atPath: "\(dir)/folder.wav", withIntermediateDirectories: true)
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0.1, count: 10)], sampleRate: 8000), to: "\(dir)/tiny.wav", format: .wav16)
        var nan = a.channels[0]
        nan[500] = .nan
        try TestSupport.write(AudioBuffer(channels: [nan, a.channels[0]], sampleRate: a.sampleRate), to: "\(dir)/nan2.wav", format: .wavFloat)
        #expect(mkfifo("\(dir)/fifo.wav", 0o600) == 0)
    }

    static let cases: [(args: [String], status: Int32, mentions: String)] = [
        (["missing.wav", "--sources", "2"], 1, "missing.wav"),
        (["folder.wav", "--sources", "2"], 1, "directory"),
        (["text.wav", "--sources", "2"], 1, "text.wav"),
        (["truncated.wav", "--sources", "2"], 1, "truncated"),
        (["empty.wav", "--sources", "2"], 1, "empty.wav"),
        (["short.wav", "--sources", "2"], 1, "300 samples"),
        (["tiny.wav", "--sources", "2", "--fft-size", "16"], 1, "10 samples long, shorter than one frame (--fft-size 16); use a longer file (16 is the smallest --fft-size)"),
        (["mix.wav/", "--sources", "2"], 1, "cannot read 'mix.wav/' as audio: the trailing '/' names a file as a directory"),
        (["fifo.wav", "--sources", "2"], 1, "not a regular file (a pipe, socket or device); give - to read a stream from standard input"),
        // A stereo file's NaN is met by the check of its channels, whose error named the file twice.
        (["nan2.wav", "--sources", "2"], 1, "nmf-separate: 'nan2.wav' contains a NaN or infinite sample at frame 500, channel 1"),
        (["mix.wav", "--sources", "0"], 64, "--sources 0"),
        (["mix.wav", "--sources", "5000"], 64, "--sources 5000"),
        (["mix.wav", "--sources", "2", "--hop", "0"], 64, "--hop 0"),
        (["mix.wav", "--sources", "2", "--hop", "4096"], 64, "--hop 4096"),
        (["mix.wav", "--sources", "2", "--fft-size", "8"], 64, "--fft-size 8"),
        (["mix.wav", "--sources", "2", "--fft-size", "1000001"], 64, "--fft-size 1000001"),
        (["mix.wav", "--sources", "two"], 64, "'two'"),
        (["mix.wav", "--sources", "2", "--iterations", "x1"], 64, "'x1'"),
        (["mix.wav", "--sources", "2", "--mask-power", "abc"], 64, "'abc'"),
        (["mix.wav", "--sources", "2", "--tolerance", "-1"], 64, "--tolerance"),
        (["mix.wav", "--sources", "2", "--frobnicate"], 64, "--frobnicate"),
        (["mix.wav"], 64, "--sources"),
        (["--sources", "2"], 64, "INPUT"),
        (["mix.wav", "--sources"], 64, "needs a value"),
        // An option taken as another's value: `-o --force` made a directory named --force.
        (["mix.wav", "--sources", "2", "-o", "--force"], 64, "option --output needs a value DIR, got '--force', which is an option or looks like one (for a name that begins with '-', write --output=--force)"),
        (["mix.wav", "--sources", "-q"], 64, "option --sources needs a value S, got '-q', which is an option or looks like one"),
        (["mix.wav", "--sources", "2", "-o", "-k8"], 64, "option --output needs a value DIR, got '-k8'"),
        (["mix.wav", "--sources", "2", "-o", "--forc"], 64, "option --output needs a value DIR, got '--forc'"),
        (["mix.wav", "--sources", "99999999999"], 64, "--sources 99999999999"),
        (["mix.wav", "--sources", "2", "--components", "9223372036854775807"], 64, "--components"),
        (["mix.wav", "--sources", "2", "--divergence", "frobenius"], 64, "'frobenius'"),
        (["mix.wav", "--sources", "2", "--divergence", "beta=9"], 64, "beta=9"),
        (["mix.wav", "--sources", "2", "--init", "svd"], 64, "'svd'"),
        (["mix.wav", "--sources", "2", "--continuity", "-1"], 64, "--continuity -1"),
        (["mix.wav", "--sources", "2", "--continuity", "1", "--divergence", "is"], 64, "--continuity"),
        (["mix.wav", "--sources", "2", "--continuity", "0,1"], 64, "--continuity 0,1 is out of range (allowed: one weight; a weight per source needs dictionaries"),
        (["mix.wav", "--sources", "2", "--continuity", "0,x"], 64, "--continuity '0,x': 'x' is not a finite number (allowed: numbers separated by commas)"),
        (["mix.wav", "--sources", "2", "--mask-power", "1e-46"], 64, "--mask-power 1e-46 is out of range (it is too small for a 32-bit float, which reads it as 0"),
        (["mix.wav", "--sources", "2", "--tolerance", "1e-400"], 64, "--tolerance 1e-400 is out of range (it is too small for a 32-bit float"),
        (["mix.wav", "--sources", "2", "--mask-power", "0x1p0"], 64, "--mask-power '0x1p0' is not a decimal number"),
        (["mix.wav", "--sources", "2", "--dictionary", "a.nmfdict", "--dictionary", "b.nmfdict", "--continuity", "0,1e-50"], 64, "'1e-50' is out of range (it does not fit a 32-bit float"),
        (["mix.wav", "--sources", "2", "--continuity", "0,,1"], 64, "--continuity '0,,1': '' is not"),
        (["mix.wav", "--sources", "2", "--continuity", "101"], 64, "--continuity 101 is out of range (allowed: 0 to 100)"),
        (["mix.wav", "--sources", "2", "--sparsity", "0.1,0"], 64, "--sparsity 0.1,0 is out of range (allowed: one weight; a weight per source needs dictionaries"),
        (["mix.wav", "--sources", "2", "--sparsity", "-0.5"], 64, "--sparsity -0.5 is out of range (allowed: 0 to 100)"),
        (["mix.wav", "--sources", "99999999999999999999"], 64, "--sources 99999999999999999999 is out of range (it does not fit a 64-bit integer"),
        (["mix.wav", "--sources", "2", "--tolerance", "1e40"], 64, "--tolerance 1e40 is out of range (it does not fit a 32-bit float"),
        (["mix.wav", "--sources", "2", "--mask-power", "1,5"], 64, "--mask-power '1,5' is not a decimal number (allowed: e.g. 1.5, 2 or 1e-3"),
        (["mix.wav", "--sources", "2", "--jobs", "1.5"], 64, "--jobs '1.5' is not an integer (allowed: a whole number"),
        (["mix.wav", "--sources", "2", "--step-exponent", "2"], 64, "--step-exponent 2"),
        (["mix.wav", "--sources", "2", "--step-exponent", "1.5", "--divergence", "is"], 64, "--step-exponent 1.5"),
        (["mix.wav", "--sources", "2", "--jobs", "0"], 64, "--jobs 0"),
        (["mix.wav", "--sources", "2", "--ensemble", "0"], 64, "--ensemble 0"),
        (["mix.wav", "--sources", "2", "--ensemble", "33"], 64, "--ensemble 33"),
        (["mix.wav", "--sources", "2", "--ensemble", "three"], 64, "'three'"),
        (["mix.wav", "--sources", "2", "--ensemble", "3", "--seed", "18446744073709551614"], 64, "allowed: 0 to 18446744073709551613"),
        (["mix.wav", "--sources", "2", "--seed", "18446744073709551616"], 64, "--seed '18446744073709551616' is out of range (allowed: 0 to 18446744073709551615)"),
        (["mix.wav", "--sources", "2", "--seed", "x1"], 64, "--seed 'x1' is not a non-negative integer (allowed: 0 to"),
        (["mix.wav", "--sources", "2", "--shard", "2/2"], 64, "--shard '2/2'"),
        (["mix.wav", "--sources", "2", "--format", "mp4"], 64, "'mp4'"),
        (["mix.wav", "--sources", "2", "-o", "mix.wav/sub"], 1, "mix.wav/sub"),
        (["mix.wav", "--sources", "2", "-o", "/proc/forbidden"], 1, "/proc/forbidden"),
    ]

    @Test(arguments: 0..<cases.count)
    func errorCaseExitsWithOneLineAndWritesNothing(index: Int) throws {
        let c = Self.cases[index]
        let out = "\(dir)/out\(index)"
        // Our own options first, so that a case ending in a flag tests the missing value.
        let r = try CLIRunner.run((c.args.contains("-o") ? [] : ["-o", out]) + ["--iterations", "3"] + c.args, in: dir)
        #expect(r.status == c.status, "\(c.args): \(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(c.mentions), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out), "\(CLIRunner.entries(under: out))")
    }

    @Test func unwritableOutputDirectoryIsReported() throws {
        let ro = "\(dir)/readonly"
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: true)
        chmod(ro, 0o500)
        defer { chmod(ro, 0o700) }
        // Root writes anywhere: then the cases "-o /proc/forbidden" and "-o mix.wav/sub" above
        // (an output path below a regular file) stand for an unwritable directory.
        if geteuid() == 0 { return }
        let r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", ro, "--iterations", "3"], in: dir)
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains(ro))
        #expect(CLIRunner.entries(under: ro).isEmpty)
    }

    @Test func existingOutputsAreKeptUnlessForced() throws {
        let out = "\(dir)/existing"
        var r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let first = try Data(contentsOf: URL(fileURLWithPath: "\(out)/mix/source_1.wav"))
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3", "--seed", "9"], in: dir)
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("already exists"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/mix/source_1.wav")) == first)
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3", "--seed", "9", "--force"], in: dir)
        #expect(r.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/mix/source_1.wav")) != first)
        #expect(CLIRunner.files(under: out) == ["mix/source_1.wav", "mix/source_2.wav"])
        // A forced run with other settings warns about what an earlier run left (the 3rd source,
        // factors, figures) and deletes nothing; a file of the user's is not mentioned.
        r = try CLIRunner.run(["mix.wav", "--sources", "3", "-o", out, "--iterations", "3", "--save-factors", "--plot", "--force"], in: dir)
        #expect(r.status == 0 && CLIRunner.files(under: out).contains("mix/W.npy") && CLIRunner.files(under: out).contains("mix/source_3.wav"))
        #expect(FileManager.default.createFile(atPath: "\(out)/mix/notes.txt", contents: Data("mine".utf8)))
        let before = CLIRunner.files(under: out)
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3", "--force"], in: dir)
        #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("also holds H.npy, W.npy, activations.png, factors.json, mask_1.png, …")
                && !r.stderr.contains("notes.txt"), "\(r.stderr)")
        #expect(CLIRunner.files(under: out) == before)
        // The same files in the JSON report, under --quiet too (where no warning is printed).
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3", "--force", "--json", "-q"], in: dir)
        let stale = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["stale_outputs"] as? [String]
        #expect(r.status == 0 && r.stderr.isEmpty && stale?.count == 10 && stale?.contains("\(out)/mix/source_3.wav") == true
                && stale?.contains { $0.hasSuffix("notes.txt") } == false, "\(stale ?? [])")
        #expect(SeparateCommand.isToolOutput("source_12.flac") && SeparateCommand.isToolOutput("mask_3.png") && SeparateCommand.isToolOutput("H_2.npy"))
        // A dangling symbolic link where an output goes exists too: refused before the work (it
        // failed only at the commit, after the whole separation), replaced with --force.
        let dangling = "\(dir)/dangling"
        try FileManager.default.createDirectory(atPath: "\(dangling)/mix", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(dangling)/mix/source_2.wav", withDestinationPath: "\(dir)/nowhere")
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", dangling, "--iterations", "3", "--json"], in: dir)
        #expect(r.status == 1 && r.stderr.contains("source_2.wav' already exists") && !r.stdout.contains("\"nmf\":"), "\(r.stderr)")
        r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", dangling, "--iterations", "3", "--force"], in: dir)
        #expect(r.status == 0 && CLIRunner.files(under: dangling) == ["mix/source_1.wav", "mix/source_2.wav"], "\(r.stderr)")
        #expect(!SeparateCommand.isToolOutput("source_a.wav") && !SeparateCommand.isToolOutput("source_1") && !SeparateCommand.isToolOutput("W.txt")
                && !SeparateCommand.isToolOutput("mask_.png") && !SeparateCommand.isToolOutput("source_01.wav")
                && !SeparateCommand.isToolOutput("source_+1.wav") && !SeparateCommand.isToolOutput("source_1.txt"))
    }

    @Test func hiddenFilesOfAKilledRunAreReportedNotTouched() throws {
        // A process that has exited: its pid names no process now.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier, live = getpid()
        let out = "\(dir)/killed", sub = "\(out)/mix"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let left = [".source_1.wav.\(dead)-77.tmp", ".source_2.wav.\(dead)-77.old"]
        let others = [".source_1.wav.\(live)-5.tmp", ".notes.txt.\(dead)-1.tmp", ".source_1.wav.tmp"]   // alive, not ours, no tag
        for name in left + others { #expect(FileManager.default.createFile(atPath: "\(sub)/\(name)", contents: Data("x".utf8))) }
        let r = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3"], in: dir)
        #expect(r.status == 0 && r.stderrLines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("hidden files of an interrupted run (\(left[0]), \(left[1]))") && r.stderr.contains("rename it back"), "\(r.stderr)")
        for name in left + others { #expect(FileManager.default.fileExists(atPath: "\(sub)/\(name)"), "\(name) was touched") }
        #expect(SeparateCommand.leftoverOfDeadRun(left[0]) == "source_1.wav" && SeparateCommand.leftoverOfDeadRun(".mask_2.png.\(dead)-9.tmp") == "mask_2.png")
        #expect(others.allSatisfy { SeparateCommand.leftoverOfDeadRun($0) == nil })
        let quiet = try CLIRunner.run(["mix.wav", "--sources", "2", "-o", out, "--iterations", "3", "--force", "--quiet"], in: dir)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test func outputThatWouldOverwriteTheInputIsRefused() throws {
        let nested = "\(dir)/root/source_1"
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: mix, toPath: "\(nested)/source_1.wav")
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(nested)/source_1.wav"))
        let r = try CLIRunner.run(["\(nested)/source_1.wav", "--sources", "2", "-o", "\(dir)/root/source_1/..", "--force", "--iterations", "3"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("overwrite the input"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(nested)/source_1.wav")) == before)
        #expect(CLIRunner.files(under: "\(dir)/root") == ["source_1/source_1.wav"])
    }
}

/// Mistyped options get a guess, and short options take attached values as getopt does.
@Suite struct OptionSpellingTests {
    @Test func unknownOptionsSuggestTheClosestOne() throws {
        let names = OptionTable.separate.map { "--" + $0.name }
        #expect(OptionSuggestion.closest(to: "--source", among: names) == "--sources")
        #expect(OptionSuggestion.closest(to: "--iteration", among: names) == "--iterations")
        #expect(OptionSuggestion.closest(to: "--fft", among: names) == "--fft-size")
        #expect(OptionSuggestion.closest(to: "--masks-power", among: names) == "--mask-power")
        #expect(OptionSuggestion.closest(to: "--sead", among: names) == "--seed")
        #expect(OptionSuggestion.closest(to: "--xyzzy", among: names) == nil)
        #expect(OptionSuggestion.closest(to: "-x", among: names) == nil)
        #expect(OptionSuggestion.distance(Array("ab"), Array("ba")) == 1 && OptionSuggestion.distance(Array(""), Array("abc")) == 3)
        for (args, guess) in [(["x.wav", "--source", "2"], "did you mean --sources? see --help"),
                              (["train", "a.wav", "--compnents", "4"], "did you mean --components? see train --help"),
                              (["eval", "--refrence", "a.wav"], "did you mean --reference? see eval --help")] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains(guess), "\(r.stderr)")
        }
        // A bare word that is no file reads as a command that does not exist.
        let command = try CLIRunner.run(["separate", "/nonexistent/x.wav", "-s", "2"])
        #expect(command.status == 1 && command.stderr.contains("'separate' does not exist (the commands are train, eval and help")
                && !command.stderr.contains("x.wav' does not exist (the commands"), "\(command.stderr)")
        // --output is a directory: a file, or a new name ending in an audio extension, is refused up front.
        let dir = try TestSupport.temporaryDirectory()
        #expect(FileManager.default.createFile(atPath: "\(dir)/afile", contents: Data()))
        for (output, says) in [("\(dir)/afile", "is a file"), ("\(dir)/result.wav", "looks like an audio file name")] {
            let r = try CLIRunner.run(["x.wav", "-s", "2", "-o", output])
            #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains(says), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/result.wav"))
        let none = try CLIRunner.run(["x.wav", "--xyzzy"])
        #expect(none.status == 64 && none.stderr.contains("unknown option '--xyzzy' (see --help)"), "\(none.stderr)")
    }

    @Test func shortOptionsTakeAttachedValues() throws {
        let o = try CommandLineOptions.parse(["mix.wav", "-s2", "-k12", "-j3", "-o", "out/dir"])
        #expect(o.sources == 2 && o.components == 12 && o.jobs == 3 && o.outputDirectory == "out/dir")
        #expect(throws: CLIError.self) { try CommandLineOptions.parse(["mix.wav", "-fq"]) }   // flags do not bundle
        // Only counts attach: a file named like an option is not read as "-d ash.wav".
        #expect(throws: CLIError.self) { try CommandLineOptions.parse(["-dash.wav", "-s", "2"]) }
        #expect(try CommandLineOptions.parse(["-s", "2", "--", "-dash.wav"]).inputs == ["-dash.wav"])
        let t = try TrainCommand.parse(["a.wav", "-k16", "-o", "d.nmfdict"])
        #expect(t.components == 16 && t.output == "d.nmfdict")
    }
}
