import Testing
import Foundation
import NMFSeparation
@testable import Separation
import _TestSupport

/// The steady-background model: the floor statistic that detects it, the decision of
/// `.automatic`, the checks of `.steady`, and a separation of speech against a real noise.
@Suite struct SteadyBackgroundTests {
    /// bins × frames from a closure.
    func spectrogram(bins: Int, frames: Int, _ value: (Int, Int) -> Float) -> Matrix {
        var v = Matrix(rows: bins, columns: frames)
        for n in 0..<frames { for f in 0..<bins { v[f, n] = value(f, n) } }
        return v
    }

    @Test func floorIsTheShareOfMagnitudeAFrameConstantSoundExplains() {
        // The same spectrum in every frame: its 20 % quantile is its mean.
        #expect(abs(SteadyBackground.floor(of: spectrogram(bins: 5, frames: 40) { f, _ in Float(f + 1) }) - 1) < 1e-6)
        // Bursts of 1 in one frame of 10 over a floor 40 dB down: 0.01 / (0.1 + 0.9 · 0.01).
        let bursts = SteadyBackground.floor(of: spectrogram(bins: 5, frames: 40) { _, n in n % 10 == 0 ? 1 : 0.01 })
        #expect(abs(bursts - 0.01 / 0.109) < 1e-5)
        // Silent frames are no floor: they are left out with every frame 50 dB below the loudest.
        #expect(SteadyBackground.floor(of: spectrogram(bins: 5, frames: 40) { _, n in n % 10 == 0 ? 1 : 0 }) == 1)
        // A constant 1 everywhere plus bursts of 3 in one frame of 4: floor 1, mean 1.75.
        let mixed = SteadyBackground.floor(of: spectrogram(bins: 4, frames: 400) { _, n in n % 4 == 0 ? 4 : 1 })
        #expect(abs(mixed - 1 / 1.75) < 1e-6)
        // Frames more than 50 dB below the loudest (a silent lead-in) do not lower it.
        let leadIn = SteadyBackground.floor(of: spectrogram(bins: 4, frames: 800) { _, n in n < 400 ? 1e-4 : (n % 4 == 0 ? 4 : 1) })
        #expect(abs(leadIn - mixed) < 1e-6)
        #expect(SteadyBackground.floor(of: Matrix(rows: 3, columns: 5)) == 0)
        #expect(SteadyBackground.floor(of: Matrix(rows: 0, columns: 0)) == 0)
    }

    @Test func samplingTakesExactlyTheFrameLimitPastIt() {
        for count in [SteadyBackground.floorFrameLimit, SteadyBackground.floorFrameLimit + 1, 3 * SteadyBackground.floorFrameLimit - 1] {
            let frames = SteadyBackground.sampledFrames(energies: [Double](repeating: 1, count: count))
            #expect(frames.count == SteadyBackground.floorFrameLimit && Set(frames).count == frames.count && frames == frames.sorted())
        }
        // Frames 50 dB below the loudest are left out before sampling.
        #expect(SteadyBackground.sampledFrames(energies: [1, 1e-6, 1, 0]) == [0, 2])
        #expect(SteadyBackground.sampledFrames(energies: [0, .nan, .infinity]).isEmpty)
    }

    @Test func floorSamplesLongSpectrogramsWithoutAliasingTheirRhythm() {
        // A beat every 10 frames: sampling every 10th frame of the long one would see only beats.
        let short = spectrogram(bins: 3, frames: 4000) { f, n in n % 10 == 0 ? 9 : Float(f + 1) }
        let long = spectrogram(bins: 3, frames: 40_960) { f, n in n % 10 == 0 ? 9 : Float(f + 1) }
        let exact = SteadyBackground.floor(of: short), sampled = SteadyBackground.floor(of: long)
        #expect(abs(exact - 6 / (0.9 * 6 + 0.1 * 27)) < 1e-5)
        #expect(abs(sampled - exact) < 0.02, "sampled \(sampled), exact \(exact)")
        #expect(SteadyBackground.floor(of: long) == sampled)
    }

    @Test func selectionFindsTheSortedElementOfEveryRank() {
        var g = SeededGenerator(seed: 3)
        for count in [1, 2, 3, 10, 101, 1000] {
            // Few distinct values: many ties, the hard case for a partition.
            let values = (0..<count).map { _ in Float(g.next() % 7) + (count > 100 ? g.nextUnitFloat() : 0) }
            let sorted = values.sorted()
            for rank in Set([0, count / 5, count / 2, count - 1]) {
                var work = values
                let got = work.withUnsafeMutableBufferPointer { SteadyBackground.select($0.baseAddress!, count: count, rank: rank) }
                #expect(got == sorted[rank], "count \(count), rank \(rank)")
            }
        }
    }

