import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// `eval --reference DATASET --estimate RESULTS`: every mixture folder of a dataset scored
/// against where a batch separation of the dataset put its sources.
@Suite struct EvalDatasetTests {
    /// Real speech and piano mixed in four folders: `a` (make_mixtures.py's layout, with a training
    /// file), `sub/b` (MUSDB's stems beside mixture.wav, one level deeper), `c` (references only, its
    /// estimates straight in RESULTS/c) and `d` (separated, then its results removed).
    static func dataset(in dir: String) throws -> String {
        let root = "\(dir)/data"
        let speech = try TestSupport.excerpt("speech_sms_female.wav", frames: 24_000).channels[0]
        let piano = try TestSupport.excerpt("piano_sms.wav", frames: 24_000).channels[0]
        let layouts: [(String, [String])] = [("a", ["ref_1", "ref_2", "mix"]), ("sub/b", ["voice", "piano", "mixture"]),
                                              ("c", ["ref_1", "ref_2"]), ("d", ["ref_1", "ref_2", "mix"])]
        for (k, (folder, names)) in layouts.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            let g = Float(k + 1) * 0.15
            let signals = [speech.map { 0.5 * $0 }, piano.map { g * $0 }, zip(speech, piano).map { 0.5 * $0 + g * $1 }]
            for (name, x) in zip(names, signals) {
                try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 16_000), to: "\(root)/\(folder)/\(name).wav", format: .wavFloat)
            }
        }
        try TestSupport.write(AudioBuffer(channels: [speech], sampleRate: 16_000), to: "\(root)/a/train_1.wav", format: .wavFloat)
        return root
    }

    @Test func everyMixtureFolderIsScoredAgainstItsSeparation() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.dataset(in: dir)
        let out = "\(root)/results"   // inside the dataset: it holds no references, so it is no mixture folder
        let s = try CLIRunner.run([root, "--include", "mix*.wav", "--sources", "2", "--iterations", "20", "-o", out, "-q"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(CLIRunner.files(under: out) == ["a/mix/source_1.wav", "a/mix/source_2.wav", "d/mix/source_1.wav", "d/mix/source_2.wav",
                                                "sub/b/mixture/source_1.wav", "sub/b/mixture/source_2.wav"])
        try FileManager.default.createDirectory(atPath: "\(out)/c", withIntermediateDirectories: true)
        for i in 1...2 { try FileManager.default.copyItem(atPath: "\(out)/a/mix/source_\(i).wav", toPath: "\(out)/c/source_\(i).wav") }
        try FileManager.default.removeItem(atPath: "\(out)/d")

        let r = try CLIRunner.run(["eval", "--reference", root, "--estimate", out, "--json"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderrLines == ["nmf-separate: eval: 'd': no estimates: no source_* audio files in '\(out)/d/mix' or '\(out)/d'",
                                  "nmf-separate: eval: 1 of 4 mixtures could not be scored (named above)"], "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        let entries = try #require(report["mixtures"] as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == ["a", "c", "d", "sub/b"])
        #expect(report["scored"] as? Int == 3 && report["failed"] as? Int == 1 && entries[2]["error"] != nil)
        // Each row is exactly what eval gives for that folder alone, its mixture found by name.
        let alone = try CLIRunner.run(["eval", "--reference", "\(root)/sub/b", "--estimate", "\(out)/sub/b/mixture",
                                       "--mixture", "\(root)/sub/b/mixture.wav", "--json"])
        let single = try #require(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any], "\(alone.stderr)")
        for key in ["sdr", "sir", "sar", "si_sdr", "permutation", "mix_sdr", "sdr_improvement", "references", "estimates", "mixture"] {
            #expect("\(entries[3][key] ?? "missing")" == "\(single[key] ?? "missing")", "\(key)")
        }
        #expect((single["references"] as? [String])?.map { ($0 as NSString).lastPathComponent } == ["piano.wav", "voice.wav"])
        // c has no mixture: no improvement, and the mean improvement is over a and sub/b.
        #expect(entries[1]["mixture"] == nil && entries[1]["sdr_improvement"] == nil)
        let improvements = [entries[0], entries[3]].compactMap { $0["sdr_improvement"] as? Double }
        let sdrs = [entries[0], entries[1], entries[3]].compactMap { $0["mean_sdr"] as? Double }
        let mean = try #require(report["mean"] as? [String: Any])
        #expect(improvements.count == 2 && abs((mean["sdr_improvement"] as? Double ?? 0) - (improvements[0] + improvements[1]) / 2) < 1e-6)
        #expect(sdrs.count == 3 && abs((mean["mean_sdr"] as? Double ?? 0) - sdrs.reduce(0, +) / 3) < 1e-6)
        #expect(improvements.allSatisfy(\.isFinite) && sdrs.allSatisfy(\.isFinite), "\(improvements) \(sdrs)")

        // The table: a row per scored mixture, then the mean of the rows.
        let t = try CLIRunner.run(["eval", "--reference", root, "--estimate", out])
        let lines = t.stdout.split(separator: "\n").map(String.init)
        #expect(t.status == 1 && lines.count == 6, "\(t.stdout)")
        #expect(lines[0].hasPrefix("mixture") && lines[0].hasSuffix("SI-SDR  mixSDR    SDRi"), "\(lines[0])")
        #expect(lines[1].hasPrefix("a ") && lines[2].hasPrefix("c ") && lines[2].hasSuffix("      -       -") && lines[3].hasPrefix("sub/b "))
        // Piped stderr: only the failure; --progress: a line per mixture.
        let p = try CLIRunner.run(["eval", "--reference", root, "--estimate", out, "--progress"])
        #expect(t.stderrLines.count == 2 && p.stderr.contains("[1/4] a: done after") && p.stderr.contains("[3/4] d: failed after"), "\(p.stderr)")
        #expect(lines[4].hasPrefix("mean (3 of 4)") && lines[4].hasSuffix(String(format: "%7.2f", mean["sdr_improvement"] as? Double ?? 0)), "\(lines[4])")
    }

    /// A folder that cannot be listed is a failure named on stderr, not a folder left out unsaid;
    /// an --estimate that is not a directory is named as the problem.
    @Test func unreadableFoldersAndAFileAsResultsAreNamed() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.dataset(in: dir)
        let out = "\(dir)/results"
        let s = try CLIRunner.run([root, "--include", "mix*.wav", "--sources", "2", "--iterations", "5", "-o", out, "-q"])
        #expect(s.status == 0, "\(s.stderr)")
        let file = try CLIRunner.run(["eval", "--reference", root, "--estimate", "\(root)/a/mix.wav"])
        #expect(file.status == 1 && file.stderrLines.count == 1 && file.stderr.contains("--estimate '\(root)/a/mix.wav' is not a directory"), "\(file.stderr)")
        try FileManager.default.createDirectory(atPath: "\(root)/locked", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: "\(root)/locked")
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(root)/locked") }
        guard (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/locked")) == nil else { return }   // (root reads it anyway)
        let r = try CLIRunner.run(["eval", "--reference", root, "--estimate", out])
        #expect(r.status == 1 && r.stderr.contains("'locked': cannot read the directory") && r.stdout.contains("mean (3 of 5)"), "\(r.stderr)\n\(r.stdout)")
    }

    /// --mixture names one file; a dataset's folders have their own.
    @Test func aDatasetTakesNoMixtureOption() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.dataset(in: dir)
        try FileManager.default.createDirectory(atPath: "\(dir)/results", withIntermediateDirectories: true)
        let r = try CLIRunner.run(["eval", "--reference", root, "--estimate", "\(dir)/results", "--mixture", "\(root)/a/mix.wav"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("is a dataset of 4 mixture folders"), "\(r.stderr)")
        // A folder of separations one level too high is no dataset: the hint to the sources stays.
        let s = try CLIRunner.run(["\(root)/a/mix.wav", "--sources", "2", "--iterations", "5", "-o", "\(dir)/sep", "-q"])
        #expect(s.status == 0, "\(s.stderr)")
        let high = try CLIRunner.run(["eval", "--reference", "\(root)/a", "--estimate", "\(dir)/sep"])
        #expect(high.status == 1 && high.stderr.contains("the separation's sources are one level down, in '\(dir)/sep/mix'"), "\(high.stderr)")
    }
}
