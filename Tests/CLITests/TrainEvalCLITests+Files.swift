import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// What `train` reads and writes to and what separation reads dictionaries from: special files
/// are never replaced, an audio name is not a dictionary's, the output's directory is made or
/// refused before the training, each training file counts once, and a dictionary is read within
/// the memory budget.
extension TrainEvalCLITests {
    /// A FIFO (or device) at the output name is refused, even with --force: a rename would
    /// have put a regular file in its place (as root, over /dev/null). Same for separation.
    @Test func specialFilesAtOutputNamesAreNeverReplaced() throws {
        #expect(mkfifo("\(dir)/fifo.nmfdict", 0o600) == 0)
        for force in [[], ["--force"]] {
            let r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "--iterations", "2", "-o", "\(dir)/fifo.nmfdict"] + force)
            #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("fifo.nmfdict' is a FIFO, device or socket"), "\(r.stderr)")
        }
        var info = stat()
        #expect(lstat("\(dir)/fifo.nmfdict", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        try FileManager.default.createDirectory(atPath: "\(dir)/out/mix", withIntermediateDirectories: true)
        #expect(mkfifo("\(dir)/out/mix/source_1.wav", 0o600) == 0)
        let s = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "--iterations", "2", "-o", "\(dir)/out", "--force"])
        #expect(s.status == 1 && s.stderr.contains("source_1.wav' is a FIFO, device or socket"), "\(s.stderr)")
        #expect(lstat("\(dir)/out/mix/source_1.wav", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        let stdin = try CLIRunner.run(["train", "-", "-k", "2", "-o", "\(dir)/x.nmfdict"])
        #expect(stdin.status == 64 && stdin.stderr.contains("train reads files, not standard input ('-')"), "\(stdin.stderr)")
        let eval = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "--estimate", "-"])
        #expect(eval.status == 64 && eval.stderr.contains("eval reads files, not standard input ('-')"), "\(eval.stderr)")
        let audio = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "-o", "\(dir)/speech.wav"])
        #expect(audio.status == 64 && audio.stderr.contains("-o '\(dir)/speech.wav' looks like an audio file name"), "\(audio.stderr)")
    }

    /// `train --json` describes the dictionary it wrote, with the header's numbers as numbers.
    @Test func trainReportsInJSON() throws {
        let r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "6", "--iterations", "10", "--fft-size", "1024",
                                   "--label", "speech", "-o", "\(dir)/j.nmfdict", "--json", "-q"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["status"] as? String == "ok" && report["output"] as? String == "\(dir)/j.nmfdict" && report["label"] as? String == "speech")
        #expect(report["templates"] as? Int == 6 && report["bins"] as? Int == 513 && report["sample_rate"] as? Int == 16000)
        #expect(report["iterations"] as? Int == 10 && (report["final_divergence"] as? Double ?? 0) > 0)
        #expect(report["changing_source"] as? Bool == true && (report["level_spread_db"] as? Double ?? 0) > 4)
        #expect(report["trained_on"] as? [String] == ["\(dir)/train_speech.wav"])
        let d = try NMFDictionary.read(path: "\(dir)/j.nmfdict")
        #expect(d.components == 6 && d.label == "speech")
    }

    /// A dictionary larger than the memory left is refused before it is read, saying why. Only
    /// learned components must fit a mixture's frames: a mixture with fewer frames than the
    /// dictionaries' templates separates, the default free components are lowered to fit a
    /// short one, and --free-components beyond its frames is refused in those terms.
    @Test func dictionariesAreReadWithinTheMemoryBudget() throws {
        let t = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "16", "--iterations", "5", "--fft-size", "1024", "-o", "\(dir)/s.nmfdict"])
        #expect(t.status == 0, "\(t.stderr)")
        var environment = ProcessInfo.processInfo.environment
        environment["NMF_SEPARATE_MAX_MEMORY"] = "20K"
        let r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/s.nmfdict", "-o", "\(dir)/o"], environment: environment)
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("more than the 20.5 kB of memory left"), "\(r.stderr)")
        try TestSupport.write(AudioBuffer(channels: [(0..<4000).map { Float(sin(Double($0) * 0.2)) * 0.1 }], sampleRate: 16000),
                              to: "\(dir)/brief.wav", format: .wavFloat)
        let few = try CLIRunner.run(["\(dir)/brief.wav", "--dictionary", "\(dir)/s.nmfdict", "-o", "\(dir)/o", "--json"])
        let fewReport = try #require(try JSONSerialization.jsonObject(with: Data(few.stdout.utf8)) as? [String: Any], "\(few.stderr)")
        #expect(few.status == 0 && fewReport["frames"] as? Int == 17 && fewReport["components"] as? Int == 20, "\(few.stdout)")
        // 1024 samples: fewer frames than the 16 templates, and than the 8 free components of 2 free sources.
        try TestSupport.write(AudioBuffer(channels: [(0..<1024).map { Float(sin(Double($0) * 0.2)) * 0.1 }], sampleRate: 16000),
                              to: "\(dir)/tiny.wav", format: .wavFloat)
        let tiny = try CLIRunner.run(["\(dir)/tiny.wav", "--dictionary", "\(dir)/s.nmfdict", "--sources", "3", "-o", "\(dir)/o", "--json"])
        let tinyReport = try #require(try JSONSerialization.jsonObject(with: Data(tiny.stdout.utf8)) as? [String: Any], "\(tiny.stderr)")
        let frames = try #require(tinyReport["frames"] as? Int)
        #expect(tiny.status == 0 && frames >= 2 && frames < 8 && tinyReport["components"] as? Int == 16 + frames, "\(tiny.stdout)")
        let many = try CLIRunner.run(["\(dir)/tiny.wav", "--dictionary", "\(dir)/s.nmfdict", "--free-components", "9", "-o", "\(dir)/o"])
        #expect(many.status == 64 && many.stderrLines.count == 1
                && many.stderr.contains("--free-components 9 is out of range for '\(dir)/tiny.wav' (allowed: at most its number of STFT frames, \(frames); the 16 dictionary templates do not count)"),
                "\(many.stderr)")
    }

    /// `-o` in a missing directory makes it (as separation's `-o`), and one that cannot be made
    /// fails before the training, not after it; directories made for a run that fails are removed.
    @Test func trainPreparesItsOutputDirectoryFirst() throws {
        let made = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "--iterations", "2", "-o", "\(dir)/new/sub/s.nmfdict"])
        #expect(made.status == 0 && FileManager.default.fileExists(atPath: "\(dir)/new/sub/s.nmfdict"), "\(made.stderr)")
        #expect(FileManager.default.createFile(atPath: "\(dir)/plain", contents: Data()))
        for (output, reason) in [("plain/s.nmfdict", "'\(dir)/plain' is not a directory"),
                                 ("plain/sub/s.nmfdict", "cannot create directory '\(dir)/plain/sub': Not a directory")] {
            // 10⁶ iterations would take minutes: the refusal comes first.
            let r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "--iterations", "1000000", "-o", "\(dir)/\(output)"])
            #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("cannot write dictionary '\(dir)/\(output)': \(reason)"), "\(r.stderr)")
        }
        let failed = try CLIRunner.run(["train", "\(dir)/missing.wav", "-o", "\(dir)/gone/s.nmfdict"])
        #expect(failed.status == 1 && !FileManager.default.fileExists(atPath: "\(dir)/gone"), "\(failed.stderr)")
    }

    /// A file named twice (or named and found in a directory) is trained on once; without
    /// `--components` a short recording gets as many templates as it has frames, and with it
    /// the count is checked.
    @Test func trainTakesEachFileOnceAndLowersItsDefaultForShortAudio() throws {
        try FileManager.default.createDirectory(atPath: "\(dir)/clean", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dir)/train_speech.wav", toPath: "\(dir)/clean/a.wav")
        let twice = try CLIRunner.run(["train", "\(dir)/clean", "\(dir)/clean/a.wav", "\(dir)/clean/../clean/a.wav", "-k", "2",
                                       "--iterations", "2", "-o", "\(dir)/a.nmfdict", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(twice.stdout.utf8)) as? [String: Any], "\(twice.stderr)")
        #expect(report["trained_on"] as? [String] == ["\(dir)/clean/a.wav"])
        // 0.8 s at 16 kHz: 26 frames of 2048 with hop 512.
        let speech = try TestSupport.read("\(dir)/train_speech.wav")
        try TestSupport.write(AudioBuffer(channels: [Array(speech.channels[0].prefix(12800))], sampleRate: 16000), to: "\(dir)/brief.wav", format: .wavFloat)
        let lowered = try CLIRunner.run(["train", "\(dir)/brief.wav", "--iterations", "2", "-o", "\(dir)/brief.nmfdict", "--json"])
        let small = try #require(try JSONSerialization.jsonObject(with: Data(lowered.stdout.utf8)) as? [String: Any], "\(lowered.stderr)")
        #expect(lowered.status == 0 && small["templates"] as? Int == 26, "\(lowered.stdout)")
        let given = try CLIRunner.run(["train", "\(dir)/brief.wav", "-k", "32", "-o", "\(dir)/given.nmfdict"])
        #expect(given.status == 64 && given.stderr.contains("--components 32 is out of range for the training audio (allowed: at most its number of STFT frames, 26)"),
                "\(given.stderr)")
    }
}