    @Test func floorOfNaNOrInfiniteMagnitudesIsDefined() {
        // A NaN counts as 0, wherever it is (the first frame decided the loudest before).
        for frame in [0, 3] {
            let nan = spectrogram(bins: 4, frames: 20) { f, n in f == 1 && n == frame ? .nan : 1 }
            #expect(abs(SteadyBackground.floor(of: nan) - 1) < 1e-6, "NaN in frame \(frame)")
        }
        #expect(SteadyBackground.floor(of: spectrogram(bins: 2, frames: 5) { _, _ in .infinity }) == 0)
    }

    /// Two sources, eight components, KL, no penalties: what `.automatic` was measured for.
    func plain(sources: Int = 2, components: Int = 8) throws -> SeparationConfiguration {
        var c = try SeparationConfiguration(sourceCount: sources, componentCount: components,
                                            stft: try STFTConfiguration(fftSize: 1024, hopLength: 256))
        c.background = .automatic
        return c
    }

    @Test func automaticChoosesASteadyBackgroundOnlyAboveTheThresholdAndInTheMeasuredCase() throws {
        let t = SteadyBackground.floorThreshold
        let chosen = try plain().resolvingBackground(floor: t, frames: 100)
        #expect(chosen.background == .steady && chosen.presetSourceCount == 1 && chosen.backgroundComponents == 0..<2)
        #expect(chosen.sourceContinuity == [SteadyBackground.continuity, 0])
        #expect(chosen.sourceSparsity == [0, SteadyBackground.foregroundSparsity])
        #expect(chosen.componentWeights(chosen.sourceContinuity) == [100, 100, 0, 0, 0, 0, 0, 0])
        #expect(try plain().resolvingBackground(floor: t - 0.01, frames: 100).background == .none)
        #expect(try plain().resolvingBackground(floor: t - 0.01, frames: 100).sourceContinuity.isEmpty)
        // Three sources, too few components, a penalty, a dictionary or another divergence: none.
        #expect(try plain(sources: 3, components: 12).resolvingBackground(floor: 0.5, frames: 100).background == .none)
        #expect(try plain(components: 2).resolvingBackground(floor: 0.5, frames: 100).background == .none)
        var penalised = try plain(); penalised.continuity = 0.1
        #expect(penalised.resolvingBackground(floor: 0.5, frames: 100).background == .none)
        var supervised = try plain(); supervised.fixedTemplates = [Matrix(rows: 513, columns: 4)]
        #expect(supervised.resolvingBackground(floor: 0.5, frames: 100).background == .none)
        var beta = try plain(); beta.divergence = try Divergence(beta: 0.5)
        #expect(beta.resolvingBackground(floor: 0.5, frames: 100).background == .none)
        var relaxed = try plain(); relaxed.stepExponent = 1.5
        #expect(relaxed.resolvingBackground(floor: 0.5, frames: 100).background == .none)
        // Too few frames for the quantile to mean anything, or no floor measured: none.
        #expect(try plain().resolvingBackground(floor: 0.5, frames: SteadyBackground.floorMinimumFrames - 1).background == .none)
        #expect(try plain().resolvingBackground(floor: nil, frames: 100).background == .none)
        #expect(try plain().measuresBackgroundFloor(frames: 100) && !plain(sources: 3, components: 12).measuresBackgroundFloor(frames: 100))
        #expect(try !plain().measuresBackgroundFloor(frames: SteadyBackground.floorMinimumFrames - 1))
        // `.none` stays none, `.steady` stays steady whatever the floor; given weights are kept.
        var off = try plain(); off.background = .none
        #expect(off.resolvingBackground(floor: 1, frames: 100).background == .none)
        var forced = try plain(sources: 3, components: 6); forced.background = .steady; forced.sourceSparsity = [0, 1]
        let kept = forced.resolvingBackground(floor: 0, frames: 100)
        #expect(kept.background == .steady && kept.sourceSparsity == [0, 1] && kept.sourceContinuity == [100, 0])
        #expect(kept.componentWeights(kept.sourceSparsity) == [0, 0, 1, 1, 1, 1])
    }

    @Test func steadyIsRefusedWhereItCannotApplyWithTheOptionNamed() throws {
        func refusal(_ change: (inout SeparationConfiguration) -> Void) throws -> String? {
            var c = try plain(sources: 2, components: 8)
            c.background = .steady
            change(&c)
            do { try c.validateBackground(); try c.validatePenaltyWeights() } catch let e as SeparationError { return e.description }
            return nil
        }
        #expect(try refusal { _ in } == nil)
        #expect(try refusal { $0.sourceContinuity = [50, 0] } == nil)
        #expect(try refusal { $0.sourceCount = 1 }?.contains("--background") == true)
        #expect(try refusal { $0.fixedTemplates = [Matrix(rows: 513, columns: 4)] }?.contains("--dictionary") == true)
        #expect(try refusal { $0.divergence = .itakuraSaito }?.contains("kl") == true)
        #expect(try refusal { $0.componentCount = 2 }?.contains("--components") == true)
        #expect(try refusal { $0.sourceCount = 3; $0.componentCount = 3 }?.contains("at least 4") == true)
        #expect(try refusal { $0.sparsity = 0.5 }?.contains("--sparsity") == true)
        #expect(try refusal { $0.sourceContinuity = [1, 2, 3] }?.contains("the background's") == true)
        #expect(try refusal { $0.stepExponent = 1.5 }?.contains("--step-exponent 1.5") == true)
        // Penalties without the background refuse over-relaxed steps as well.
        var penalised = try plain(); penalised.background = .none; penalised.sparsity = 0.1; penalised.stepExponent = 1.5
        #expect(throws: SeparationError.self) { try penalised.validatePenaltyWeights() }
        penalised.stepExponent = 1
        try penalised.validatePenaltyWeights()
        // Automatic and none pass whatever else is set.
        var c = try plain(sources: 1, components: 1)
        try c.validateBackground()
        c.background = .none
        try c.validateBackground()
    }

