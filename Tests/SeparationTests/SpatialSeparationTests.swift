import Testing
import Foundation
@testable import Separation
@testable import Factorization
import Evaluation
import DSPCore
import Spectral
import AudioIO
import _TestSupport

/// Spatial separation (`SeparationConfiguration.spatial`): channels factorized jointly, one
/// gain per channel and component, per-channel masks, gains among the grouping features.
@Suite struct SpatialSeparationTests {
    /// Constant-power panning of a mono signal to (left, right); position −1 (left) … 1 (right).
    func pan(_ x: [Float], _ position: Double) -> [[Float]] {
        let a = (position + 1) * Double.pi / 4
        return [x.map { $0 * Float(cos(a)) }, x.map { $0 * Float(sin(a)) }]
    }

    /// Two LibriSpeech speakers, 3 s at 16 kHz, panned to −0.6 and +0.6.
    func speakers() throws -> (a: [[Float]], b: [[Float]], mix: AudioBuffer) {
        let n = 48_000
        let a = pan(try TestSupport.excerpt("speech_libri_198_f.wav", frames: n).channels[0], -0.6)
        let b = pan(try TestSupport.excerpt("speech_libri_3436_m.wav", frames: n).channels[0], 0.6)
        let mix = AudioBuffer(channels: (0..<2).map { c in zip(a[c], b[c]).map(+) }, sampleRate: 16_000)
        return (a, b, mix)
    }

    func configuration(spatial: Bool) throws -> SeparationConfiguration {
        var config = try SeparationConfiguration(sourceCount: 2, componentCount: 8, stft: try STFTConfiguration(fftSize: 1024, hopLength: 256),
                                                 maxIterations: 100, threadCount: 2)
        config.spatial = spatial
        return config
    }

    @Test func speakersPlacedApartSeparateOnlyWithTheSpatialModel() throws {
        let (a, b, mix) = try speakers()
        let baseline = try BSSEval.evaluateMixture(references: [a, b], mixture: mix.channels).mean.sdr
        var gains: [Double] = []
        for spatial in [false, true] {
            let (sources, report) = try Separator(configuration: try configuration(spatial: spatial)).separate(mix)
            let scores = try BSSEval.evaluate(references: [a, b], estimates: sources.map(\.channels))
            gains.append(scores.mean.sdr - baseline)
            #expect((report.runs[0].channelGains != nil) == spatial)
            // The sources add back to the mixture in every channel (per-channel masks sum to one).
            for c in 0..<2 {
                let worst = (0..<mix.frameCount).map { abs(sources[0].channels[c][$0] + sources[1].channels[c][$0] - mix.channels[c][$0]) }.max()!
                #expect(worst < 1e-4)
            }
        }
        // Timbre alone cannot tell two voices apart; their places in the image can
        // (measured: −0.08 dB without, 4.68 dB with the channel model).
        #expect(gains[1] > 3, "spatial SDR improvement \(gains[1]) dB")
        #expect(gains[1] > gains[0] + 3, "spatial \(gains[1]) dB against \(gains[0]) dB")
    }

