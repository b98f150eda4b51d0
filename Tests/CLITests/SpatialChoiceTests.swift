import Testing
import Foundation
import NMFSeparation
@testable import NMFSeparateCLI
import _TestSupport

/// The channel model chosen without `--spatial` or `--no-spatial`: the joint model for stereo
/// KL input within its size and memory limits, the channels' mean otherwise.
@Suite struct SpatialChoiceTests {
    /// Two speakers panned apart, 2 s of 16 kHz stereo float WAV, at `dir/mix.wav`.
    static func pannedStereo(in dir: String) throws -> String {
        let a = try TestSupport.excerpt("speech_libri_198_f.wav", frames: 32_000).channels[0]
        let b = try TestSupport.excerpt("speech_libri_3436_m.wav", frames: 32_000).channels[0]
        let stereo = AudioBuffer(channels: [zip(a, b).map { 0.9 * $0 + 0.2 * $1 }, zip(a, b).map { 0.2 * $0 + 0.9 * $1 }], sampleRate: 16_000)
        try TestSupport.write(stereo, to: "\(dir)/mix.wav", format: .wavFloat)
        return "\(dir)/mix.wav"
    }

    /// `settings.spatial` of a run's JSON report.
    static func spatial(_ r: CLIRunner.Outcome) throws -> Bool? {
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (report?["settings"] as? [String: Any])?["spatial"] as? Bool
    }

    @Test func stereoIsFactorizedJointlyUnlessAskedOtherwise() throws {
        let dir = try TestSupport.temporaryDirectory()
        let input = try Self.pannedStereo(in: dir)
        func run(_ name: String, _ extra: [String]) throws -> CLIRunner.Outcome {
            try CLIRunner.run([input, "-s", "2", "--iterations", "15", "-o", "\(dir)/\(name)", "--json"] + extra)
        }
        let automatic = try run("auto", []), forced = try run("on", ["--spatial"]), mean = try run("off", ["--no-spatial"])
        for r in [automatic, forced, mean] { #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)") }
        #expect(try Self.spatial(automatic) == true && Self.spatial(forced) == true && Self.spatial(mean) == false)
        for i in 1...2 {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/auto/mix/source_\(i).wav"))
            #expect(a == (try Data(contentsOf: URL(fileURLWithPath: "\(dir)/on/mix/source_\(i).wav"))))
            #expect(a != (try Data(contentsOf: URL(fileURLWithPath: "\(dir)/off/mix/source_\(i).wav"))))
        }
        // Another divergence: the mean model, without a note (--spatial itself would be refused).
        let itakura = try run("is", ["--divergence", "is"])
        let itakuraSpatial = try Self.spatial(itakura)
        #expect(itakura.status == 0 && itakura.stderr.isEmpty && itakuraSpatial == false, "\(itakura.stderr)")
        let both = try run("both", ["--spatial", "--no-spatial"])
        #expect(both.status == 64 && both.stderr.contains("--spatial and --no-spatial are both given"), "\(both.stderr)")
        // Mono input: nothing to choose.
        let (monoDir, monoInput) = try CLIRunner.speechInput()
        let mono = try CLIRunner.run([monoInput, "-s", "2", "--iterations", "5", "-o", "\(monoDir)/out", "--json"])
        let monoSpatial = try Self.spatial(mono)
        #expect(mono.status == 0 && mono.stderr.isEmpty && monoSpatial == false, "\(mono.stderr)")
    }

    @Test func tooLittleMemoryForTheJointModelFallsBackToTheMeanWithANote() throws {
        let dir = try TestSupport.temporaryDirectory()
        let input = try Self.pannedStereo(in: dir)
        let stft = STFTConfiguration.standard
        let frames = stft.frameCount(forSignalLength: 32_000)
        func need(_ spatial: Bool) -> Double {
            MemoryBudget.requiredBytes(frames: frames, bins: stft.binCount, hop: stft.hopLength, components: 8,
                                       chunkFrames: SeparationConfiguration.defaultChunkFrames(hop: stft.hopLength),
                                       channels: 2, sources: 2, spatial: spatial)
        }
        #expect(need(true) > need(false))
        let cap = ["NMF_SEPARATE_MAX_MEMORY": "\(Int((need(true) + need(false)) / 2))"]
        let r = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/out", "--json"], environment: cap)
        let spatial = try Self.spatial(r)
        #expect(r.status == 0 && spatial == false, "\(r.stderr)")
        #expect(r.stderr.contains("'\(input)': the channels are modelled by their mean") && r.stderr.contains("is available")
                && r.stderr.contains("--no-spatial silences this"), "\(r.stderr)")
        let quiet = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/quiet", "-q"], environment: cap)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // --spatial insists, and the memory check refuses it in one line.
        let forced = try CLIRunner.run([input, "-s", "2", "--iterations", "5", "-o", "\(dir)/forced", "--spatial"], environment: cap)
        #expect(forced.status == 1 && forced.stderr.contains("--spatial") && forced.stderr.contains("is available"), "\(forced.stderr)")
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
        let long = choose(2, .kullbackLeibler, limit + 4, 2 * limit, nil)
        #expect(!long.joint && long.whyNot?.contains("spectrograms would take 1.07 GB (the joint model is chosen up to 1.07 GB)") == true, "\(long)")
        let tight = choose(2, .kullbackLeibler, 1e6, 3e9, 2e9)
        #expect(!tight.joint && tight.whyNot == "the joint model would need about 3.00 GB of memory and 2.00 GB is available", "\(tight)")
    }
}