    /// Speech against a real exercise-bike noise at 0 dB, 4 s at 16 kHz.
    func speechInNoise() throws -> (speech: [Float], noise: [Float], mix: AudioBuffer) {
        let n = 64_000
        let speech = Array(try TestSupport.read(TestSupport.audio("speech_arctic_axb_f.wav")).channels[0].prefix(n))
        var noise = Array(try TestSupport.read(TestSupport.audio("noise_exercise_bike.wav")).channels[0].dropFirst(160_000).prefix(n))
        func rms(_ x: [Float]) -> Float { (x.reduce(0) { $0 + $1 * $1 } / Float(x.count)).squareRoot() }
        let gain = rms(speech) / rms(noise)
        noise = noise.map { $0 * gain }
        return (speech, noise, AudioBuffer(channels: [zip(speech, noise).map(+)], sampleRate: 16000))
    }

    @Test func realSpeechInNoiseIsDetectedAndSeparatesBetterWithTheBackground() throws {
        let (speech, noise, mix) = try speechInNoise()
        var config = try plain()
        config.maxIterations = 100
        let (sources, report) = try Separator(configuration: config).separate(mix)
        let floor = try #require(report.backgroundFloor)
        #expect(floor >= SteadyBackground.floorThreshold, "floor \(floor)")
        #expect(report.configuration.background == .steady)
        #expect(report.groups == [[0, 1], Array(2..<8)])
        // The background is source 1: the noise, not the speech.
        let scores = try BSSEval.evaluate(references: [noise, speech], estimates: sources.map { $0.channels[0] })
        #expect(scores.permutation == [0, 1])
        config.background = .none
        let (grouped, plainReport) = try Separator(configuration: config).separate(mix)
        #expect(plainReport.backgroundFloor == nil && plainReport.configuration.background == .none)
        let without = try BSSEval.evaluate(references: [noise, speech], estimates: grouped.map { $0.channels[0] })
        #expect(scores.mean.sdr > without.mean.sdr + 1, "with \(scores.mean.sdr) dB, without \(without.mean.sdr) dB")
    }

    @Test func twoSpeakersAreNotABackground() throws {
        let n = 64_000
        let a = Array(try TestSupport.read(TestSupport.audio("speech_arctic_axb_f.wav")).channels[0].prefix(n))
        let b = Array(try TestSupport.read(TestSupport.audio("speech_libri_3436_m.wav")).channels[0].prefix(n))
        var config = try plain()
        config.maxIterations = 5
        let report = try Separator(configuration: config).separate(AudioBuffer(channels: [zip(a, b).map(+)], sampleRate: 16000)).report
        let floor = try #require(report.backgroundFloor)
        #expect(floor < SteadyBackground.floorThreshold, "floor \(floor)")
        #expect(report.configuration.background == .none && report.configuration.sourceSparsity.isEmpty)
    }

    @Test func anEnsembleOfThreeSourcesKeepsTheBackgroundFirst() throws {
        let (_, _, mix) = try speechInNoise()
        var config = try plain(sources: 3, components: 10)
        config.background = .steady
        config.maxIterations = 20
        config.ensembleSize = 3
        let report = try Separator(configuration: config).separate(mix).report
        #expect(report.runs.count == 3)
        for run in report.runs {
            #expect(run.groups.count == 3 && run.groups[0] == [0, 1] && Set(run.groups.joined()) == Set(0..<10))
        }
    }

    @Test func aSpatialSeparationModelsTheBackgroundToo() throws {
        let (speech, noise, _) = try speechInNoise()
        // Speech left of centre, the noise right: a stereo mixture.
        let left = zip(speech, noise).map { 0.8 * $0 + 0.4 * $1 }, right = zip(speech, noise).map { 0.4 * $0 + 0.8 * $1 }
        var config = try plain()
        config.spatial = true
        config.maxIterations = 30
        let (sources, report) = try Separator(configuration: config).separate(AudioBuffer(channels: [left, right], sampleRate: 16000))
        #expect(report.configuration.background == .steady && report.groups[0] == [0, 1])
        #expect(try #require(report.backgroundFloor) >= SteadyBackground.floorThreshold)
        #expect(sources.count == 2 && sources.allSatisfy { $0.channelCount == 2 })
        #expect(report.runs[0].channelGains?.rows == 2)
    }
}
