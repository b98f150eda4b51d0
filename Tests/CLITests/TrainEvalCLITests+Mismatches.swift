import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// Dictionaries that cannot go together, refused before any file is read with the files that
/// disagree named; what a dictionary rules out said as such; `--` in `train` and `eval`.
extension TrainEvalCLITests {
    /// Trains a small dictionary from `input` into `dir/name` with the extra options `more`.
    func trainSmall(_ input: String, _ name: String, _ more: [String] = []) throws {
        let r = try CLIRunner.run(["train", input, "-k", "4", "--iterations", "5", "-o", "\(dir)/\(name)", "-q"] + more)
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Disagreements between the dictionaries are reported first, by the files, as usage errors,
    /// and no separation output is made: rates (which no resampling of the input can settle),
    /// hops (also when a --hop is given, which can settle neither), a rescaled copy.
    @Test func dictionariesThatDisagreeAreRefusedByName() throws {
        let speech = try TestSupport.read("\(dir)/train_speech.wav").channels[0]
        try TestSupport.write(AudioBuffer(channels: [speech], sampleRate: 22050), to: "\(dir)/speech22.wav", format: .wavFloat)
        try trainSmall("\(dir)/speech22.wav", "s22.nmfdict")
        try trainSmall("\(dir)/train_noise.wav", "n16.nmfdict")
        try trainSmall("\(dir)/train_speech.wav", "s16h.nmfdict", ["--hop", "256"])
        var r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/s22.nmfdict", "--dictionary", "\(dir)/n16.nmfdict", "-o", "\(dir)/m1"])
        #expect(r.status == 64 && r.stderrLines.count == 1
                && r.stderr.contains("--dictionary '\(dir)/n16.nmfdict' was trained at 16000 Hz, but '\(dir)/s22.nmfdict' at 22050 Hz")
                && !r.stderr.contains("resample"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m1"))
        for hop in [[], ["--hop", "128"]] {
            r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/n16.nmfdict", "--dictionary", "\(dir)/s16h.nmfdict", "-o", "\(dir)/m2"] + hop)
            #expect(r.status == 64 && r.stderrLines.count == 1
                    && r.stderr.contains("s16h.nmfdict' was trained with --fft-size 2048 --hop 256, but '\(dir)/n16.nmfdict' with --fft-size 2048 --hop 512")
                    && r.stderr.contains("retrain one of them"), "\(hop): \(r.stderr)")
        }
        // A copy whose templates were multiplied by 2 models the same source.
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/n16.nmfdict"))
        let end = data.dropFirst(8).firstIndex(of: 0x0A)! + 1
        let doubled = data[end...].withUnsafeBytes { raw in
            raw.bindMemory(to: UInt32.self).map { (Float(bitPattern: UInt32(littleEndian: $0)) * 2).bitPattern.littleEndian }
        }
        try (data[..<end] + doubled.withUnsafeBytes { Data($0) }).write(to: URL(fileURLWithPath: "\(dir)/n16x2.nmfdict"))
        r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/n16.nmfdict", "--dictionary", "\(dir)/n16x2.nmfdict", "-o", "\(dir)/m3"])
        #expect(r.status == 64 && r.stderr.contains("n16x2.nmfdict' holds the same templates as '\(dir)/n16.nmfdict'"), "\(r.stderr)")
    }

    /// What a dictionary fixes is named as the dictionary's: the divergence a penalty needs, the
    /// frame a mixture is shorter than (a smaller --fft-size is not the user's to give).
    @Test func whatADictionaryFixesIsNamedAsItsOwn() throws {
        try trainSmall("\(dir)/train_speech.wav", "is.nmfdict", ["--divergence", "is"])
        var r = try CLIRunner.run(["\(dir)/mix.wav", "--dictionary", "\(dir)/is.nmfdict", "--sparsity", "0.3", "-o", "\(dir)/p1"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("--sparsity 0.3 needs --divergence kl")
                && r.stderr.contains("got itakura-saito, the divergence --dictionary '\(dir)/is.nmfdict' was trained with"), "\(r.stderr)")
        try trainSmall("\(dir)/train_noise.wav", "n.nmfdict")
        let mix = try TestSupport.read("\(dir)/mix.wav").channels[0]
        try TestSupport.write(AudioBuffer(channels: [Array(mix.prefix(1000))], sampleRate: 16000), to: "\(dir)/brief.wav", format: .wavFloat)
        r = try CLIRunner.run(["\(dir)/brief.wav", "--dictionary", "\(dir)/n.nmfdict", "-o", "\(dir)/p2"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("brief.wav': audio is 1000 samples long, shorter than one frame of the dictionaries")
                && r.stderr.contains("use a longer file, or dictionaries trained with a smaller --fft-size"), "\(r.stderr)")
    }

    /// `--` ends the options: `train` takes what follows as recordings, `eval` as files of the
    /// list it follows; before any list it is a usage error.
    @Test func doubleDashEndsTheOptionsOfTrainAndEval() throws {
        try FileManager.default.copyItem(atPath: "\(dir)/train_speech.wav", toPath: "\(dir)/-speech.wav")
        var r = try CLIRunner.run(["train", "-k", "2", "--iterations", "3", "-o", "\(dir)/dash.nmfdict", "-q", "--", "-speech.wav"], in: dir)
        #expect(r.status == 0 && FileManager.default.fileExists(atPath: "\(dir)/dash.nmfdict"), "\(r.stderr)")
        r = try CLIRunner.run(["eval", "--json", "--reference", "ref_1.wav", "ref_2.wav", "--estimate", "--", "-speech.wav", "ref_2.wav"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("\"estimates\":[\"-speech.wav\",\"ref_2.wav\"]"), "\(r.stdout) \(r.stderr)")
        r = try CLIRunner.run(["eval", "--", "ref_1.wav"], in: dir)
        #expect(r.status == 64 && r.stderr.contains("'--' must follow --reference or --estimate"), "\(r.stderr)")
    }
}