    @Test func theGainsOfEachSourceSayWhereItIs() throws {
        let (_, _, mix) = try speakers()
        let (_, report) = try Separator(configuration: try configuration(spatial: true)).separate(mix)
        let run = report.runs[0], q = try #require(run.channelGains)
        #expect(q.rows == 2 && q.columns == 8)
        for c in 0..<8 { #expect(abs(q[0, c] + q[1, c] - 1) < 1e-5) }
        // Mean left gain of each source's components: one source leans left, the other right.
        let left = run.groups.map { g in g.reduce(Float(0)) { $0 + q[0, $1] } / Float(g.count) }.sorted()
        #expect(left[0] < 0.45 && left[1] > 0.55, "left gains \(left)")
        // W·H models the channels' mean magnitude, like a non-spatial run: W's columns sum to one.
        for c in 0..<8 { #expect(abs(run.factorization.basis.column(c).reduce(0, +) - 1) < 1e-4) }
    }

    @Test func monoInputIsUnchangedBySpatial() throws {
        let x = try TestSupport.excerpt("speech_libri_198_f.wav", frames: 24_000)
        let y = try TestSupport.excerpt("speech_libri_3436_m.wav", frames: 24_000)
        let mix = AudioBuffer(channels: [zip(x.channels[0], y.channels[0]).map(+)], sampleRate: 16_000)
        let plain = try Separator(configuration: try configuration(spatial: false)).separate(mix)
        let spatial = try Separator(configuration: try configuration(spatial: true)).separate(mix)
        #expect(plain.sources.map(\.channels) == spatial.sources.map(\.channels))
        #expect(spatial.report.runs[0].channelGains == nil)
    }

    @Test func spatialWithADictionaryKeepsTheTemplatesAndSumsBack() throws {
        let (_, _, mix) = try speakers()
        var config = try configuration(spatial: true)
        var rng = SeededGenerator(seed: 9)
        let bins = config.stft.binCount
        let dictionary = Matrix(rows: bins, columns: 3, columnMajor: (0..<(bins * 3)).map { _ in rng.nextUnitFloat() })
        config.fixedTemplates = [dictionary]
        let (sources, report) = try Separator(configuration: config).separate(mix)
        #expect(report.groups[0] == [0, 1, 2])
        for c in 0..<3 {
            let col = dictionary.column(c), total = col.reduce(0, +)
            #expect(zip(col, report.factorization.basis.column(c)).map { abs($0 / total - $1) }.max()! < 1e-5)
        }
        for c in 0..<2 {
            let worst = (0..<mix.frameCount).map { abs(sources[0].channels[c][$0] + sources[1].channels[c][$0] - mix.channels[c][$0]) }.max()!
            #expect(worst < 1e-4)
        }
    }

    @Test func spatialNeedsTheKLDivergence() throws {
        let (_, _, mix) = try speakers()
        var config = try configuration(spatial: true)
        config.divergence = .itakuraSaito
        #expect {
            _ = try Separator(configuration: config).separate(mix)
        } throws: { error in
            guard case SeparationError.invalidParameter(let name, _, _) = error else { return false }
            return name == "--spatial"
        }
    }

    @Test func gainsSplitComponentsWhoseSpectraAreAlike() throws {
        // Four nearly equal templates; two sit left, two right: only the gains tell them apart.
        var rng = SeededGenerator(seed: 4)
        let bins = 257
        let base = (0..<bins).map { _ in rng.nextUnitFloat() + 0.5 }
        let w = Matrix(rows: bins, columns: 4, columnMajor: (0..<4).flatMap { c in base.map { $0 * (1 + 0.01 * Float(c) * rng.nextUnitFloat()) } })
        let h = Matrix(rows: 4, columns: 50, repeating: 1)
        var q = Matrix(rows: 2, columns: 4)
        for (c, l) in [Float(0.8), 0.2, 0.75, 0.25].enumerated() { q[0, c] = l; q[1, c] = 1 - l }
        let groups = try ComponentGrouping.group(method: .timbre, basis: w, activations: h, sources: 2, sampleRate: 16_000, seed: 0,
                                             channelGains: q)
        #expect(Set(groups.map { Set($0) }) == [Set([0, 2]), Set([1, 3])])
    }

    @Test func aSourceOnlyInTheLeftChannelStaysThere() throws {
        // One speaker only on the left, the other only on the right: the estimate of the left
        // source has little in the right channel, and the other way round.
        let n = 48_000
        let speech = try TestSupport.excerpt("speech_libri_198_f.wav", frames: n).channels[0]
        let other = try TestSupport.excerpt("speech_libri_3436_m.wav", frames: n).channels[0]
        let mix = AudioBuffer(channels: [speech, other], sampleRate: 16_000)
        let (sources, report) = try Separator(configuration: try configuration(spatial: true)).separate(mix)
        func energy(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } }
        let leftSource = energy(sources[0].channels[0]) > energy(sources[1].channels[0]) ? 0 : 1
        let l = sources[leftSource].channels, r = sources[1 - leftSource].channels
        // At most −13 dB in the wrong channel (measured: below −17 dB).
        #expect(energy(l[1]) < 0.05 * energy(l[0]), "left source leaks \(energy(l[1]) / energy(l[0])) into the right channel")
        #expect(energy(r[0]) < 0.05 * energy(r[1]), "right source leaks \(energy(r[0]) / energy(r[1])) into the left channel")
        #expect(report.runs[0].channelGains != nil)
    }

