import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// `eval` through the built binary: image metrics of stereo separations, usage errors and the
/// warnings about inputs that cannot be scored as they are.
extension TrainEvalCLITests {
    @Test func evalImagesScoresStereoSeparations() throws {
        // Speech mostly left, dishes mostly right: separated with --spatial, scored per channel.
        let speech = try TestSupport.read("\(dir)/ref_1.wav").channels[0], noise = try TestSupport.read("\(dir)/ref_2.wav").channels[0]
        let images = [[speech.map { 0.9 * $0 }, speech.map { 0.3 * $0 }], [noise.map { 0.3 * $0 }, noise.map { 0.9 * $0 }]]
        for (i, image) in images.enumerated() {
            try TestSupport.write(AudioBuffer(channels: image, sampleRate: 16000), to: "\(dir)/st_ref_\(i + 1).wav", format: .wavFloat)
        }
        let mix = (0..<2).map { c in zip(images[0][c], images[1][c]).map(+) }
        try TestSupport.write(AudioBuffer(channels: mix, sampleRate: 16000), to: "\(dir)/st_mix.wav", format: .wavFloat)
        var r = try CLIRunner.run(["\(dir)/st_mix.wav", "--sources", "2", "--spatial", "--iterations", "60", "-o", "\(dir)/st_out", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--images", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                               "--estimate", "\(dir)/st_out/st_mix", "--mixture", "\(dir)/st_mix.wav", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let scores = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(scores["metrics"] as? String == "images")
        #expect((scores["isr"] as? [Double])?.count == 2 && scores["si_sdr"] == nil)
        // Measured 2026-11-26: 8.05 dB of image SDR improvement (8.15 on the mono downmixes).
        #expect((scores["sdr_improvement"] as? Double ?? 0) > 4, "\(r.stdout)")
        // Framewise (museval's protocol): 1-s windows of the 3-s files, medians reported.
        r = try CLIRunner.run(["eval", "--images", "--window", "1", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                               "--estimate", "\(dir)/st_out/st_mix", "--mixture", "\(dir)/st_mix.wav", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let framed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(framed["windows"] as? Int == 3 && framed["window_seconds"] as? Double == 1 && framed["hop_seconds"] as? Double == 1)
        #expect(framed["windows_skipped"] as? Int == 0)
        // Piped stderr: no progress unless asked for; --progress gives plain lines, ending with the total time.
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--images", "--window", "1", "--progress", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                               "--estimate", "\(dir)/st_out/st_mix"])
        #expect(r.status == 0 && r.stderr.contains("eval: filters 0%") && r.stderr.contains("eval: done after"), "\(r.stderr)")
        let perWindow = try #require(framed["sdr_windows"] as? [[Double]])
        #expect(perWindow.count == 2 && perWindow.allSatisfy { $0.count == 3 })
        let medians = try #require(framed["sdr"] as? [Double])
        #expect(medians == perWindow.map { $0.sorted()[1] })
        #expect((framed["sdr_improvement"] as? Double ?? 0) > 4, "\(r.stdout)")
        // --fixed-order keeps the given order even when it is the worse one (the best permutation's reverse).
        let best = try #require(scores["permutation"] as? [Int])
        let worse = (best == [0, 1] ? [2, 1] : [1, 2]).map { "\(dir)/st_out/st_mix/source_\($0).wav" }
        r = try CLIRunner.run(["eval", "--images", "--fixed-order", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                               "--estimate"] + worse + ["--json"])
        let fixed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(r.status == 0 && fixed["permutation"] as? [Int] == [0, 1] && (fixed["mean_sdr"] as? Double ?? 0) < 0, "\(r.stdout)")
        r = try CLIRunner.run(["eval", "--fixed-order", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav",
                               "--estimate", "\(dir)/ref_2.wav", "\(dir)/ref_1.wav", "--json"])
        #expect(r.status == 0 && r.stdout.contains("\"permutation\":[0,1]"), "\(r.stdout)")
        for bad in [["--window", "1"], ["--images", "--hop", "1"], ["--images", "--window", "0"], ["--images", "--window", "x"]] {
            r = try CLIRunner.run(["eval"] + bad + ["--reference", "\(dir)/st_ref_1.wav", "--estimate", "\(dir)/st_ref_1.wav"])
            #expect(r.status == 64 && r.stderrLines.count == 1, "\(bad): \(r.stderr)")
        }
        let table = try CLIRunner.run(["eval", "--images", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                                       "--estimate", "\(dir)/st_out/st_mix"])
        #expect(table.status == 0 && table.stdout.contains("ISR") && !table.stdout.contains("SI-SDR"))
        // A mono estimate against stereo references: one line naming both files.
        r = try CLIRunner.run(["eval", "--images", "--reference", "\(dir)/st_ref_1.wav", "\(dir)/st_ref_2.wav",
                               "--estimate", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("ref_1.wav' has 1 channel")
                && r.stderr.contains("st_ref_1.wav' has 2"), "\(r.stderr)")
    }

    @Test func evalUsageErrors() throws {
        var r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/ref_1.wav"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("2 references (ref_1.wav, ref_2.wav) but 1 estimate (ref_1.wav)"), "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/nope.wav", "--estimate", "\(dir)/ref_1.wav"])
        #expect(r.status == 1 && r.stderr.contains("nope.wav"))
        r = try CLIRunner.run(["eval", "--bogus"])
        #expect(r.status == 64)
        // A directory is searched by the extensions separation takes (.snd was missed), and one
        // without audio files says which extensions were looked for.
        try FileManager.default.createDirectory(atPath: "\(dir)/snd", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(dir)/none", withIntermediateDirectories: true)
        let one = try TestSupport.read("\(dir)/ref_1.wav")
        try TestSupport.write(one, to: "\(dir)/snd/ref_1.snd", format: AudioFormat(rawValue: 0x03_0006))  // AU, float
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/snd", "--estimate", "\(dir)/ref_1.wav", "--json"])
        #expect(r.status == 0 && r.stdout.contains("ref_1.snd"), "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/none", "--estimate", "\(dir)/ref_1.wav"])
        #expect(r.status == 1 && r.stderr.contains("holds no audio files (looked for .aif .aifc .aiff .au"), "\(r.stderr)")
        // One level too high (a batch writes <output>/<stem>/source_<i>): the refusal points down.
        try FileManager.default.createDirectory(atPath: "\(dir)/batch/mix", withIntermediateDirectories: true)
        try TestSupport.write(one, to: "\(dir)/batch/mix/source_1.wav", format: .wav16)
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "--estimate", "\(dir)/batch"])
        #expect(r.status == 1 && r.stderrLines.count == 1
                && r.stderr.contains("; the separation's sources are one level down, in '\(dir)/batch/mix'"), "\(r.stderr)")
        // A silent reference is named by its file; a shorter estimate is scored on the common length, with a note.
        let speech = try TestSupport.read("\(dir)/ref_1.wav").channels[0]
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0, count: speech.count)], sampleRate: 16000),
                              to: "\(dir)/zeros.wav", format: .wavFloat)
        try TestSupport.write(AudioBuffer(channels: [Array(speech.prefix(40_000))], sampleRate: 16000),
                              to: "\(dir)/short.wav", format: .wavFloat)
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/zeros.wav", "--estimate", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("zeros.wav' is silent"), "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/short.wav", "\(dir)/ref_2.wav", "--json"])
        #expect(r.status == 0 && r.stderrLines.count == 2 && r.stderr.contains("40000 to 48000") && r.stderr.contains("short.wav")
                && r.stderr.contains("ref_2.wav' is given both as a reference and as an estimate"), "\(r.stderr)")
        #expect(r.stdout.contains("\"samples\":40000"))
        // A silent estimate (−∞) beside a perfect one (+∞): the mean SI-SDR is undefined, printed as nan.
        r = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/zeros.wav", "\(dir)/ref_2.wav"])
        #expect(r.status == 0 && r.stdout.contains("    nan") && !r.stdout.contains("-nan"), "\(r.stdout)")
        // Too many sources × channels for --images is a usage error, found from the headers.
        let six = (1...6).map { _ in "\(dir)/mix.wav" }
        try TestSupport.write(AudioBuffer(channels: [[Float]](repeating: Array(speech.prefix(1000)), count: 3), sampleRate: 16000),
                              to: "\(dir)/three.wav", format: .wavFloat)
        r = try CLIRunner.run(["eval", "--images", "--reference"] + six.map { _ in "\(dir)/three.wav" } + ["--estimate"] + six)
        #expect(r.status == 1 && r.stderr.contains("channel(s)"), "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--images", "--reference"] + six.map { _ in "\(dir)/three.wav" } + ["--estimate"] + six.map { _ in "\(dir)/three.wav" })
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("at most 16 sources × channels, got 6 × 3"), "\(r.stderr)")
    }

    /// Fewer samples than the 512-tap distortion filter: the delayed references span any
    /// estimate, so BSS Eval's scores mean little (a 50/50 mix scored 6.8 dB SDR and 120 dB SAR).
    /// They are scored as the reference scorers score them, with a warning (and signals not much
    /// longer with the expected inflation). An error in a scoring cut short by one file names it.
    @Test func evalWarnsAboutSignalsShorterThanTheFilter() throws {
        let speech = try TestSupport.read("\(dir)/ref_1.wav").channels[0], noise = try TestSupport.read("\(dir)/ref_2.wav").channels[0]
        for (name, x) in [("r1", speech), ("r2", noise), ("half", zip(speech, noise).map { 0.5 * ($0 + $1) })] {
            try TestSupport.write(AudioBuffer(channels: [Array(x[20_000..<20_200])], sampleRate: 16000), to: "\(dir)/t_\(name).wav", format: .wavFloat)
        }
        for images in [false, true] {
            let r = try CLIRunner.run(["eval"] + (images ? ["--images"] : []) + ["--reference", "\(dir)/t_r1.wav", "\(dir)/t_r2.wav",
                                       "--estimate", "\(dir)/t_half.wav", "\(dir)/t_half.wav"])
            #expect(r.status == 0 && r.stderrLines.count == 1 && r.stderr.contains("warning: 200 samples")
                    && r.stderr.contains("512-tap") && r.stderr.contains("cannot be trusted")
                    && r.stderr.contains(images ? "ISR, SIR and SAR (not the image SDR)" : "; SDR and SAR"), "\(r.stderr)")
        }
        // Longer but under 10 × 512·J samples: the expected inflation is named; stereo counts its
        // channels only with --images (the source metrics average them to one).
        for (name, x) in [("r1", speech), ("r2", noise), ("half", zip(speech, noise).map { 0.5 * ($0 + $1) })] {
            let part = Array(x[10_000..<16_000])
            try TestSupport.write(AudioBuffer(channels: [part, part], sampleRate: 16000), to: "\(dir)/s_\(name).wav", format: .wavFloat)
        }
        let files = ["--reference", "\(dir)/s_r1.wav", "\(dir)/s_r2.wav", "--estimate", "\(dir)/s_half.wav", "\(dir)/s_half.wav"]
        let plain = try CLIRunner.run(["eval"] + files)
        // 1024 dimensions in 6000 samples: −10·log10(1 − 1024/6000) = 0.81 dB.
        #expect(plain.status == 0 && plain.stderr.contains("1024 dimensions") && plain.stderr.contains("by about 0.8 dB"), "\(plain.stderr)")
        let images = try CLIRunner.run(["eval", "--images"] + files)
        #expect(images.status == 0 && images.stderr.contains("2048 dimensions") && images.stderr.contains("by about 1.8 dB"), "\(images.stderr)")
        // A reference silent in the first samples, scored over a 100-sample estimate's length: the
        // error names the estimate that cut the scoring short.
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0, count: 300) + speech], sampleRate: 16000), to: "\(dir)/late.wav", format: .wavFloat)
        try TestSupport.write(AudioBuffer(channels: [Array(speech.prefix(100))], sampleRate: 16000), to: "\(dir)/cut.wav", format: .wavFloat)
        let cut = try CLIRunner.run(["eval", "--reference", "\(dir)/late.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/cut.wav", "\(dir)/ref_2.wav"])
        #expect(cut.status == 1 && cut.stderrLines.count == 1 && cut.stderr.contains("late.wav' is silent (all samples are zero)")
                && cut.stderr.contains("(in its first 100 samples, the length of '\(dir)/cut.wav', the shortest file)"), "\(cut.stderr)")
    }

    /// A stereo reference whose channels cancel when averaged is not called silent: the error
    /// says why and points to --images; --mixture twice and a hexadecimal --window are usage errors.
    @Test func evalExplainsCancellingChannelsAndRefusesAmbiguousOptions() throws {
        let speech = try TestSupport.read("\(dir)/ref_1.wav").channels[0]
        try TestSupport.write(AudioBuffer(channels: [speech, speech.map { -$0 }], sampleRate: 16000), to: "\(dir)/anti.wav", format: .wavFloat)
        let files = ["--reference", "\(dir)/anti.wav", "\(dir)/ref_2.wav", "--estimate", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"]
        let r = try CLIRunner.run(["eval"] + files)
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("anti.wav' is silent once its channels are averaged (they cancel")
                && r.stderr.contains("--images"), "\(r.stderr)")
        let twice = try CLIRunner.run(["eval"] + files + ["--mixture", "\(dir)/mix.wav", "--mixture", "\(dir)/ref_1.wav"])
        #expect(twice.status == 64 && twice.stderr.contains("--mixture is given twice"), "\(twice.stderr)")
        let hex = try CLIRunner.run(["eval", "--images", "--window", "0x10"] + files)
        #expect(hex.status == 64 && hex.stderr.contains("got '0x10'"), "\(hex.stderr)")
    }

    /// Inputs that score without error but not as meant are warned about: a mixture the
    /// references do not add up to, an estimate that is a reference's file, a hop past the window.
    @Test func evalWarnsAboutInputsThatDoNotFit() throws {
        let refs = ["--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"]
        let good = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/ref_2.wav", "\(dir)/ref_1.wav", "--mixture", "\(dir)/mix.wav"])
        #expect(good.status == 0 && !good.stderr.contains("add up"), "\(good.stderr)")
        #expect(good.stderrLines.count == 2 && good.stderr.contains("given both as a reference and as an estimate"), "\(good.stderr)")
        // Gains do not matter (BSS Eval ignores them); another recording, or one reference alone, does.
        let x = try TestSupport.read("\(dir)/mix.wav")
        try TestSupport.write(AudioBuffer(channels: [x.channels[0].map { 0.3 * $0 }], sampleRate: x.sampleRate), to: "\(dir)/quiet_mix.wav", format: .wavFloat)
        let scaled = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/ref_1.wav", "\(dir)/mix.wav", "--mixture", "\(dir)/quiet_mix.wav"])
        #expect(scaled.status == 0 && !scaled.stderr.contains("not a mixture") && !scaled.stderr.contains("holds almost nothing"), "\(scaled.stderr)")
        let other = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/ref_1.wav", "\(dir)/mix.wav", "--mixture", "\(dir)/train_speech.wav"])
        #expect(other.status == 0 && other.stderr.contains("train_speech.wav' is not a mixture of the references"), "\(other.stderr)")
        let one = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/ref_1.wav", "\(dir)/mix.wav", "--mixture", "\(dir)/ref_1.wav"])
        #expect(one.status == 0 && one.stderr.contains("holds almost nothing of") && one.stderr.contains("ref_2.wav"), "\(one.stderr)")
        let gaps = try CLIRunner.run(["eval", "--images", "--window", "0.5", "--hop", "2"] + refs + ["--estimate", "\(dir)/mix.wav", "\(dir)/mix.wav"])
        #expect(gaps.status == 0 && gaps.stderr.contains("75 % of the files lie between windows"), "\(gaps.stderr)")
        // The same reference twice (SIR came out +∞ with no word), or a copy of it under another name.
        let speech = try TestSupport.read("\(dir)/ref_1.wav")
        try TestSupport.write(AudioBuffer(channels: [speech.channels[0].map { -0.5 * $0 }], sampleRate: speech.sampleRate),
                              to: "\(dir)/ref_1_copy.wav", format: .wavFloat)
        for second in ["ref_1.wav", "ref_1_copy.wav"] {
            let twice = try CLIRunner.run(["eval", "--reference", "\(dir)/ref_1.wav", "\(dir)/\(second)", "--estimate", "\(dir)/mix.wav", "\(dir)/ref_2.wav"])
            #expect(twice.status == 0 && twice.stderrLines.count == 1 && twice.stderr.contains("are the same signal (correlation")
                    && twice.stderr.contains(second), "\(twice.stderr)")
        }
        // The mixture as every estimate is the usual baseline: no warning. Any other estimate
        // twice (here a copy of a reference at another gain, under two names) is named.
        let estTwice = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/mix.wav", "\(dir)/mix.wav"])
        #expect(estTwice.status == 0 && estTwice.stderr.isEmpty, "\(estTwice.stderr)")
        try FileManager.default.copyItem(atPath: "\(dir)/ref_1_copy.wav", toPath: "\(dir)/ref_1_copy2.wav")
        let sameTwice = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/ref_1_copy.wav", "\(dir)/ref_1_copy2.wav"])
        #expect(sameTwice.status == 0 && sameTwice.stderrLines.count == 1
                && sameTwice.stderr.contains("the estimates '\(dir)/ref_1_copy.wav' and '\(dir)/ref_1_copy2.wav' are the same signal (correlation 1.0000) and not the references' sum"),
                "\(sameTwice.stderr)")
        // Estimates and mixtures that score as silence (−∞, or an improvement of +∞) are named:
        // a silent file, and a stereo pair in opposite phase, which the downmix cancels.
        let n = speech.frameCount
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0, count: n)], sampleRate: speech.sampleRate), to: "\(dir)/zero.wav", format: .wavFloat)
        try TestSupport.write(AudioBuffer(channels: [speech.channels[0], speech.channels[0].map { -$0 }], sampleRate: speech.sampleRate),
                              to: "\(dir)/opposite.wav", format: .wavFloat)
        let silent = try CLIRunner.run(["eval"] + refs + ["--estimate", "\(dir)/zero.wav", "\(dir)/opposite.wav", "--mixture", "\(dir)/zero.wav"])
        #expect(silent.status == 0 && silent.stderr.contains("zero.wav' scores as silence: it is silent over the scored length, so its SDR is −∞\n")
                && silent.stderr.contains("opposite.wav' scores as silence: its channels cancel when averaged")
                && silent.stderr.contains("so its SDR is −∞ and every improvement +∞ (nan for an estimate that is silent too)"), "\(silent.stderr)")
        // References named as the tool names its sources, estimates not: likely swapped.
        try FileManager.default.createDirectory(atPath: "\(dir)/swapped", withIntermediateDirectories: true)
        for (i, f) in ["ref_1.wav", "ref_2.wav"].enumerated() {
            try FileManager.default.copyItem(atPath: "\(dir)/\(f)", toPath: "\(dir)/swapped/source_\(i + 1).wav")
        }
        let swapped = try CLIRunner.run(["eval", "--reference", "\(dir)/swapped", "--estimate", "\(dir)/ref_1.wav", "\(dir)/mix.wav"])
        #expect(swapped.status == 0 && swapped.stderr.contains("are --reference and --estimate swapped?"), "\(swapped.stderr)")
        let counts = try CLIRunner.run(["eval", "--reference", "\(dir)/swapped", "--estimate", "\(dir)/mix.wav"])
        #expect(counts.status == 64 && counts.stderr.contains("2 references (source_1.wav, source_2.wav) but 1 estimate (mix.wav)"), "\(counts.stderr)")
        let imagesRun = try CLIRunner.run(["eval", "--images", "--reference", "\(dir)/opposite.wav", "\(dir)/opposite.wav", "--estimate", "\(dir)/opposite.wav", "\(dir)/mix.wav"])
        #expect(!imagesRun.stderr.contains("scores as silence"), "\(imagesRun.stderr)")
        // As images a silent estimate scores 0 dB (museval's convention), not −∞: said so too.
        let silentImage = try CLIRunner.run(["eval", "--images"] + refs + ["--estimate", "\(dir)/zero.wav", "\(dir)/mix.wav", "--mixture", "\(dir)/zero.wav"])
        #expect(silentImage.status == 0 && silentImage.stderrLines.count == 2
                && silentImage.stderr.contains("zero.wav' scores as silence: it is silent in every channel over the scored length, so its SDR is reported as 0 dB")
                && silentImage.stderr.contains("so the mixture's SDR is 0 dB and every improvement is the estimate's own SDR"), "\(silentImage.stderr)")
    }
}

