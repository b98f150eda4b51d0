import Testing
import Foundation
import NMFSeparation
import _TestSupport

/// `--save-factors`: W.npy, H.npy and factors.json land next to the sources, with the shapes
/// and groups of the run, and are listed in the JSON report.
@Suite struct FactorFilesCLITests {
    @Test func factorsAreWrittenWithTheRunsShapesAndGroups() throws {
        let (dir, input) = try CLIRunner.speechInput()
        let r = try CLIRunner.run([input, "--sources", "3", "--iterations", "10", "-o", "\(dir)/out", "--save-factors", "--json", "-q",
                                   "--sparsity", "0.2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out/mix") == ["H.npy", "W.npy", "factors.json", "source_1.wav", "source_2.wav", "source_3.wav"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let bins = try #require(report["bins"] as? Int), frames = try #require(report["frames"] as? Int)
        let k = try #require(report["components"] as? Int)
        #expect(k == 12)
        #expect((report["factors"] as? [String])?.map { ($0 as NSString).lastPathComponent } == ["W.npy", "H.npy", "factors.json"])
        let w = try Matrix(npy: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/W.npy"))))
        let h = try Matrix(npy: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/H.npy"))))
        #expect(w.rows == bins && w.columns == k && h.rows == k && h.columns == frames)
        #expect(w.storage.allSatisfy { $0 >= 0 && $0.isFinite } && h.storage.allSatisfy { $0 >= 0 && $0.isFinite })
        for c in 0..<k {
            let sum = w.column(c).reduce(0, +)
            #expect(abs(sum - 1) < 1e-3, "column \(c) sums to \(sum)")
        }
        let factors = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/factors.json"))) as? [String: Any])
        #expect(factors["groups"] as? [[Int]] == report["groups"] as? [[Int]])
        #expect(factors["fft_size"] as? Int == 2048 && factors["hop"] as? Int == 512 && factors["sample_rate"] as? Int == 44100)
        #expect(factors["frames"] as? Int == frames && factors["bins"] as? Int == bins)
        #expect(factors["input"] as? String == input && factors["length_samples"] as? Int == report["length_samples"] as? Int
                && factors["channels"] as? Int == report["channels"] as? Int)
        // The penalty weights the activations were fitted with: one shared weight.
        #expect(factors["sparsity"] as? Double == 0.2 && factors["source_sparsity"] as? [Double] == [])
        #expect(factors["continuity"] as? Double == 0 && factors["source_continuity"] as? [Double] == [])
        #expect((factors["dictionaries"] as? [Any])?.isEmpty == true)
    }

    /// With dictionaries, factors.json lists them as the report does (it said nothing of which
    /// columns of W were trained templates).
    @Test func dictionariesAreListedInTheFactorFile() throws {
        let (dir, input) = try CLIRunner.speechInput()
        let train = try CLIRunner.run(["train", input, "-k", "3", "--iterations", "5", "--label", "voice", "-o", "\(dir)/v.nmfdict", "-q"])
        #expect(train.status == 0, "\(train.stderr)")
        let r = try CLIRunner.run([input, "-d", "\(dir)/v.nmfdict", "--free-components", "2", "--iterations", "5", "-o", "\(dir)/out",
                                   "--save-factors", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let factors = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/factors.json"))) as? [String: Any])
        let list = try #require(factors["dictionaries"] as? [[String: Any]])
        #expect(list.count == 1 && list[0]["path"] as? String == "\(dir)/v.nmfdict" && list[0]["label"] as? String == "voice"
                && list[0]["components"] as? Int == 3)
        #expect(factors["groups"] as? [[Int]] == [[0, 1, 2], [3, 4]])
    }

    @Test func aSpatialRunOnStereoReportsItsChannelGains() throws {
        let dir = try TestSupport.temporaryDirectory()
        let a = try TestSupport.excerpt("speech_libri_198_f.wav", frames: 32_000).channels[0]
        let b = try TestSupport.excerpt("speech_libri_3436_m.wav", frames: 32_000).channels[0]
        let stereo = AudioBuffer(channels: [zip(a, b).map { 0.9 * $0 + 0.2 * $1 }, zip(a, b).map { 0.2 * $0 + 0.9 * $1 }], sampleRate: 16_000)
        try TestSupport.write(stereo, to: "\(dir)/mix.wav", format: .wavFloat)
        let r = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "--iterations", "20", "--spatial", "--save-factors", "--json",
                                   "-o", "\(dir)/out", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((report["settings"] as? [String: Any])?["spatial"] as? Bool == true)
        let factors = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/factors.json"))) as? [String: Any])
        let gains = try #require((factors["runs"] as? [[String: Any]])?.first?["channel_gains"] as? [[Double]])
        #expect(gains.count == 2 && gains.allSatisfy { $0.count == 8 })
        for k in 0..<8 { #expect(abs(gains[0][k] + gains[1][k] - 1) < 1e-5) }
        // A divergence other than KL is a usage error that names the option.
        let bad = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "--spatial", "--divergence", "is", "-o", "\(dir)/bad"])
        #expect(bad.status == 64 && bad.stderr.contains("--spatial"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/bad/mix"))
    }

    @Test func anEnsembleWritesEveryRunsFactorsFiguresAndReport() throws {
        let (dir, input) = try CLIRunner.speechInput()
        let r = try CLIRunner.run([input, "--sources", "2", "--iterations", "10", "--seed", "7", "--ensemble", "3", "-o", "\(dir)/out",
                                   "--save-factors", "--plot", "--json", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = CLIRunner.files(under: "\(dir)/out/mix")
        for name in ["W.npy", "H.npy", "W_2.npy", "H_2.npy", "W_3.npy", "H_3.npy", "factors.json", "mask_1.png", "mask_2.png",
                     "source_1.wav", "source_2.wav"] {
            #expect(files.contains(name), "\(name) missing: \(files)")
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["ensemble"] as? Int == 3)
        let others = try #require(report["ensemble_runs"] as? [[String: Any]])
        #expect(others.map { $0["seed"] as? String } == ["8", "9"])
        let factors = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/factors.json"))) as? [String: Any])
        #expect((report["factors"] as? [String])?.map { ($0 as NSString).lastPathComponent }
                == ["W.npy", "H.npy", "W_2.npy", "H_2.npy", "W_3.npy", "H_3.npy", "factors.json"])
        let runs = try #require(factors["runs"] as? [[String: Any]])
        #expect(runs.map { $0["W"] as? String } == ["W.npy", "W_2.npy", "W_3.npy"])
        #expect(runs[1]["groups"] as? [[Int]] == others[0]["groups"] as? [[Int]])
        let h3 = try Matrix(npy: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/mix/H_3.npy"))))
        #expect(h3.rows == report["components"] as? Int && h3.columns == report["frames"] as? Int)
    }

    @Test func aFactorFileThatCannotBeWrittenRollsBackEverything() throws {
        let (dir, input) = try CLIRunner.speechInput()
        // An 8 KiB file-size limit: W.npy (1025 × 12 floats, 49 KB) fails after the factorization.
        let r = try CLIRunner.run([input, "--sources", "3", "-o", "\(dir)/out", "--iterations", "3", "--save-factors"], fileSizeLimit: 16)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("W.npy"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"), "\(CLIRunner.entries(under: "\(dir)/out"))")
    }

    @Test func anExistingFactorFileStopsTheRunBeforeAnythingIsWritten() throws {
        let (dir, input) = try CLIRunner.speechInput()
        try FileManager.default.createDirectory(atPath: "\(dir)/out/mix", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: "\(dir)/out/mix/H.npy"))
        let r = try CLIRunner.run([input, "--sources", "2", "--iterations", "3", "-o", "\(dir)/out", "--save-factors"])
        #expect(r.status == 1 && r.stderr.contains("H.npy") && r.stderr.contains("already exists"), "\(r.stderr)")
        #expect(CLIRunner.entries(under: "\(dir)/out/mix") == ["H.npy"])
    }
}
