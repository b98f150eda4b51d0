import Testing
import Foundation
import NMFSeparation
@testable import NMFSeparateCLI
import _TestSupport

/// The channel model chosen without `--spatial` or `--no-spatial`: the joint model for stereo
/// KL input whose channels differ, within its size and memory limits; the channels' mean otherwise.
@Suite struct SpatialChoiceTests {
    /// Two speakers, 2 s at 16 kHz: as `[left, right]` with the speakers panned apart.
    static func speakers() throws -> (left: [Float], right: [Float]) {
        let a = try TestSupport.excerpt("speech_libri_198_f.wav", frames: 32_000).channels[0]
        let b = try TestSupport.excerpt("speech_libri_3436_m.wav", frames: 32_000).channels[0]
        return (zip(a, b).map { 0.9 * $0 + 0.2 * $1 }, zip(a, b).map { 0.2 * $0 + 0.9 * $1 })
    }

    /// Writes `channels` as a 16 kHz float WAV at `path` and returns the path.
    static func write(_ channels: [[Float]], to path: String) throws -> String {
        try TestSupport.write(AudioBuffer(channels: channels, sampleRate: 16_000), to: path, format: .wavFloat)
        return path
    }

    /// `settings.spatial` and `settings.spatial_fallback` of a run's one JSON line.
    static func choice(_ r: CLIRunner.Outcome) throws -> (spatial: Bool?, fallback: String?) {
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let settings = report?["settings"] as? [String: Any]
        return (settings?["spatial"] as? Bool, settings?["spatial_fallback"] as? String)
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func stereoIsFactorizedJointlyUnlessAskedOtherwise() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (l, r) = try Self.speakers()
        let input = try Self.write([l, r], to: "\(dir)/mix.wav")
        func run(_ name: String, _ extra: [String]) throws -> CLIRunner.Outcome {
            try CLIRunner.run([input, "-s", "2", "--iterations", "15", "-o", "\(dir)/\(name)", "--json"] + extra)
        }
        let automatic = try run("auto", []), forced = try run("on", ["--spatial"]), mean = try run("off", ["--no-spatial"])
        for r in [automatic, forced, mean] { #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)") }
        #expect(try Self.choice(automatic) == (true, nil) && Self.choice(forced) == (true, nil) && Self.choice(mean) == (false, nil))
        for i in 1...2 {
            let a = try Self.bytes("\(dir)/auto/mix/source_\(i).wav")
            #expect(a == (try Self.bytes("\(dir)/on/mix/source_\(i).wav")))
            #expect(a != (try Self.bytes("\(dir)/off/mix/source_\(i).wav")))
        }
        // Another divergence: the mean model, without a note; --spatial with it is refused.
        let itakura = try run("is", ["--divergence", "is", "--progress"])
        let itakuraChoice = try Self.choice(itakura)
        #expect(itakura.status == 0 && !itakura.stderr.contains("note:") && itakuraChoice == (false, nil), "\(itakura.stderr)")
        let refused = try run("is-on", ["--divergence", "is", "--spatial"])
        #expect(refused.status == 64 && refused.stderr.contains("--spatial needs --divergence kl"), "\(refused.stderr)")
        let both = try run("both", ["--spatial", "--no-spatial"])
        #expect(both.status == 64 && both.stderr.contains("--spatial and --no-spatial are both given"), "\(both.stderr)")
    }

    /// A batch of mono, stereo, dual-mono and 3-channel files: each gets its own choice, whatever
    /// the file before it got, with one job or two.
    @Test func eachInputOfABatchGetsItsOwnChoice() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (l, r) = try Self.speakers()
        let m = zip(l, r).map { 0.5 * ($0 + $1) }
        try FileManager.default.createDirectory(atPath: "\(dir)/in", withIntermediateDirectories: true)
        _ = try Self.write([l, r], to: "\(dir)/in/a_stereo.wav")
        _ = try Self.write([m], to: "\(dir)/in/b_mono.wav")
        _ = try Self.write([m, m], to: "\(dir)/in/c_dual.wav")
        _ = try Self.write([l, [Float](repeating: 0, count: l.count)], to: "\(dir)/in/d_one_silent.wav")
        _ = try Self.write([m.map { -0.5 * $0 }, m], to: "\(dir)/in/e_inverted.wav")
        _ = try Self.write([l, r, m], to: "\(dir)/in/f_three.wav")
        _ = try Self.write([r, l], to: "\(dir)/in/g_stereo.wav")
        let expected: [(Bool, String?)] = [(true, nil), (false, nil), (false, "identical_channels"), (false, "identical_channels"),
                                           (false, "identical_channels"), (false, nil), (true, nil)]
        for jobs in ["1", "2"] {
            let run = try CLIRunner.run(["\(dir)/in", "-s", "2", "--iterations", "5", "-o", "\(dir)/out\(jobs)", "--json", "--jobs", jobs])
            #expect(run.status == 0, "\(run.stderr)")
            var lines: [(spatial: Bool?, fallback: String?)] = []
            for line in run.stdout.split(separator: "\n") {
                lines.append(try Self.choice(CLIRunner.Outcome(status: 0, stdout: String(line), stderr: "")))
            }
            #expect(lines.count == expected.count, "\(lines)")
            for (got, want) in zip(lines, expected) { #expect(got.spatial == want.0 && got.fallback == want.1, "\(lines)") }
            // The mean model's note is said where progress is shown, not on a pipe.
            #expect(!run.stderr.contains("note:"), "\(run.stderr)")
        }
        // Dual mono separates exactly as the mono file does.
        for i in 1...2 {
            #expect(try TestSupport.read("\(dir)/out1/c_dual/source_\(i).wav").channels[0]
                    == TestSupport.read("\(dir)/out1/b_mono/source_\(i).wav").channels[0])
        }
        let shown = try CLIRunner.run(["\(dir)/in/c_dual.wav", "-s", "2", "--iterations", "5", "-o", "\(dir)/shown", "--progress"])
        #expect(shown.stderr.contains("c_dual.wav': the channels are modelled by their mean, since its channels are copies of one signal"),
                "\(shown.stderr)")
    }

    @Test func tooLittleMemoryForTheJointModelFallsBackToTheMean() throws {
        let dir = try TestSupport.temporaryDirectory()
        let (l, r) = try Self.speakers()
        let input = try Self.write([l, r], to: "\(dir)/mix.wav")
        let stft = STFTConfiguration.standard
        let frames = stft.frameCount(forSignalLength: 32_000)
        func need(_ spatial: Bool) -> Double {
            MemoryBudget.requiredBytes(frames: frames, bins: stft.binCount, hop: stft.hopLength, components: 8,
                                       chunkFrames: SeparationConfiguration.defaultChunkFrames(hop: stft.hopLength),
                                       channels: 2, sources: 2, spatial: spatial)
        }
        #expect(need(true) > need(false))
        let cap = ["NMF_SEPARATE_MAX_MEMORY": "\(Int((need(true) + need(false)) / 2))"]
        let run = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/out", "--json", "--progress"], environment: cap)
        let choice = try Self.choice(run)
        #expect(run.status == 0 && choice == (false, "memory"), "\(run.stderr)")
        #expect(run.stderr.contains("'\(input)': the channels are modelled by their mean, since the joint model would need about")
                && run.stderr.contains("is available"), "\(run.stderr)")
        let quiet = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/quiet", "-q"], environment: cap)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // --spatial insists, and the memory check refuses it in one line.
        let forced = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/forced", "--spatial"], environment: cap)
        #expect(forced.status == 1 && forced.stderr.contains("--spatial") && forced.stderr.contains("is available under NMF_SEPARATE_MAX_MEMORY")
                && forced.stderr.contains("--no-spatial or split the file"), "\(forced.stderr)")
    }

    @Test func theAutomaticChoiceFollowsItsLimits() {
        let limit = Double(SeparateCommand.automaticSpatialBytes)
        let choose = { (channels: Int, divergence: Divergence, stacked: Double, need: Double, available: Double?) in
            SeparateCommand.automaticSpatial(channels: channels, divergence: divergence, stackedBytes: stacked, needBytes: need,
                                             availableBytes: available)
        }
        #expect(choose(1, .kullbackLeibler, 1e6, 1e6, nil) == (false, nil))
        #expect(choose(2, .itakuraSaito, 1e6, 1e6, nil) == (false, nil))
        #expect(choose(2, .kullbackLeibler, limit, 2 * limit, nil) == (true, nil))
        #expect(choose(2, .kullbackLeibler, 1e6, 2e6, 2e6) == (true, nil))
        // More than two channels: not measured, so the mean unless --spatial is given.
        #expect(choose(6, .kullbackLeibler, 1e6, 2e6, nil) == (false, nil))
        #expect(choose(2, .kullbackLeibler, limit + 4, 2 * limit, nil) == (false, .size))
        #expect(choose(2, .kullbackLeibler, 1e6, 3e9, 2e9) == (false, .memory))
    }
}
