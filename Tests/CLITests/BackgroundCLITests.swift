import Testing
import Foundation
import NMFSeparation
import _TestSupport

/// `--background`: the automatic steady background on real speech in noise, its report, its
/// note, and the usage errors of `--background steady`.
@Suite struct BackgroundCLITests {
    /// 4 s at 16 kHz of a speaker against `other` (a noise, or a second speaker) at equal RMS.
    func mixture(_ other: String, offset: Int = 0, in dir: String) throws -> String {
        let n = 64_000
        let speech = Array(try TestSupport.read(TestSupport.audio("speech_arctic_axb_f.wav")).channels[0].prefix(n))
        var b = Array(try TestSupport.read(TestSupport.audio(other)).channels[0].dropFirst(offset).prefix(n))
        func rms(_ x: [Float]) -> Float { (x.reduce(0) { $0 + $1 * $1 } / Float(x.count)).squareRoot() }
        let gain = rms(speech) / rms(b)
        b = b.map { $0 * gain }
        let mix = zip(speech, b).map { 0.4 * ($0 + $1) }
        let path = "\(dir)/\(other.prefix(5))_mix.wav"
        try TestSupport.write(AudioBuffer(channels: [mix], sampleRate: 16000), to: path, format: .wav16)
        return path
    }

    func settings(_ r: CLIRunner.Outcome) throws -> [String: Any] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(json["settings"] as? [String: Any])
    }

    @Test func speechInNoiseGetsTheBackgroundWithANoteAndTwoSpeakersDoNot() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noisy = try mixture("noise_exercise_bike.wav", offset: 160_000, in: dir)
        let r = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/a", "--iterations", "30", "--json", "--progress"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try settings(r)
        #expect(s["background"] as? String == "steady")
        #expect((s["background_floor"] as? Double).map { $0 >= Double(SteadyBackground.floorThreshold) } == true)
        #expect(s["source_continuity"] as? [Double] == [100, 0] && s["source_sparsity"] as? [Double] == [0, 0.3])
        #expect(r.stderr.contains("note:") && r.stderr.contains("steady background") && r.stderr.contains("--background none"))
        // The note goes where progress does: not to a pipe without --progress, never under --quiet.
        for flags in [[], ["--progress", "-q"]] {
            let quiet = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/q", "--iterations", "30", "--force"] + flags)
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
        // A --grouping given is not used when the background takes the file: a warning, shown even on a pipe, not under -q.
        for grouping in ["timbre", "percussive"] {
            let g = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/g", "--iterations", "5", "--force", "--grouping", grouping])
            #expect(g.status == 0 && g.stderrLines.count == 1 && g.stderr.contains("warning:")
                    && g.stderr.contains("--grouping \(grouping) is not used") && g.stderr.contains("--background none"), "\(g.stderr)")
            let q = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/g", "--iterations", "5", "--force", "--grouping", grouping, "-q"])
            #expect(q.status == 0 && q.stderr.isEmpty, "\(q.stderr)")
        }
        // Turned off by --background none: no floor is measured.
        let o = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/n", "--iterations", "5", "--json", "--force", "--progress",
                                   "--background", "none"])
        #expect(o.status == 0 && !o.stderr.contains("note:") && !o.stderr.contains("warning:"), "\(o.stderr)")
        #expect(try settings(o)["background"] as? String == "none" && settings(o)["background_floor"] is NSNull)
        // Turned off by a penalty option (even a weight of 0) or over-relaxed steps: the floor is
        // measured, and a warning (shown on a pipe too, not under -q) names the option. It used to
        // be silent, while the model, the sources' order and the quality changed.
        let steady = "--background steady with per-source weights, background first (by default --continuity 100,0 --sparsity 0,0.3)"
        for (off, turn, keep) in [(["--sparsity", "0"], "--sparsity turns", "\(steady) keeps it"),
                                  (["--continuity", "0.5"], "--continuity turns", "\(steady) keeps it"),
                                  (["--step-exponent", "1.5"], "--step-exponent turns", "(--step-exponent 1 keeps it;"),
                                  (["--continuity", "0", "--sparsity", "0", "--step-exponent", "1.5"], "--continuity and --sparsity and --step-exponent turn",
                                   "(--step-exponent 1 and \(steady) keep it;")] {
            let w = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/n", "--iterations", "5", "--json", "--force"] + off)
            #expect(w.status == 0 && w.stderrLines.count == 1 && w.stderr.contains("warning:") && !w.stderr.contains("note:")
                    && w.stderr.contains("but \(turn) the automatic background model off") && w.stderr.contains(keep), "\(w.stderr)")
            #expect(try settings(w)["background"] as? String == "none")
            #expect((try settings(w)["background_floor"] as? Double).map { $0 >= Double(SteadyBackground.floorThreshold) } == true)
            let q = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/n", "--iterations", "5", "--force", "-q"] + off)
            #expect(q.status == 0 && q.stderr.isEmpty, "\(q.stderr)")
        }
        let speakers = try mixture("speech_libri_3436_m.wav", in: dir)
        let t = try CLIRunner.run([speakers, "--sources", "2", "-o", "\(dir)/t", "--iterations", "5", "--json", "--progress"])
        #expect(t.status == 0 && !t.stderr.contains("note:"), "\(t.stderr)")
        #expect(try settings(t)["background"] as? String == "none")
        #expect((try settings(t)["background_floor"] as? Double).map { $0 < Double(SteadyBackground.floorThreshold) } == true)
    }

    @Test func steadyBackgroundIsSourceOneInTheFactorFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noisy = try mixture("noise_exercise_bike.wav", offset: 160_000, in: dir)
        let r = try CLIRunner.run([noisy, "--sources", "3", "--background", "steady", "--continuity", "50,0", "-o", dir,
                                   "--iterations", "10", "--save-factors", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let factors = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/noise_mix/factors.json"))) as? [String: Any])
        let groups = try #require(factors["groups"] as? [[Int]])
        #expect(groups.count == 3 && groups[0] == [0, 1] && Set(groups.flatMap { $0 }) == Set(0..<12))
        #expect(factors["source_continuity"] as? [Double] == [50, 0] && factors["source_sparsity"] as? [Double] == [0, 0.3])
    }

    @Test func givenWeightsAreKeptAndReported() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noisy = try mixture("noise_exercise_bike.wav", offset: 160_000, in: dir)
        func settings(_ args: [String]) throws -> [String: Any] {
            let r = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/w", "--iterations", "3", "--json", "--force"] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return try self.settings(r)
        }
        // An explicit auto with a penalty option: no background, as without --background (the floor measured for the warning).
        var s = try settings(["--background", "auto", "--sparsity", "0"])
        #expect(s["background"] as? String == "none" && s["background_floor"] is Double)
        // One weight with steady is every component's; the list not given keeps its measured default.
        s = try settings(["--background", "steady", "--sparsity", "0"])
        #expect(s["source_sparsity"] as? [Double] == [0, 0] && s["source_continuity"] as? [Double] == [100, 0])
        #expect(s["automatic_penalties"] as? Bool == true && s["grouping"] as? String == "timbre")
        s = try settings(["--background", "steady", "--sparsity", "0", "--continuity", "50,0"])
        #expect(s["source_continuity"] as? [Double] == [50, 0] && s["automatic_penalties"] as? Bool == false)
        let json = try CLIRunner.run([noisy, "--sources", "2", "-o", "\(dir)/g", "--iterations", "3", "--json", "-q"])
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["grouping"] as? String == "background")
    }

    @Test func aShortFileLowersTheComponentsForTheBackgroundOrSaysItIsTooShort() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noise = Array(try TestSupport.read(TestSupport.audio("noise_exercise_bike.wav")).channels[0].prefix(2048))
        try TestSupport.write(AudioBuffer(channels: [noise], sampleRate: 16000), to: "\(dir)/short.wav", format: .wav16)
        // 5 frames at fft 1024, hop 512: the default 8 components become 5.
        var r = try CLIRunner.run(["\(dir)/short.wav", "-s", "2", "--background", "steady", "--fft-size", "1024", "--hop", "512",
                                   "-o", "\(dir)/a", "--iterations", "3", "--json", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["components"] as? Int == 5)
        // 3 frames (the fewest any file has: the hop is at most 3/4 of the fft size) cannot hold the
        // background's 2 components and one for each of 2 other sources.
        r = try CLIRunner.run(["\(dir)/short.wav", "-s", "3", "--background", "steady", "--fft-size", "2048", "--hop", "1536",
                               "-o", "\(dir)/b", "--iterations", "3"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("short.wav") && r.stderr.contains("4 STFT frames"), "\(r.stderr)")
        // Auto on a short file: no background, whatever the floor.
        r = try CLIRunner.run(["\(dir)/short.wav", "-s", "2", "--fft-size", "1024", "--hop", "512", "-o", "\(dir)/c", "--iterations", "3", "--json", "-q"])
        #expect(try settings(r)["background"] as? String == "none" && settings(r)["background_floor"] is NSNull)
    }

    @Test func steadyWhereItCannotApplyIsAUsageErrorNamingTheOption() throws {
        let dir = try TestSupport.temporaryDirectory()
        let noisy = try mixture("noise_exercise_bike.wav", offset: 160_000, in: dir)
        let cases: [([String], String)] = [
            (["--sources", "2", "--background", "loud"], "auto, steady, none"),
            (["--sources", "1", "--background", "steady"], "--background"),
            (["--sources", "2", "--background", "steady", "--components", "2"], "--components"),
            (["--sources", "2", "--background", "steady", "--sparsity", "0.5,0.5,0.5"], "--sparsity"),
            (["--sources", "2", "--background", "steady", "--continuity", "1,2,3"], "the background's"),
            (["--sources", "2", "--background", "steady", "--divergence", "is"], "kl"),
            (["--sources", "2", "--continuity", "100,0"], "--background steady"),
            (["--sources", "2", "--background", "steady", "--continuity", "-1"], "0 to 100"),
            // Over-relaxed steps are for the unpenalized objective (with the steady model they lost 5–10 dB).
            (["--sources", "2", "--background", "steady", "--step-exponent", "1.5"], "--step-exponent 1.5 applies to the unpenalized"),
            (["--sources", "2", "--continuity", "0.1", "--step-exponent", "1.5"], "--step-exponent 1.5 applies to the unpenalized"),
        ]
        let trained = try CLIRunner.run(["train", noisy, "-k", "2", "--iterations", "2", "-o", "\(dir)/d.nmfdict", "-q"])
        #expect(trained.status == 0, "\(trained.stderr)")
        for (args, message) in cases + [(["--dictionary", "\(dir)/d.nmfdict", "--sources", "2", "--background", "steady"], "without --dictionary")] {
            let r = try CLIRunner.run([noisy, "-o", "\(dir)/x"] + args)
            #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/x"))
        }
    }
}
