import Testing
import Foundation
import NMFSeparation
@testable import NMFSeparateCLI

/// The command line's defaults are the library's recommended settings: a library caller who
/// asks for `SeparationConfiguration.recommended` separates as `nmf-separate` does.
@Suite struct RecommendedDefaultsTests {
    /// A dictionary of `k` templates whose training audio measured `spread` dB of level spread.
    func dictionary(_ k: Int, spread: String, fft: Int = 2048) throws -> NMFDictionary {
        let bins = fft / 2 + 1
        var w = Matrix(rows: bins, columns: k)
        for c in 0..<k { for f in 0..<bins { w[f, c] = 1 / Float(bins) + (f % (c + 2) == 0 ? 0.001 : 0) } }
        return NMFDictionary(basis: w, sampleRate: 16000, stft: try STFTConfiguration(fftSize: fft),
                             notes: ["level_spread_db": spread])
    }

    @Test(arguments: [1, 2, 3, 5])
    func unsupervisedDefaultsAreTheRecommendedSettings(sources: Int) throws {
        let cli = try CommandLineOptions.parse(["mix.wav", "--sources", "\(sources)"]).separationConfiguration()
        let library = try SeparationConfiguration.recommended(sourceCount: sources)
        #expect(cli == library)
        #expect(library.componentCount == 4 * sources && library.background == .automatic && library.maskPower == 1)
        let seeded = try CommandLineOptions.parse(["mix.wav", "-s", "\(sources)", "--seed", "7", "--fft-size", "1024"])
            .separationConfiguration()
        #expect(seeded == (try SeparationConfiguration.recommended(sourceCount: sources, stft: STFTConfiguration(fftSize: 1024), seed: 7)))
    }

    @Test func supervisedDefaultsAreTheRecommendedSettings() throws {
        let speech = try dictionary(5, spread: "9.5"), noise = try dictionary(3, spread: "1.8")
        // Two dictionaries, no free source: mask power 2, no penalties.
        let both = try CommandLineOptions.parse(["mix.wav", "-d", "s.nmfdict", "-d", "n.nmfdict"])
            .separationConfiguration(dictionaries: [speech, noise])
        let library = try SeparationConfiguration.recommended(dictionaries: [speech, noise])
        #expect(both == library)
        #expect(library.sourceCount == 2 && library.componentCount == 8 && library.maskPower == 2 && library.sourceContinuity.isEmpty)
        // A changing source's dictionary and one free source: the automatic penalties.
        let one = try CommandLineOptions.parse(["mix.wav", "-d", "s.nmfdict", "--sources", "2"])
            .separationConfiguration(dictionaries: [speech])
        let recommended = try SeparationConfiguration.recommended(dictionaries: [speech], freeSources: 1)
        #expect(one == recommended)
        #expect(recommended.componentCount == 9 && recommended.sourceContinuity == [0, 1] && recommended.sourceSparsity == [0.3, 0])
        // One dictionary alone is "this source and the rest" (it gave one source: the mixture itself).
        let alone = try CommandLineOptions.parse(["mix.wav", "-d", "s.nmfdict"]).separationConfiguration(dictionaries: [speech])
        #expect(alone == (try SeparationConfiguration.recommended(dictionaries: [speech])) && alone.sourceCount == 2 && alone == one)
        // The same templates twice cannot be told apart.
        do {
            _ = try CommandLineOptions.parse(["mix.wav", "-d", "a.nmfdict", "-d", "b.nmfdict"]).separationConfiguration(dictionaries: [speech, speech])
            Issue.record("the same dictionary twice was accepted")
        } catch let e as CLIError {
            #expect(e.exitCode == 64 && e.message.contains("'b.nmfdict' holds the same templates as 'a.nmfdict'"))
        }
        // A steady source's dictionary and one free source: no penalties.
        let steady = try SeparationConfiguration.recommended(dictionaries: [noise], freeSources: 1)
        #expect(steady == (try CommandLineOptions.parse(["mix.wav", "-d", "n.nmfdict", "-s", "2"]).separationConfiguration(dictionaries: [noise])))
        #expect(steady.sourceContinuity.isEmpty && steady.background == .none)
    }

    /// A dictionary's sample rate travels with the configuration: a separation of audio at
    /// another rate is refused (it ran, its templates' bins meaning other frequencies).
    @Test func theDictionariesSampleRateIsChecked() throws {
        let d = try dictionary(4, spread: "9")   // 16 kHz, fft 2048
        let config = try SeparationConfiguration.recommended(dictionaries: [d])
        #expect(config.templateSampleRate == 16000)
        let tone = (0..<8192).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        do {
            _ = try Separator(configuration: config).separate(AudioBuffer(channels: [tone], sampleRate: 44100))
            Issue.record("a 44.1 kHz mixture was separated with 16 kHz templates")
        } catch let e as SeparationError {
            #expect(e.description.contains("44100 Hz") && e.description.contains("16000 Hz"), "\(e)")
        }
        var other = d
        other.sampleRate = 22050
        #expect(throws: SeparationError.self) { try SeparationConfiguration.recommended(dictionaries: [d, other]) }
    }

    /// The plain initialiser needs no STFT argument: `.standard` is the default analysis.
    @Test func theStandardAnalysisIsTheDefault() throws {
        #expect(STFTConfiguration.standard == (try STFTConfiguration()))
        #expect(STFTConfiguration.standard.fftSize == 2048 && STFTConfiguration.standard.hopLength == 512)
        #expect((try SeparationConfiguration(sourceCount: 2)).stft == .standard)
    }

    @Test func recommendedSettingsRefuseWhatCannotBeSeparated() throws {
        #expect(throws: SeparationError.self) { try SeparationConfiguration.recommended(sourceCount: 0) }
        #expect(throws: SeparationError.self) { try SeparationConfiguration.recommended(sourceCount: Int.max) }
        #expect(throws: SeparationError.self) { try SeparationConfiguration.recommended(dictionaries: []) }
        let a = try dictionary(2, spread: "9"), b = try dictionary(2, spread: "9", fft: 1024)
        #expect(throws: SeparationError.self) { try SeparationConfiguration.recommended(dictionaries: [a], freeSources: -1) }
        do {
            _ = try SeparationConfiguration.recommended(dictionaries: [a, b])
            Issue.record("dictionaries with different fft sizes were accepted")
        } catch let e as SeparationError {
            #expect(e.description.contains("dictionaries[1]") && e.description.contains("1024") && e.description.contains("2048"))
        }
    }
}