extension TrainEvalCLITests {
    /// Long names that share their start and end were cut to the same text
    /// (`reference…g_name.wav` twice); the name columns now widen until they differ.
    @Test func evalTableKeepsLongNamesApart() throws {
        let a = "reference_saxophone_phrase_long_name.wav", b = "reference_cello_phrase_long_name.wav"
        try FileManager.default.copyItem(atPath: "\(dir)/ref_1.wav", toPath: "\(dir)/\(a)")
        try FileManager.default.copyItem(atPath: "\(dir)/ref_2.wav", toPath: "\(dir)/\(b)")
        let r = try CLIRunner.run(["eval", "--reference", "\(dir)/\(a)", "\(dir)/\(b)", "--estimate", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"])
        #expect(r.status == 0 && r.stdout.contains(a + " ref_1.wav") && r.stdout.contains(b + "     ref_2.wav"), "\(r.stdout)")
        #expect(EvalCommand.columnWidth(["a.wav", "b.wav"]) == 20)
        #expect(EvalCommand.columnWidth(["0123456789_0123456789_x.wav"]) == 27)
    }
}

extension TrainEvalCLITests {
    /// A folder of stems with their mixture beside them (MUSDB's layout: no `ref_*` names) took
    /// the mixture as one more reference; the JSON with --mixture names the mixture and gives the
    /// improvement per source, not only its mean.
    @Test func evalLeavesTheMixtureOutOfAStemFolderAndReportsPerSourceImprovement() throws {
        let stems = "\(dir)/stems"
        try FileManager.default.createDirectory(atPath: stems, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dir)/ref_1.wav", toPath: "\(stems)/vocals.wav")
        try FileManager.default.copyItem(atPath: "\(dir)/ref_2.wav", toPath: "\(stems)/other.wav")
        try FileManager.default.copyItem(atPath: "\(dir)/mix.wav", toPath: "\(stems)/mixture.wav")
        // Estimates with some of the other source in them (a perfect one scores +∞, null in JSON).
        let (a, b) = (try TestSupport.read("\(dir)/ref_1.wav"), try TestSupport.read("\(dir)/ref_2.wav"))
        for (name, x, y) in [("e1", b, a), ("e2", a, b)] {
            let leaky = zip(x.channels[0], y.channels[0]).map { $0 + 0.2 * $1 }
            try TestSupport.write(AudioBuffer(channels: [leaky], sampleRate: x.sampleRate), to: "\(dir)/\(name).wav", format: .wavFloat)
        }
        let r = try CLIRunner.run(["eval", "--reference", stems, "--estimate", "\(dir)/e1.wav", "\(dir)/e2.wav",
                                   "--mixture", "\(stems)/mixture.wav", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["references"] as? [String] == ["\(stems)/other.wav", "\(stems)/vocals.wav"] && json["mixture"] as? String == "\(stems)/mixture.wav")
        let sdr = try #require(json["sdr"] as? [Double]), mix = try #require(json["mix_sdr_per_source"] as? [Double])
        let gains = try #require(json["sdr_improvement_per_source"] as? [Double])
        #expect(gains.count == 2 && zip(gains, zip(sdr, mix)).allSatisfy { abs($0 - ($1.0 - $1.1)) < 1e-6 })   // (9 significant digits)
        #expect(abs((json["sdr_improvement"] as? Double ?? .nan) - gains.reduce(0, +) / 2) < 1e-6)
    }

    /// With `--images` the files are scored over the references' length, as museval scores them:
    /// an estimate cut short by a second scores as that estimate zero-padded (and worse than over
    /// its own length, the reference scorer's rule without `--images`); a note says so. A window
    /// shorter than one sample is refused, not rounded up.
    @Test func imagesScoreACutEstimateAsZeroPadded() throws {
        let speech = try TestSupport.read("\(dir)/ref_1.wav").channels[0]
        let noisy = zip(speech, try TestSupport.read("\(dir)/ref_2.wav").channels[0]).map { $0 + 0.1 * $1 }
        let cut = Array(noisy.prefix(speech.count - 16_000))
        try TestSupport.write(AudioBuffer(channels: [cut], sampleRate: 16000), to: "\(dir)/cut_est.wav", format: .wavFloat)
        try TestSupport.write(AudioBuffer(channels: [cut + [Float](repeating: 0, count: 16_000)], sampleRate: 16000),
                              to: "\(dir)/padded_est.wav", format: .wavFloat)
        func sdr(_ estimate: String, images: Bool) throws -> (Double, Int, String) {
            let r = try CLIRunner.run(["eval", "--json"] + (images ? ["--images"] : []) + ["--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav",
                                       "--estimate", "\(dir)/\(estimate)", "\(dir)/ref_2.wav"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            return ((json["sdr"] as! [Any])[0] as! Double, json["samples"] as! Int, r.stderr)
        }
        let (padded, paddedLength, _) = try sdr("padded_est.wav", images: true)
        let (images, imagesLength, note) = try sdr("cut_est.wav", images: true)
        let (plain, plainLength, _) = try sdr("cut_est.wav", images: false)
        #expect(imagesLength == speech.count && paddedLength == speech.count && plainLength == cut.count)
        #expect(images == padded && images < plain - 0.5, "\(images) \(padded) \(plain)")
        #expect(note.contains("the shortest reference, the other files zero-padded to it, as museval scores images"), "\(note)")
        let r = try CLIRunner.run(["eval", "--images", "--window", "0.00001", "--reference", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav",
                                   "--estimate", "\(dir)/ref_1.wav", "\(dir)/ref_2.wav"])
        #expect(r.status == 64 && r.stderr.contains("--window 1e-05 is shorter than one sample at 16000 Hz"), "\(r.stderr)")
    }
}
