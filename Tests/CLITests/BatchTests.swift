import Testing
import Foundation
import NMFSeparation
@testable import NMFSeparateCLI
import _TestSupport

/// Several inputs and directories in one call, `--jobs`, `--shard`, `--skip-existing`, JSON Lines.
@Suite struct BatchTests {
    /// A directory of short real mixtures: `a.wav`, `b.flac`, `sub/d.wav`, `e.aiff`, `f.wav`.
    static func corpus(in dir: String, bad: Bool = false) throws -> String {
        let root = "\(dir)/corpus"
        try FileManager.default.createDirectory(atPath: "\(root)/sub", withIntermediateDirectories: true)
        let speech = try TestSupport.excerpt("speech_sms_female.wav", frames: 16_000)
        let piano = try TestSupport.excerpt("piano_sms.wav", frames: 16_000)
        let files: [(String, AudioFormat)] = [("a.wav", .wav16), ("b.flac", AudioFormat(rawValue: 0x170002)),
                                              ("sub/d.wav", .wavFloat), ("e.aiff", AudioFormat(rawValue: 0x020002)), ("f.wav", .wav16)]
        for (i, (name, format)) in files.enumerated() {
            let g = Float(i + 1) * 0.1
            let x = zip(speech.channels[0], piano.channels[0]).map { 0.5 * $0 + g * $1 }
            try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 16_000), to: "\(root)/\(name)", format: format)
        }
        if bad { try "not audio at all".write(toFile: "\(root)/c.wav", atomically: true, encoding: .utf8) }
        try "notes".write(toFile: "\(root)/README.txt", atomically: true, encoding: .utf8)
        return root
    }

    /// The JSON lines of a run's stdout.
    static func lines(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func goodAndBadFilesTogether() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir, bad: true)
        let r = try CLIRunner.run([root, "--sources", "2", "--iterations", "5", "-o", "\(dir)/out", "--json"])
        #expect(r.status == 1)
        let lines = try Self.lines(r.stdout)
        #expect(lines.count == 6)
        #expect(lines.filter { $0["status"] as? String == "ok" }.count == 5)
        let failed = lines.filter { $0["status"] as? String == "failed" }
        #expect(failed.count == 1 && (failed.first?["input"] as? String)?.hasSuffix("c.wav") == true)
        #expect(r.stderrLines.count == 2 && r.stderr.contains("c.wav") && r.stderr.contains("1 of 6 files failed"), "\(r.stderr)")
        let expected = ["a", "b", "e", "f", "sub/d"].flatMap { stem -> [String] in
            let ext = stem == "b" ? "flac" : stem == "e" ? "aiff" : "wav"
            return ["\(stem)/source_1.\(ext)", "\(stem)/source_2.\(ext)"]
        }
        #expect(CLIRunner.files(under: "\(dir)/out") == expected.sorted())
    }

    @Test func jobsDoNotChangeTheBytes() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        var order: [[String]] = []
        for jobs in ["1", "3"] {
            let r = try CLIRunner.run([root, "--sources", "2", "--iterations", "10", "-o", "\(dir)/j\(jobs)", "--jobs", jobs, "--json", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
            order.append(try Self.lines(r.stdout).map { $0["input"] as? String ?? "" })
        }
        // JSON lines come in the input list's order with --jobs too.
        #expect(order[0].count == 5 && order[0] == order[1], "\(order)")
        let files = CLIRunner.files(under: "\(dir)/j1")
        #expect(files.count == 10 && files == CLIRunner.files(under: "\(dir)/j3"))
        for f in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/j1/\(f)")) == Data(contentsOf: URL(fileURLWithPath: "\(dir)/j3/\(f)")))
        }
    }

    /// On SIGINT, the JSON lines of files that finished while an earlier one still ran are
    /// printed (in input order) before the exit, not lost with the held-back lines.
    @Test func anInterruptPrintsTheLinesOfFinishedFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir)/in", withIntermediateDirectories: true)
        var tone = [Float](repeating: 0, count: 30 * 44_100)
        for i in tone.indices {
            let t = Double(i)
            tone[i] = Float(0.3 * sin(t * 0.031) + 0.2 * sin(t * 0.0071))
        }
        try TestSupport.write(AudioBuffer(channels: [tone], sampleRate: 44_100), to: "\(dir)/in/a_long.wav", format: .wavFloat)
        for name in ["b", "c"] {
            try TestSupport.write(TestSupport.excerpt("speech_sms_male.wav", frames: 8_000), to: "\(dir)/in/\(name).wav", format: .wavFloat)
        }
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: CLIRunner.binary)
        p.arguments = ["\(dir)/in", "--sources", "2", "-o", "\(dir)/out", "--iterations", "100000", "--tolerance", "1e-9", "--jobs", "2", "--json", "-q"]
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        let done = ["b/source_1.wav", "b/source_2.wav", "c/source_1.wav", "c/source_2.wav"]
        while Date() < deadline && !done.allSatisfy({ CLIRunner.files(under: "\(dir)/out").contains($0) }) { usleep(20_000) }
        usleep(500_000)   // their reports are made just after their files are in place
        kill(p.processIdentifier, SIGINT)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        let inputs = try Self.lines(text).map { ($0["input"] as? String).map { ($0 as NSString).lastPathComponent } }
        #expect(inputs == ["b.wav", "c.wav"], "\(text)")
    }

    @Test func shardSelectionIsDisjointAndCovers() throws {
        for total in [0, 1, 5, 17, 100] {
            let items = Array(0..<total)
            for n in 1...7 {
                let parts = try (0..<n).map { try Shard(parsing: "\($0)/\(n)").select(items) }
                #expect(parts.flatMap { $0 }.sorted() == items)
                #expect(parts.map(\.count).reduce(0, +) == total)
                #expect((parts.map(\.count).max() ?? 0) - (parts.map(\.count).min() ?? 0) <= 1)
            }
        }
        for bad in ["3/3", "-1/2", "1", "a/b", "0/0", "1/2/3", ""] {
            #expect(throws: CLIError.self) { try Shard(parsing: bad) }
        }
    }

    @Test func shardsSplitARealCorpus() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        var seen: [String] = []
        for i in 0..<3 {
            let r = try CLIRunner.run([root, "--sources", "2", "--iterations", "1", "-o", "\(dir)/out", "--shard", "\(i)/3", "--json", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
            seen += try Self.lines(r.stdout).map { $0["input"] as! String }
        }
        #expect(seen.count == 5 && Set(seen).count == 5)
        #expect(CLIRunner.files(under: "\(dir)/out").count == 10)
        let bad = try CLIRunner.run([root, "--sources", "2", "--shard", "3/3"])
        #expect(bad.status == 64 && bad.stderr.contains("--shard '3/3'"))
    }

    @Test func skipExistingResumes() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let out = "\(dir)/out"
        // A first run on part of the corpus, as if interrupted.
        #expect(try CLIRunner.run(["\(root)/a.wav", "\(root)/f.wav", "--sources", "2", "--iterations", "3", "-o", out, "-q"]).status == 0)
        let before = try FileManager.default.attributesOfItem(atPath: "\(out)/a/source_1.wav")[.modificationDate] as? Date
        let resumed = try CLIRunner.run([root, "--sources", "2", "--iterations", "3", "-o", out, "--skip-existing", "--json", "-q"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let statuses = try Self.lines(resumed.stdout).map { $0["status"] as! String }
        #expect(statuses.filter { $0 == "skipped" }.count == 2 && statuses.filter { $0 == "ok" }.count == 3)
        let skippedOutputs = try Self.lines(resumed.stdout).filter { $0["status"] as? String == "skipped" }.map { $0["outputs"] as? [String] ?? [] }
        #expect(skippedOutputs.contains(["\(out)/a/source_1.wav", "\(out)/a/source_2.wav"]), "\(skippedOutputs)")
        // Without --skip-existing, existing outputs are an error for every file.
        let again = try CLIRunner.run([root, "--sources", "2", "--iterations", "3", "-o", out, "-q"])
        #expect(again.status == 1 && again.stderr.contains("already exists") && again.stderr.contains("5 of 5 files failed"))
        let after = try FileManager.default.attributesOfItem(atPath: "\(out)/a/source_1.wav")[.modificationDate] as? Date
        #expect(before == after)
        #expect(CLIRunner.files(under: out).count == 10)
        // A partial set is not skipped, and the message says why.
        try FileManager.default.removeItem(atPath: "\(out)/a/source_2.wav")
        let partial = try CLIRunner.run(["\(root)/a.wav", "--sources", "2", "--iterations", "3", "-o", out, "--skip-existing", "-q"])
        #expect(partial.status == 1 && partial.stderr.contains("not every source does") && partial.stderr.contains("--force"), "\(partial.stderr)")
    }

    /// `--include` keeps, of the files found in directories, those whose name matches one of
    /// its patterns; a file named on its own is always taken; no match is said with the patterns.
    @Test func includePatternsFilterDirectoryScans() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let r = try CLIRunner.run([root, "\(root)/e.aiff", "--include", "a.*", "--include", "d.wav", "--sources", "2", "--iterations", "3",
                                   "-o", "\(dir)/out", "--json", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.lines(r.stdout).map { ($0["input"] as! NSString).lastPathComponent }.sorted() == ["a.wav", "d.wav", "e.aiff"])
        let none = try CLIRunner.run([root, "--include", "*.mp3", "--sources", "2", "-o", "\(dir)/none"])
        #expect(none.status == 1 && none.stderr.contains("no audio files matching --include '*.mp3' in the directory"), "\(none.stderr)")
        // A directory emptied by the pattern while another input remains: said after the run.
        let emptied = try CLIRunner.run([root, "\(root)/e.aiff", "--include", "zz*", "--sources", "2", "--iterations", "3", "-o", "\(dir)/em"])
        #expect(emptied.status == 0 && emptied.stderr.contains("warning: no audio files matching --include 'zz*' in '\(root)'"), "\(emptied.stderr)")
        let slash = try CLIRunner.run([root, "--include", "sub/d.wav", "--sources", "2"])
        #expect(slash.status == 64 && slash.stderr.contains("holds a '/'"), "\(slash.stderr)")
    }

    /// Shell patterns match file names by characters, not bytes (fnmatch in the C locale took
    /// `é` for two), with sets, ranges, negation and escapes.
    @Test func shellPatternsMatchCharacters() {
        let cases: [(String, String, Bool)] = [
            ("mix_?.wav", "mix_é.wav", true), ("mix_?.wav", "mix_ab.wav", false), ("mix_[!a].wav", "mix_é.wav", true),
            ("mix_[!a].wav", "mix_a.wav", false), ("*.wav", "a.wav", true), ("*.wav", "a.WAV", false), ("[a-c]*", "b1.flac", true),
            ("[a-c]*", "d.flac", false), ("\\[m]ix", "[m]ix", true), ("[m]ix", "mix", true), ("a[", "a[", true), ("*a*b*", "xaybz", true),
            ("*a*b", "xaybz", false), ("[]a]", "]", true), ("🇫🇷?", "🇫🇷x", true), ("", "", true), ("*", "", true), ("?", "", false),
        ]
        for (pattern, name, expected) in cases {
            #expect(ShellPattern(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
        }
    }

    @Test func collidingStemsFailOnlyTheLaterFile() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        // Same stem, directories of the same name: told apart by nothing, so the later one fails.
        for d in ["x/corpus", "y/corpus"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(d)", withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/x/corpus/a.wav")
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/y/corpus/a.wav")
        let r = try CLIRunner.run(["\(dir)/x/corpus/a.wav", "\(dir)/y/corpus/a.wav", "\(dir)/x/corpus/../corpus/a.wav", "--sources", "2",
                                   "--iterations", "3", "-o", "\(dir)/out", "--json", "-q"])
        #expect(r.status == 1 && r.stderr.contains("y/corpus/a.wav' would write to the same output directory '\(dir)/out/a'"), "\(r.stderr)")
        let lines = try Self.lines(r.stdout)
        #expect(lines.count == 2, "the same file given twice is separated once")
        #expect(lines.map { $0["status"] as! String }.sorted() == ["failed", "ok"])
        #expect(CLIRunner.files(under: "\(dir)/out") == ["a/source_1.wav", "a/source_2.wav"])
        // Same stem in differently named directories (mix/<name>/mix.wav): each goes to <name>/<stem>.
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/a.wav")
        let s = try CLIRunner.run(["\(root)/a.wav", "\(dir)/a.wav", "--sources", "2", "--iterations", "3", "-o", "\(dir)/out2", "--progress"])
        #expect(s.status == 0, "\(s.stderr)")
        let parent = (dir as NSString).lastPathComponent
        // Their progress lines tell them apart the same way (both were "a.wav").
        #expect(s.stderr.contains("] corpus/a.wav: done") && s.stderr.contains("] \(parent)/a.wav: done"), "\(s.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out2") == ["\(parent)/a/source_1.wav", "\(parent)/a/source_2.wav", "corpus/a/source_1.wav", "corpus/a/source_2.wav"].sorted())
        // One recording in several formats in one directory: told apart by their extensions (one failed).
        let audio = try TestSupport.read("\(root)/a.wav")
        try TestSupport.write(audio, to: "\(dir)/x/corpus/a.flac", format: AudioFormat(rawValue: 0x170002))
        let e = try CLIRunner.run(["\(dir)/x/corpus/a.wav", "\(dir)/x/corpus/a.flac", "--sources", "2", "--iterations", "3", "-o", "\(dir)/out3", "-q"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out3") == ["a-flac/source_1.flac", "a-flac/source_2.flac", "a-wav/source_1.wav", "a-wav/source_2.wav"])
    }

    /// Splitting an earlier run's source further in the same call as re-separating its mixture:
    /// with `--force` the mixture's new sources would replace the other input before it is read.
    @Test func anOutputNeverReplacesAnotherInput() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let out = "\(dir)/out"
        #expect(try CLIRunner.run(["\(root)/a.wav", "--sources", "2", "--iterations", "3", "-o", out, "-q"]).status == 0)
        let earlier = try Data(contentsOf: URL(fileURLWithPath: "\(out)/a/source_1.wav"))
        let r = try CLIRunner.run(["\(root)/a.wav", "\(out)/a/source_1.wav", "--sources", "2", "--iterations", "3", "-o", out,
                                   "--force", "--json", "-q"])
        #expect(r.status == 1 && r.stderr.contains("would overwrite another input of this run"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/a/source_1.wav")) == earlier)
        #expect(try Self.lines(r.stdout).map { $0["status"] as! String }.sorted() == ["failed", "ok"])
    }

    /// Paths of one character (`-o s`, a missing input `x`): Foundation's path functions trap on
    /// some of them on Linux; the command creates the directory or reports the missing file.
    /// `café.wav` spelt with é (NFC) and with e + U+0301 (NFD) are two files on Linux, but
    /// Swift's String equality made them one: the second was never separated, with exit 0.
    @Test func namesThatDifferOnlyInNormalisationAreTwoFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        #expect(nfc == nfd)   // (what misled the batch)
        for name in [nfc, nfd] { try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/\(name).wav") }
        let r = try CLIRunner.run(["\(dir)/\(nfc).wav", "\(dir)/\(nfd).wav", "-s", "2", "--iterations", "3", "-o", "\(dir)/out", "--json", "-q"])
        let lines = try Self.lines(r.stdout)
        #expect(r.status == 0 && lines.count == 2, "\(r.stderr)")
        let made = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").map { Array($0.utf8) }
        #expect(Set(made) == Set([Array(nfc.utf8), Array(nfd.utf8)]))
        // A directory entry is the same through a symbolic link to its directory, and differs
        // between the two spellings and for a hard link.
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: dir)
        try FileManager.default.linkItem(atPath: "\(dir)/\(nfc).wav", toPath: "\(dir)/hard.wav")
        #expect(OutputPlan.entry(of: "\(dir)/link/\(nfc).wav") == OutputPlan.entry(of: "\(dir)/\(nfc).wav"))
        #expect(OutputPlan.entry(of: "\(dir)/\(nfd).wav") != OutputPlan.entry(of: "\(dir)/\(nfc).wav"))
        #expect(OutputPlan.entry(of: "\(dir)/hard.wav") != OutputPlan.entry(of: "\(dir)/\(nfc).wav"))
    }

    /// A directory the user cannot read was skipped without a word (its files were simply not
    /// separated, exit 0), and an unreadable argument said "no audio files": it now fails by
    /// name. (Root reads anything, so as root the run drops to nobody.)
    @Test func unreadableDirectoriesFailByName() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let asNobody = geteuid() == 0
        if asNobody {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
            for p in [dir, root, "\(root)/sub"] { chmod(p, 0o777) }
            for f in CLIRunner.files(under: root) { chmod("\(root)/\(f)", 0o666) }
        }
        chmod("\(root)/sub", 0o000)
        defer { chmod("\(root)/sub", 0o755) }
        func run(_ args: [String]) throws -> CLIRunner.Outcome {
            asNobody ? try CLIRunner.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLIRunner.binary] + args, executable: "/usr/bin/setpriv")
                     : try CLIRunner.run(args)
        }
        let r = try run([root, "-s", "2", "--iterations", "3", "-o", "\(dir)/out", "-q"])
        #expect(r.status == 1 && r.stderr.contains("cannot read the directory '\(root)/sub': Permission denied"), "\(r.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out").count == 8, "the readable files are separated")
        chmod(root, 0o000)
        defer { chmod(root, 0o777) }
        let top = try run([root, "-s", "2", "--iterations", "3", "-o", "\(dir)/out2", "-q"])
        #expect(top.status == 1 && top.stderr.contains("cannot read the directory '\(root)'"), "\(top.stderr)")
    }

    @Test func oneCharacterPathsWork() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/m.wav")
        for output in ["s", "t/", "u/v", "w/../y"] {
            let r = try CLIRunner.run(["m.wav", "--sources", "2", "--iterations", "2", "-o", output, "-q"], in: dir)
            #expect(r.status == 0, "\(output): \(r.stderr)")
        }
        #expect(CLIRunner.files(under: dir).filter { $0.hasSuffix("source_1.wav") }.sorted()
                == ["s/m/source_1.wav", "t/m/source_1.wav", "u/v/m/source_1.wav", "y/m/source_1.wav"])
        let missing = try CLIRunner.run(["x", "--sources", "2", "-o", "s"], in: dir)
        #expect(missing.status == 1 && missing.stderrLines.count == 1 && missing.stderr.contains("'x' does not exist"), "\(missing.stderr)")
        // train makes its output's missing directory, as separation makes -o's.
        let train = try CLIRunner.run(["train", "m.wav", "-k", "2", "--iterations", "2", "-o", "d/x.nmfdict"], in: dir)
        #expect(train.status == 0 && FileManager.default.fileExists(atPath: "\(dir)/d/x.nmfdict"), "\(train.stderr)")
        // Names whose stem is "." or ".." (..wav, ...wav) wrote into -o itself or beside it: the
        // whole name is their folder.
        for name in ["..wav", "...wav"] {
            try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/\(name)")
            let r = try CLIRunner.run(["./\(name)", "--sources", "2", "--iterations", "2", "-o", "dots", "-q"], in: dir)
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        #expect(CLIRunner.files(under: "\(dir)/dots").filter { $0.hasSuffix("source_1.wav") }.sorted()
                == ["...wav/source_1.wav", "..wav/source_1.wav"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/source_1.wav"))
    }

    @Test(arguments: ["corpus/separated", "corpus"])
    func reRunsDoNotSeparateTheirOwnOutputs(output: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let out = "\(dir)/\(output)"
        let first = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", out, "--json", "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try Self.lines(first.stdout).count == 5)
        let again = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", out, "--skip-existing", "--json", "-q"])
        #expect(again.status == 0, "\(again.stderr)")
        let statuses = try Self.lines(again.stdout).map { $0["status"] as! String }
        #expect(statuses == Array(repeating: "skipped", count: 5), "\(again.stdout)")
    }

    /// In place (`-o` the scanned directory), only files named as the tool's sources in
    /// `<output>/<key>/` are earlier outputs: a folder of takes beside its namesake file is
    /// separated like any input (it was dropped without a word). Audio only inside the output
    /// directory is not searched, and the refusal says so.
    @Test func inPlaceRunsKeepAudioBesideItsNamesake() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        try FileManager.default.createDirectory(atPath: "\(root)/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(root)/f.wav", toPath: "\(root)/a/take2.wav")
        let first = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", root, "--json", "-q"])
        let inputs = try Self.lines(first.stdout).map { ($0["input"] as! NSString).lastPathComponent }
        #expect(first.status == 0 && inputs.count == 6 && inputs.contains("take2.wav"), "\(first.stdout)")
        let again = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", root, "--skip-existing", "--json", "-q"])
        #expect(try Self.lines(again.stdout).map { $0["status"] as! String } == Array(repeating: "skipped", count: 6), "\(again.stdout)")
        // A directory whose only audio lies in the output directory: the refusal says why.
        let only = "\(dir)/only"
        try FileManager.default.createDirectory(atPath: "\(only)/out", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(root)/f.wav", toPath: "\(only)/out/x.wav")
        let none = try CLIRunner.run([only, "--sources", "2", "-o", "\(only)/out"])
        #expect(none.status == 1 && none.stderrLines.count == 1
                && none.stderr.contains("; the output directory '\(only)/out' inside it is not searched)"), "\(none.stderr)")
    }

    /// A file found by two directory arguments, one inside the other, goes to the inner one's
    /// key whatever their order (a reordered batch separated it again into a second place).
    @Test func overlappingDirectoriesGiveOneKey() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        for (name, arguments) in [("o1", [root, "\(root)/sub"]), ("o2", ["\(root)/sub", root])] {
            let r = try CLIRunner.run(arguments + ["--sources", "2", "--iterations", "2", "-o", "\(dir)/\(name)", "-q"])
            #expect(r.status == 0 && FileManager.default.fileExists(atPath: "\(dir)/\(name)/d/source_1.wav")
                    && !FileManager.default.fileExists(atPath: "\(dir)/\(name)/sub"), "\(name): \(r.stderr)")
        }
    }

    @Test func progressLinesWhenAskedAndSilenceWhenQuiet() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let r = try CLIRunner.run(["\(root)/a.wav", "\(root)/f.wav", "--sources", "2", "--iterations", "3", "-o", "\(dir)/o1", "--progress"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("nmf-separate: [1/2] a.wav: done after") && r.stderr.contains("nmf-separate: [2/2] f.wav: done after"), "\(r.stderr)")
        // Each finished file says where its sources went (on a terminal too, where the bar vanishes).
        #expect(r.stderr.contains(" → \(dir)/o1/a/\n") && r.stderr.contains(" → \(dir)/o1/f/\n"), "\(r.stderr)")
        let q = try CLIRunner.run(["\(root)/a.wav", "--sources", "2", "--iterations", "3", "-o", "\(dir)/o2", "--progress", "--quiet"])
        #expect(q.status == 0 && q.stderr.isEmpty)
        let plain = try CLIRunner.run(["\(root)/a.wav", "--sources", "2", "--iterations", "3", "-o", "\(dir)/o3"])
        #expect(plain.status == 0 && plain.stderr.isEmpty)
    }

    @Test func jsonCarriesWhatANotebookNeeds() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let r = try CLIRunner.run(["\(root)/a.wav", "--sources", "2", "--iterations", "20", "-o", "\(dir)/out", "--json", "-q"])
        let line = try #require(try Self.lines(r.stdout).first)
        let share = try #require(line["energy_share"] as? [Double])
        #expect(share.count == 2 && abs(share.reduce(0, +) - 1) < 1e-9 && share.allSatisfy { $0 > 0 })
        #expect((line["divergence_history"] as? [[Double]])?.count == 3)
        #expect((line["groups"] as? [[Int]])?.flatMap { $0 }.sorted() == Array(0..<8))
        #expect(line["grouping"] as? String == "timbre")
        for key in ["settings", "seconds", "outputs", "figures", "version", "output_format", "final_divergence"] { #expect(line[key] != nil, "\(key)") }
    }
}
