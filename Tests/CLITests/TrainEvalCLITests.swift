import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// `train`, `--dictionary` and `eval` through the built binary.
@Suite struct TrainEvalCLITests {
    let dir: String
    init() throws {
        dir = try TestSupport.temporaryDirectory()
        let speech = try TestSupport.read(TestSupport.audio("speech_libri_198_f.wav")).channels[0]
        let noise = try TestSupport.read(TestSupport.audio("noise_dishes.wav")).channels[0]
        let test = 48_000, train = 96_000
        func save(_ x: ArraySlice<Float>, _ name: String) throws {
            try TestSupport.write(AudioBuffer(channels: [Array(x)], sampleRate: 16000), to: "\(dir)/\(name)", format: .wavFloat)
        }
        try save(speech[0..<test], "ref_1.wav")
        try save(noise[0..<test], "ref_2.wav")
        try save(ArraySlice(zip(speech[0..<test], noise[0..<test]).map(+)), "mix.wav")
        try save(speech[test..<(test + train)], "train_speech.wav")
        try save(noise[test..<(test + train)], "train_noise.wav")
    }

    /// Trains the speech and the noise dictionaries (16 templates, fft 1024) into `dir`.
    func trainDictionaries() throws {
        for name in ["speech", "noise"] {
            let r = try CLIRunner.run(["train", "\(dir)/train_\(name).wav", "--components", "16", "--iterations", "50",
                                       "--fft-size", "1024", "-o", "\(dir)/\(name).nmfdict", "--label", name])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("16 templates"))
            #expect(r.stdout.contains(name == "speech" ? "dB (a changing source)" : "dB (a steady background)"), "\(r.stdout)")
        }
    }

    @Test func trainSeparateAndEvaluate() throws {
        try trainDictionaries()
        var r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/speech.nmfdict", "--dictionary", "\(dir)/noise.nmfdict",
                                   "-o", "\(dir)/out", "--iterations", "60", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(report["components"] as? Int == 32 && report["sources"] as? Int == 2)
        #expect((report["dictionaries"] as? [[String: Any]])?.map { $0["label"] as? String } == ["speech", "noise"])   // source i is dictionary i's
        #expect((report["settings"] as? [String: Any])?["fft_size"] as? Int == 1024)   // taken from the dictionaries
        #expect((report["settings"] as? [String: Any])?["source_continuity"] as? [Double] == [])
        #expect((report["settings"] as? [String: Any])?["automatic_penalties"] as? Bool == false)   // no free components
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/out/mix",
                               "--mixture", "\(dir)/mix.wav", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let scores = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(scores["permutation"] as? [Int] == [0, 1])
        #expect((scores["sdr_improvement"] as? Double ?? 0) > 3)
        let table = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/out/mix"])
        #expect(table.status == 0 && table.stdout.contains("SDR") && table.stdout.contains("mean"))
    }

    /// `--continuity` and `--sparsity` take one weight per dictionary (then one for the free
    /// components), recorded in the report and in factors.json, and refuse other counts.
    @Test func penaltiesPerDictionary() throws {
        try trainDictionaries()
        // A continuity weight per dictionary: the noise's activations only.
        let smooth = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/speech.nmfdict", "--dictionary", "\(dir)/noise.nmfdict",
                                        "-o", "\(dir)/smooth", "--iterations", "20", "--continuity", "0, 0.3", "--sparsity", "0.1,0", "--json",
                                        "--save-factors"])
        #expect(smooth.status == 0, "\(smooth.stderr)")
        let smoothReport = try JSONSerialization.jsonObject(with: Data(smooth.stdout.utf8)) as! [String: Any]
        #expect((smoothReport["settings"] as? [String: Any])?["source_continuity"] as? [Double] == [0, 0.3])
        #expect((smoothReport["settings"] as? [String: Any])?["source_sparsity"] as? [Double] == [0.1, 0])
        // factors.json records the weights the activations were fitted with.
        let factors = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/smooth/mix/factors.json")))
                                   as? [String: Any])
        #expect(factors["source_continuity"] as? [Double] == [0, 0.3] && factors["source_sparsity"] as? [Double] == [0.1, 0])
        #expect(factors["continuity"] as? Double == 0 && factors["sparsity"] as? Double == 0)
        let bad = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/speech.nmfdict", "--dictionary", "\(dir)/noise.nmfdict",
                                     "-o", "\(dir)/bad", "--continuity", "0,0.3,1"])
        #expect(bad.status == 64 && bad.stderr.contains("--continuity 0,0.3,1 is out of range (allowed: one weight, or 2: one per dictionary)"), "\(bad.stderr)")
        let bound = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/speech.nmfdict", "--dictionary", "\(dir)/noise.nmfdict",
                                       "-o", "\(dir)/bad", "--continuity", "0,101"])
        #expect(bound.status == 64 && bound.stderr.contains("--continuity 0,101 is out of range (allowed: 0 to 100; weight 2 is 101)"), "\(bound.stderr)")
        let free = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/speech.nmfdict", "--sources", "2",
                                      "-o", "\(dir)/bad", "--continuity", "0,0.3,0"])
        #expect(free.status == 64 && free.stderr.contains("(allowed: one weight, or 2: one per dictionary and one for the free components)"), "\(free.stderr)")
    }

    @Test func automaticPenaltiesFollowTheDictionariesTrainingAudio() throws {
        try trainDictionaries()
        // A speech dictionary with free components: the automatic penalties (smooth free components, sparse speech),
        // unless a penalty option is given; a noise dictionary (steady training audio) gets none.
        // (The note goes where progress does: with --progress when stderr is not a terminal.)
        func settings(_ args: [String], note: Bool = false) throws -> [String: Any] {
            let run = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/auto", "--iterations", "10", "--json", "--force",
                                         "--progress"] + args)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("had the automatic penalties --continuity 0,1 --sparsity 0.3,0") == note, "\(run.stderr)")
            return try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["settings"] as? [String: Any])
        }
        let piped = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/auto", "--iterations", "10", "--force",
                                       "--dictionary", "\(dir)/speech.nmfdict"])
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        var auto = try settings(["--dictionary", "\(dir)/speech.nmfdict"], note: true)
        #expect(auto["automatic_penalties"] as? Bool == true)
        #expect(auto["source_continuity"] as? [Double] == [0, 1] && auto["source_sparsity"] as? [Double] == [0.3, 0])
        auto = try settings(["--dictionary", "\(dir)/speech.nmfdict", "--sparsity", "0"])
        #expect(auto["automatic_penalties"] as? Bool == false && auto["source_continuity"] as? [Double] == [])
        auto = try settings(["--dictionary", "\(dir)/speech.nmfdict", "--continuity", "0.5"])   // a shared weight replaces them too
        #expect(auto["automatic_penalties"] as? Bool == false && auto["continuity"] as? Double == 0.5 && auto["source_sparsity"] as? [Double] == [])
        auto = try settings(["--dictionary", "\(dir)/noise.nmfdict"])
        #expect(auto["automatic_penalties"] as? Bool == false && auto["source_sparsity"] as? [Double] == [])
        // A dictionary of another divergence: the penalties are KL-only, so none (and no error).
        let trainIS = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "--components", "8", "--iterations", "10", "--fft-size", "1024",
                                         "--divergence", "is", "-o", "\(dir)/is.nmfdict", "-q"])
        #expect(trainIS.status == 0, "\(trainIS.stderr)")
        auto = try settings(["--dictionary", "\(dir)/is.nmfdict"])
        #expect(auto["automatic_penalties"] as? Bool == false && auto["divergence"] as? String == "itakura-saito")
    }

    @Test func dictionaryWithOtherSettingsIsRefused() throws {
        var r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "4", "--iterations", "5", "--fft-size", "512",
                                   "-o", "\(dir)/small.nmfdict"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/small.nmfdict", "--free-components", "4",
                               "--fft-size", "1024", "-o", "\(dir)/o2", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("--fft-size 512") && r.stderr.contains("--fft-size 1024"), "\(r.stderr)")
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/small.nmfdict", "--free-components", "4",
                               "--hop", "256", "-o", "\(dir)/o2", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("--hop 128") && r.stderr.contains("--hop 256"), "\(r.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/o2").isEmpty)
        // One dictionary alone always has a free source beside it (--help said "0 or more"): the refusal says why.
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/small.nmfdict", "--free-components", "0", "-o", "\(dir)/o2"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("--free-components 0 is out of range (allowed: at least one per source "
                + "without a dictionary, 1, since one --dictionary alone separates its source from the rest"), "\(r.stderr)")
        // The dictionary's own fft size given again keeps its hop (a hop not fft/4 included).
        r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "4", "--iterations", "5", "--fft-size", "512", "--hop", "256",
                               "-o", "\(dir)/half.nmfdict"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/half.nmfdict", "--free-components", "4",
                               "--fft-size", "512", "-o", "\(dir)/o5", "--iterations", "3", "--json", "-q"])
        #expect(r.status == 0 && r.stdout.contains("\"hop\":256"), "\(r.stderr)")
        // Two dictionaries of different settings, no option given: the first dictionary is named, not the user.
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/small.nmfdict", "--dictionary", "\(dir)/half.nmfdict",
                               "-o", "\(dir)/o6", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("half.nmfdict' was trained with --fft-size 512 --hop 256, but '")
                && r.stderr.contains("small.nmfdict' with --fft-size 512 --hop 128"), "\(r.stderr)")
        // A dictionary learned under another divergence.
        r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "4", "--iterations", "5", "--divergence", "is",
                               "-o", "\(dir)/is.nmfdict"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/is.nmfdict", "--free-components", "4",
                               "--divergence", "kl", "-o", "\(dir)/o3", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("divergence") && r.stderr.contains("itakura-saito"), "\(r.stderr)")
        // One dictionary and one free source: nothing is grouped, the JSON says so, a --grouping given is warned about.
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/small.nmfdict", "--free-components", "4", "--grouping", "activations",
                               "-o", "\(dir)/o7", "--iterations", "3", "--json"])
        #expect(r.status == 0 && r.stdout.contains("\"grouping\":\"dictionaries\"") && r.stderrLines.count == 1
                && r.stderr.contains("--grouping activations is not used"), "\(r.stderr)")
        // Without --divergence the dictionary's is used.
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/is.nmfdict", "--free-components", "4",
                               "-o", "\(dir)/o4", "--iterations", "3", "--json", "-q"])
        #expect(r.status == 0 && r.stdout.contains("\"divergence\":\"itakura-saito\""), "\(r.stderr)")
        // An option that needs KL against the dictionary's divergence names the dictionary, not a
        // --divergence the user did not give.
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/is.nmfdict", "--free-components", "4", "--step-exponent", "1.5",
                               "-o", "\(dir)/o8", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1
                && r.stderr.contains("got itakura-saito, the divergence --dictionary '\(dir)/is.nmfdict' was trained with"), "\(r.stderr)")
        // A 44.1 kHz input against a 16 kHz dictionary.
        let x = try TestSupport.excerpt("piano_sms.wav", frames: 44_100)
        try TestSupport.write(x, to: "\(dir)/p44.wav", format: .wav16)
        r = try CLIRunner.run(["\(dir)/p44.wav", "--dictionary", "\(dir)/small.nmfdict", "--free-components", "2", "-o", "\(dir)/o3", "--iterations", "3"])
        #expect(r.status == 1 && r.stderr.contains("p44.wav': dictionary") && r.stderr.contains("sample rate 16000 Hz") && r.stderr.contains("44100 Hz"), "\(r.stderr)")
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/mix.wav", "-o", "\(dir)/o4"])
        #expect(r.status == 1 && r.stderr.contains("not an nmf-separate dictionary"), "\(r.stderr)")
    }

    /// `train` takes directories as separation does: the audio files below them, sorted.
    @Test func trainTakesDirectories() throws {
        let clean = "\(dir)/clean"
        try FileManager.default.createDirectory(atPath: "\(clean)/more", withIntermediateDirectories: true)
        try? FileManager.default.copyItem(atPath: "\(dir)/train_speech.wav", toPath: "\(clean)/a.wav")
        try? FileManager.default.copyItem(atPath: "\(dir)/train_speech.wav", toPath: "\(clean)/more/b.wav")
        let r = try CLIRunner.run(["train", clean, "-o", "\(dir)/fromdir.nmfdict", "-k", "4", "--iterations", "5", "-f"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try NMFDictionary.read(path: "\(dir)/fromdir.nmfdict").notes["trained_on"] == "a.wav, b.wav")
        // The summary says how much a directory gave (it may hold more than the clean takes meant).
        #expect(r.stdout.contains(", from 2 files ("), "\(r.stdout)")
        try FileManager.default.createDirectory(atPath: "\(dir)/nothing", withIntermediateDirectories: true)
        // Recordings at two rates: one dictionary has one rate (the message called it "out of range").
        let one = try TestSupport.read("\(dir)/train_speech.wav")
        try TestSupport.write(AudioBuffer(channels: one.channels, sampleRate: one.sampleRate / 2), to: "\(dir)/half.wav", format: .wav16)
        let rates = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "\(dir)/half.wav", "-o", "\(dir)/r.nmfdict", "-k", "2"])
        #expect(rates.status == 1 && rates.stderrLines.count == 1 && rates.stderr.contains("the training recordings have different sample rates: "
                + "\(dir)/half.wav is at \(one.sampleRate / 2) Hz, \(dir)/train_speech.wav at \(one.sampleRate) Hz; a dictionary has one rate"), "\(rates.stderr)")
        let empty = try CLIRunner.run(["train", "\(dir)/nothing", "-o", "\(dir)/e.nmfdict"])
        #expect(empty.status == 1 && empty.stderr.contains("holds no audio files to train on"), "\(empty.stderr)")
        // --include as in separation: only the matching files of a directory.
        let some = try CLIRunner.run(["train", clean, "--include", "b.*", "-o", "\(dir)/b.nmfdict", "-k", "4", "--iterations", "5", "--json", "-q"])
        #expect(some.status == 0 && some.stdout.contains("\"trained_on\":[\"\(clean)/more/b.wav\"]"), "\(some.stderr) \(some.stdout)")
        let none = try CLIRunner.run(["train", clean, "--include", "z*", "-o", "\(dir)/z.nmfdict"])
        #expect(none.status == 1 && none.stderr.contains("holds no audio files matching --include 'z*' to train on"), "\(none.stderr)")
    }

    /// `train` read the value of `--name=value` from the wrong list: `--label=speech a.wav -o
    /// d.nmfdict -f` wrote a dictionary named `-f` labelled `a.wav`, with exit 0. Now `=` values
    /// work as in separation, and eval takes them too; a flag given a value is a usage error.
    @Test func optionsTakeValuesAfterAnEqualsSign() throws {
        let r = try CLIRunner.run(["train", "--label=speech", "train_speech.wav", "-o", "eq.nmfdict", "-f", "--components=3", "--iterations=5"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("wrote eq.nmfdict: 3 templates"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/-f"))
        let d = try NMFDictionary.read(path: "\(dir)/eq.nmfdict")
        #expect(d.label == "speech")
        for (args, message) in [(["train", "train_speech.wav", "-o", "x.nmfdict", "--force=yes"], "option --force takes no value"),
                                (["train", "train_speech.wav", "-o", ""], "option --output needs a non-empty file name"),
                                (["train", "train_speech.wav", "-o", "x.nmfdict", "-k"], "option --components needs a value N"),
                                (["train", "train_speech.wav", "-o", "-f"], "option --output needs a value FILE, got '-f', which is an option"),
                                (["eval", "--mixture", "--json", "--reference", "ref_1.wav", "--estimate", "ref_1.wav"],
                                 "option --mixture needs a value FILE, got '--json', which is an option"),
                                (["train", "train_speech.wav", "-o", "x.nmfdict", "-s", "2"], "unknown train option '-s': train learns the templates of one source"),
                                (["train", "train_speech.wav", "-o", "x.nmfdict", "--seed", "-1"], "--seed '-1' is out of range (allowed: 0 to"),
                                (["train", "train_speech.wav", "-o", "x.nmfdict", "--label", String(repeating: "l", count: 70_000)],
                                 "--label is 70000 bytes long (allowed: at most 1024 bytes)"),
                                (["eval", "--reference", "ref_1.wav", "--estimate", "ref_1.wav", "--json=1"], "option --json takes no value")] {
            let bad = try CLIRunner.run(args, in: dir)
            #expect(bad.status == 64 && bad.stderrLines.count == 1 && bad.stderr.contains(message), "\(args): \(bad.stderr)")
        }
        let e = try CLIRunner.run(["eval", "--reference=ref_1.wav", "ref_2.wav", "--estimate=ref_2.wav", "ref_1.wav", "--mixture=mix.wav", "--json"], in: dir)
        #expect(e.status == 0 && e.stdout.contains("\"mix_sdr\"") && e.stdout.contains("\"estimates\":[\"ref_2.wav\",\"ref_1.wav\"]"), "\(e.stdout)")
    }

    /// `train` writes as separation does: a dangling symbolic link at `-o` is an existing file
    /// (it was replaced without --force), a dictionary that appears while training is not
    /// replaced without --force (link, not rename), and the hidden temporary name does not
    /// grow with the output's (a valid 247-byte name failed as "File name too long").
    @Test func trainNeverReplacesWithoutForce() throws {
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/dangling.nmfdict", withDestinationPath: "\(dir)/nowhere")
        let dangling = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "--iterations", "2", "-o", "\(dir)/dangling.nmfdict"])
        #expect(dangling.status == 1 && dangling.stderr.contains("already exists"), "\(dangling.stderr)")
        let long = "\(dir)/" + String(repeating: "n", count: 247) + ".nmfdict"
        let named = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "--iterations", "2", "-o", long, "-q"])
        #expect(named.status == 0 && FileManager.default.fileExists(atPath: long), "\(named.stderr)")
        // A dictionary that appears during the training (another run) is not replaced without
        // --force: the move into place is a link, which fails where a rename would replace.
        let race = "\(dir)/race.nmfdict"
        #expect(FileManager.default.createFile(atPath: race, contents: Data("another run's".utf8)))
        let trained = try NMFDictionary.read(path: long)
        var command = TrainCommand()
        do {
            try command.write(trained, to: race)
            Issue.record("an existing dictionary was replaced without --force")
        } catch let e as CLIError {
            #expect(e.message == "cannot write dictionary '\(race)': it appeared during the training (use --force to overwrite)" && e.exitCode == 1)
        }
        #expect(try String(contentsOfFile: race, encoding: .utf8) == "another run's")
        command.force = true
        try command.write(trained, to: race)
        #expect(try NMFDictionary.read(path: race).components == 2)
        #expect(CLIRunner.entries(under: dir).allSatisfy { !$0.hasPrefix(".") }, "no temporary file is left")
    }

    /// Several training files, one of them shorter than a frame: the message names it.
    @Test func trainNamesTheTooShortFile() throws {
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0.1, count: 100)], sampleRate: 16000), to: "\(dir)/tiny.wav", format: .wavFloat)
        let r = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "\(dir)/tiny.wav", "-k", "4", "-o", "\(dir)/tiny.nmfdict"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("tiny.wav': audio is 100 samples long"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/tiny.nmfdict"))
        // Silence has no templates to learn.
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0, count: 8000)], sampleRate: 16000), to: "\(dir)/zero.wav", format: .wavFloat)
        let silent = try CLIRunner.run(["train", "\(dir)/zero.wav", "-k", "2", "-o", "\(dir)/zero.nmfdict"])
        #expect(silent.status == 1 && silent.stderrLines.count == 1 && silent.stderr.contains("/zero.wav' is silent"), "\(silent.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/zero.nmfdict"))
        // -o naming a directory is refused as such, with or without --force.
        try FileManager.default.createDirectory(atPath: "\(dir)/dict.d", withIntermediateDirectories: true)
        for force in [false, true] {
            let d = try CLIRunner.run(["train", "\(dir)/train_speech.wav", "-k", "2", "--iterations", "2", "-o", "\(dir)/dict.d"] + (force ? ["-f"] : []))
            #expect(d.status == 1 && d.stderrLines.count == 1 && d.stderr.contains("dict.d' is a directory"), "\(d.stderr)")
        }
        // More templates than the training audio has frames: a usage error, as in separation.
        try TestSupport.write(AudioBuffer(channels: [(0..<8000).map { Float(sin(Double($0) * 0.3)) * 0.1 }], sampleRate: 16000),
                              to: "\(dir)/short.wav", format: .wavFloat)
        let many = try CLIRunner.run(["train", "\(dir)/short.wav", "-k", "500", "-o", "\(dir)/many.nmfdict"])
        #expect(many.status == 64 && many.stderrLines.count == 1 && many.stderr.contains("--components 500 is out of range for the training audio"),
                "\(many.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/many.nmfdict"))
    }
}