    @Test func anEnsembleMatchesItsRunsByPlaceAsWellAsTimbre() throws {
        // Two runs whose two sources have the same spectra and activations and differ only in
        // their gains: only the gains can match them, and they must (the second run's order is swapped).
        var rng = SeededGenerator(seed: 2)
        let column = (0..<30).map { _ in rng.nextUnitFloat() }
        let same = Matrix(rows: 30, columns: 2, columnMajor: column + column)
        let h = Matrix(rows: 2, columns: 40, repeating: 1)
        var q = Matrix(rows: 2, columns: 2)
        q[0, 0] = 0.9; q[1, 0] = 0.1; q[0, 1] = 0.2; q[1, 1] = 0.8
        let result = NMFResult(basis: same, activations: h, iterations: 0, divergenceHistory: [])
        let first = SeparationRun(factorization: result, groups: [[0], [1]], seed: 0, channelGains: q)
        let second = SeparationRun(factorization: result, groups: [[1], [0]], seed: 1, channelGains: q)
        #expect(EnsembleAlignment.aligned(second, to: first).groups == [[0], [1]])
        // Without the gains the two sources look the same; with them a run matches itself best.
        let s = EnsembleAlignment.similarities(first, first)
        #expect(s[0][0] > s[0][1] + 0.1 && s[1][1] > s[1][0] + 0.1)
    }

    @Test func aSpatialEnsembleAveragesRunsThatEachHaveGains() throws {
        let (_, _, mix) = try speakers()
        var config = try configuration(spatial: true)
        config.ensembleSize = 2
        config.maxIterations = 40
        let (sources, report) = try Separator(configuration: config).separate(mix)
        #expect(report.runs.count == 2 && report.runs.allSatisfy { $0.channelGains?.rows == 2 })
        for c in 0..<2 {
            let worst = (0..<mix.frameCount).map { abs(sources[0].channels[c][$0] + sources[1].channels[c][$0] - mix.channels[c][$0]) }.max()!
            #expect(worst < 1e-4)
        }
    }

    @Test func aTrainedDictionaryLearnsWhereItsSourceIs() throws {
        // Templates trained on other words of the left speaker; the separation learns their gains
        // (left), keeps their spectra, and separates better than without the channel model.
        let stft = try STFTConfiguration(fftSize: 1024, hopLength: 256)
        let train = try TestSupport.read(TestSupport.audio("speech_libri_198_f.wav")).channels[0]
        let trainer = DictionaryTrainer(stft: stft, nmf: try NMFConfiguration(componentCount: 8, maxIterations: 60))
        let dictionary = try trainer.train([AudioBufferSource(AudioBuffer(channels: [Array(train[60_000..<160_000])], sampleRate: 16_000))]).0
        let (a, b, mix) = try speakers()
        let baseline = try BSSEval.evaluateMixture(references: [a, b], mixture: mix.channels).mean.sdr
        var improvement: [Double] = []
        for spatial in [false, true] {
            var config = try SeparationConfiguration(sourceCount: 2, componentCount: 12, stft: stft, maxIterations: 100, maskPower: 2,
                                                     threadCount: 2)
            config.fixedTemplates = [dictionary.basis]
            config.spatial = spatial
            let (sources, report) = try Separator(configuration: config).separate(mix)
            improvement.append(try BSSEval.evaluate(references: [a, b], estimates: sources.map(\.channels)).mean.sdr - baseline)
            for c in 0..<8 {
                let col = dictionary.basis.column(c), total = col.reduce(0, +)
                #expect(zip(col, report.factorization.basis.column(c)).map { abs($0 / total - $1) }.max()! < 1e-5)
            }
            if spatial {
                // The dictionary's share of the left channel, its components weighted by their energy (Σ_n H):
                // above ½ (it was held at ½ before the gains of fixed templates were learned; speech
                // templates also model some of the other voice), the free components' below
                // (measured: 0.571 and 0.355).
                let q = try #require(report.runs[0].channelGains), h = report.factorization.activations
                let energy = (0..<12).map { k in (0..<h.columns).reduce(Float(0)) { $0 + h[k, $1] } }
                let left = (0..<8).reduce(Float(0)) { $0 + q[0, $1] * energy[$1] } / energy[0..<8].reduce(0, +)
                let freeLeft = (8..<12).reduce(Float(0)) { $0 + q[0, $1] * energy[$1] } / energy[8..<12].reduce(0, +)
                #expect(left > 0.52 && left > freeLeft + 0.15, "left share: dictionary \(left), free components \(freeLeft)")
            }
        }
        // Measured: 2.37 dB without, 4.06 dB with the channel model.
        #expect(improvement[1] > improvement[0] + 1, "with dictionary: spatial \(improvement[1]) dB, without \(improvement[0]) dB")
    }
}
