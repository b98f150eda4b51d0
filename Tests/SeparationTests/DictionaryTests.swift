import Testing
import Foundation
import NMFSeparation
@testable import Separation
import _TestSupport

@Suite struct DictionaryTests {
    func sample() throws -> NMFDictionary {
        var g = SeededGenerator(seed: 3)
        var w = Matrix(rows: 513, columns: 4)
        for i in 0..<w.storage.count { w.storage[i] = g.nextUnitFloat() }
        return NMFDictionary(basis: w, sampleRate: 22050, stft: try STFTConfiguration(fftSize: 1024, hopLength: 256),
                             label: "speech", notes: ["trained_on": "a.wav, b.wav"])
    }

    /// Two dictionaries whose templates differ only in scale model the same source: a copy with
    /// its templates multiplied by 2 (or each by its own factor) is the same; one changed value,
    /// a template more or in another order is not.
    @Test func sameTemplatesAreRecognisedUpToScale() throws {
        let d = try sample()
        var scaled = d
        for c in 0..<d.basis.columns {
            for r in 0..<d.basis.rows { scaled.basis[r, c] = d.basis[r, c] * Float(c + 2) }
        }
        #expect(scaled.basis != d.basis && d.hasSameTemplates(as: scaled) && scaled.hasSameTemplates(as: d))
        var changed = d
        changed.basis[7, 2] += 0.1
        #expect(!d.hasSameTemplates(as: changed))
        let reordered = NMFDictionary(basis: d.basis.columns([1, 0, 2, 3]), sampleRate: d.sampleRate, stft: d.stft)
        #expect(!d.hasSameTemplates(as: reordered))
        let fewer = NMFDictionary(basis: d.basis.columns([0, 1, 2]), sampleRate: d.sampleRate, stft: d.stft)
        #expect(!d.hasSameTemplates(as: fewer))
        var zero = d
        for r in 0..<d.basis.rows { zero.basis[r, 1] = 0 }
        #expect(zero.hasSameTemplates(as: zero) && !zero.hasSameTemplates(as: d) && !d.hasSameTemplates(as: zero))
    }

    @Test func fileFormatRoundTrips() throws {
        let d = try sample()
        let data = d.encoded()
        #expect(data.prefix(8) == Data("NMFDICT\n".utf8))
        let back = try NMFDictionary.decode(data, path: "x.nmfdict")
        #expect(back.basis == d.basis && back.sampleRate == 22050 && back.stft == d.stft && back.label == "speech")
        #expect(back.notes["trained_on"] == "a.wav, b.wav")
        #expect(back == d, "a reloaded dictionary equals the one saved (the header's fixed fields are not notes)")
        let dir = try TestSupport.temporaryDirectory()
        try data.write(to: URL(fileURLWithPath: "\(dir)/d.nmfdict"))
        #expect(try NMFDictionary.read(path: "\(dir)/d.nmfdict") == back)
        // write(to:) round-trips too, and names the path when it cannot write.
        try d.write(to: "\(dir)/w.nmfdict")
        #expect(try NMFDictionary.read(path: "\(dir)/w.nmfdict") == d)
        #expect { try d.write(to: "\(dir)/missing/dir/x.nmfdict") } throws: { e in
            if case .cannotWrite(let path, _) = e as? DictionaryError { return path.hasSuffix("missing/dir/x.nmfdict") }
            return false
        }
    }

    @Test func mismatchedSettingsAreRefusedNamingBothValues() throws {
        let d = try sample()
        #expect(throws: DictionaryError.settingsMismatch(path: "d", setting: "sample rate", dictionary: "22050 Hz", input: "44100 Hz")) {
            try d.validate(path: "d", sampleRate: 44100, stft: d.stft)
        }
        #expect(throws: DictionaryError.settingsMismatch(path: "d", setting: "fft size", dictionary: "1024", input: "2048")) {
            try d.validate(path: "d", sampleRate: 22050, stft: STFTConfiguration(fftSize: 2048, hopLength: 256))
        }
        #expect(throws: DictionaryError.settingsMismatch(path: "d", setting: "hop", dictionary: "256", input: "512")) {
            try d.validate(path: "d", sampleRate: 22050, stft: STFTConfiguration(fftSize: 1024, hopLength: 512))
        }
        try d.validate(path: "d", sampleRate: 22050, stft: d.stft)
        // The sample rate is the input's: the message says what can be done about it.
        let rate = DictionaryError.settingsMismatch(path: "d", setting: "sample rate", dictionary: "22050 Hz", input: "44100 Hz").description
        #expect(rate.contains("resample the input to 22050 Hz, or retrain the dictionary on recordings at 44100 Hz"), "\(rate)")
    }

    @Test func damagedFilesAreRefused() throws {
        let data = try sample().encoded()
        #expect(throws: DictionaryError.notADictionary(path: "p")) { try NMFDictionary.decode(Data("RIFF....".utf8), path: "p") }
        #expect { try NMFDictionary.decode(data.prefix(data.count - 4), path: "p") } throws: { e in
            if case .corrupt = e as? DictionaryError { return true }
            return false
        }
        let headerEnd = data.dropFirst(8).firstIndex(of: 0x0A)!   // the header line, edited; the templates kept as bytes
        let hamming = Data(String(decoding: data[..<headerEnd], as: UTF8.self)
            .replacingOccurrences(of: "\"window\":\"hann\"", with: "\"window\":\"hamming\"").utf8) + data[headerEnd...]
        #expect { try NMFDictionary.decode(hamming, path: "p") } throws: { e in
            if case .corrupt(_, let reason) = e as? DictionaryError { return reason.contains("hamming") }
            return false
        }
        let v2 = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"version\":1", with: "\"version\":2").utf8)
        #expect { try NMFDictionary.decode(v2, path: "p") } throws: { e in
            if case .unsupportedVersion = e as? DictionaryError { return true }
            return false
        }
    }

    @Test func supervisedSeparationKeepsTemplatesFixedAndSeparates() throws {
        let stft = try STFTConfiguration(fftSize: 1024, hopLength: 256)
        let speech = try TestSupport.read(TestSupport.audio("speech_sms_male.wav")).channels[0]
        let piano = try TestSupport.read(TestSupport.audio("piano_sms.wav")).channels[0]
        let train = 100_000, test = 60_000
        let trainer = DictionaryTrainer(stft: stft, nmf: try NMFConfiguration(componentCount: 12, maxIterations: 60))
        let rate = 44100
        let dSpeech = try trainer.train([AudioBufferSource(AudioBuffer(channels: [Array(speech[test..<(test + train)])], sampleRate: rate))]).0
        let dPiano = try trainer.train([AudioBufferSource(AudioBuffer(channels: [Array(piano[test..<(test + train)])], sampleRate: rate))]).0
        let a = Array(speech[0..<test]), b = Array(piano[0..<test])
        let mix = AudioBuffer(channels: [zip(a, b).map(+)], sampleRate: rate)
        var config = try SeparationConfiguration(sourceCount: 2, componentCount: 24, stft: stft, maxIterations: 60)
        config.fixedTemplates = [dSpeech.basis, dPiano.basis]
        let (sources, report) = try Separator(configuration: config).separate(mix)
        #expect(report.groups == [Array(0..<12), Array(12..<24)])
        for c in 0..<24 {
            let expected = c < 12 ? dSpeech.basis.column(c) : dPiano.basis.column(c - 12)
            let got = report.factorization.basis.column(c)
            #expect(zip(expected, got).map { abs($0 - $1) }.max()! < 1e-6)
        }
        let scores = try BSSEval.evaluate(references: [a, b], estimates: sources.map { $0.channels[0] })
        let baseline = try BSSEval.evaluateMixture(references: [a, b], mixture: mix.channels[0])
        #expect(scores.permutation == [0, 1])
        #expect(scores.mean.sdr - baseline.mean.sdr > 1)
    }
}

@Suite struct GroupingTests {
    @Test func kMeansSeparatesObviousClustersDeterministically() {
        var g = SeededGenerator(seed: 1)
        let points = (0..<30).map { i -> [Float] in
            let c: Float = i < 10 ? 0 : (i < 20 ? 10 : 20)
            return [c + g.nextUnitFloat(), c - g.nextUnitFloat()]
        }
        let a = KMeans.cluster(points, k: 3, seed: 5)
        #expect(a == KMeans.cluster(points, k: 3, seed: 5))
        for block in [0..<10, 10..<20, 20..<30] { #expect(Set(block.map { a[$0] }).count == 1) }
        #expect(Set(a).count == 3)
    }

    @Test(arguments: GroupingMethod.allCases)
    func groupingCoversEveryComponentOnceAndIsDeterministic(method: GroupingMethod) throws {
        var g = SeededGenerator(seed: 2)
        var w = Matrix(rows: 257, columns: 9), h = Matrix(rows: 9, columns: 400)
        for i in 0..<w.storage.count { w.storage[i] = g.nextUnitFloat() }
        for i in 0..<h.storage.count { h.storage[i] = g.nextUnitFloat() }
        let groups = try ComponentGrouping.group(method: method, basis: w, activations: h, sources: 3, sampleRate: 16000, seed: 7)
        #expect(groups.count == 3 && groups.allSatisfy { !$0.isEmpty })
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<9))
        #expect(try groups == ComponentGrouping.group(method: method, basis: w, activations: h, sources: 3, sampleRate: 16000, seed: 7))
    }

    @Test func minimumShareRepairsADegenerateClustering() {
        // Component 3 is far from the others in feature space but holds almost no energy:
        // plain k-means isolates it; the repair gives its cluster at least the minimum share.
        let features: [[Float]] = [[0, 0], [0.1, 0], [0.2, 0], [10, 10]]
        let energy = [0.4, 0.3, 0.29, 0.01]
        let labels = [0, 0, 0, 1]
        let fixed = ComponentGrouping.enforceMinimumShare(labels, features: features, energy: energy, clusters: 2, minimumShare: 0.2)
        var share = [0.0, 0.0]
        for (i, l) in fixed.enumerated() { share[l] += energy[i] }
        #expect(share.allSatisfy { $0 >= 0.2 })
        #expect(fixed == ComponentGrouping.enforceMinimumShare(labels, features: features, energy: energy, clusters: 2, minimumShare: 0.2))
        // Already balanced: unchanged.
        #expect(ComponentGrouping.enforceMinimumShare([0, 0, 1, 1], features: features, energy: [0.3, 0.2, 0.3, 0.2],
                                                      clusters: 2, minimumShare: 0.2) == [0, 0, 1, 1])
    }
}

/// `sourceContinuity` and `sourceSparsity`: one penalty weight per dictionary source, then one for the free components.
@Suite struct SourcePenaltyTests {
    static func templates(_ columns: Int, seed: UInt64, bins: Int = 257) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var m = Matrix(rows: bins, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = 0.01 + g.nextUnitFloat() }
        return m
    }

    /// A tone switching between loud and quiet over noise, 16 kHz (stereo: the tone panned left).
    static func mixture(seconds: Double = 1.5, channels: Int = 1) -> AudioBuffer {
        var g = SeededGenerator(seed: 3)
        let n = Int(16_000 * seconds)
        var x = [Float](repeating: 0, count: n), y = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let level: Float = i / 2000 % 2 == 0 ? 0.8 : 0.1
            let tone = Float(sin(Double(i) * 0.07)) * level
            let noise: Float = 0.2 * (g.nextUnitFloat() - 0.5)
            x[i] = tone + noise
            y[i] = 0.3 * tone + noise
        }
        return AudioBuffer(channels: channels == 1 ? [x] : [x, y], sampleRate: 16_000)
    }

    /// Two dictionaries (2 and 3 templates) and `free` learned components for `freeSources` more sources.
    static func configuration(free: Int, freeSources: Int = 1, iterations: Int = 40) throws -> SeparationConfiguration {
        var config = try SeparationConfiguration(sourceCount: 2 + (free > 0 ? freeSources : 0), componentCount: 5 + free,
                                                 stft: STFTConfiguration(fftSize: 512, hopLength: 128), maxIterations: iterations)
        config.fixedTemplates = [templates(2, seed: 1), templates(3, seed: 2)]
        return config
    }

    @Test func weightsGoToTheComponentsOfTheirSource() throws {
        var config = try Self.configuration(free: 4)
        #expect(config.sourceWeightCount == 3 && config.componentWeights(config.sourceContinuity).isEmpty)
        config.sourceContinuity = [0, 1, 0.5]
        #expect(config.componentWeights(config.sourceContinuity) == [0, 0, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])
        // Several free sources share the last weight: they are only told apart after the factorization.
        var twoFree = try Self.configuration(free: 6, freeSources: 2)
        #expect(twoFree.sourceWeightCount == 3)
        twoFree.sourceSparsity = [0.1, 0, 0.2]
        #expect(twoFree.componentWeights(twoFree.sourceSparsity) == [0.1, 0.1, 0, 0, 0] + [Float](repeating: 0.2, count: 6))
        var fixedOnly = try Self.configuration(free: 0)
        #expect(fixedOnly.sourceWeightCount == 2)
        fixedOnly.sourceSparsity = [0.1, 0]
        #expect(fixedOnly.componentWeights(fixedOnly.sourceSparsity) == [0.1, 0.1, 0, 0, 0])
        let unsupervised = try SeparationConfiguration(sourceCount: 2, componentCount: 4, stft: STFTConfiguration(fftSize: 512, hopLength: 128))
        #expect(unsupervised.sourceWeightCount == 0)
    }

    @Test func aWeightOnOneDictionarySmoothsItsActivationsMost() throws {
        var config = try Self.configuration(free: 0)
        let plain = try Separator(configuration: config).separate(Self.mixture()).report.factorization.activations
        config.sourceContinuity = [0, 20]
        let smoothed = try Separator(configuration: config).separate(Self.mixture()).report.factorization.activations
        let weighted = TestSupport.roughness(smoothed, rows: 2..<5) / TestSupport.roughness(plain, rows: 2..<5)
        let others = TestSupport.roughness(smoothed, rows: 0..<2) / TestSupport.roughness(plain, rows: 0..<2)
        #expect(weighted < 0.5 && weighted < 0.5 * others, "roughness ratios: weighted \(weighted), others \(others)")
        #expect(smoothed.storage.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    /// The same weight given per source or shared gives the same bits, also with `--spatial`,
    /// an ensemble and any thread count.
    @Test(arguments: [(false, 1), (true, 1), (false, 2)])
    func perSourceWeightsEqualToTheSharedOnesGiveTheSameBits(spatial: Bool, ensemble: Int) throws {
        var shared = try Self.configuration(free: 3, iterations: 15)
        shared.spatial = spatial
        shared.ensembleSize = ensemble
        var perSource = shared
        shared.continuity = 0.4
        shared.sparsity = 0.05
        perSource.sourceContinuity = [0.4, 0.4, 0.4]
        perSource.sourceSparsity = [0.05, 0.05, 0.05]
        let mix = Self.mixture(seconds: 1, channels: spatial ? 2 : 1)
        let a = try Separator(configuration: shared).separate(mix), b = try Separator(configuration: perSource).separate(mix)
        #expect(a.sources.map(\.channels) == b.sources.map(\.channels))
        #expect(a.report.factorization.activations == b.report.factorization.activations)
    }

    @Test func mixedWeightsGiveTheSameBitsWithAnyThreadCount() throws {
        var outputs: [Matrix] = []
        for threads in [1, 2, 4] {
            var config = try Self.configuration(free: 3, iterations: 15)
            config.threadCount = threads
            config.sourceContinuity = [0, 0.5, 0.1]
            config.sourceSparsity = [0.2, 0, 0]
            outputs.append(try Separator(configuration: config).separate(Self.mixture(seconds: 1)).report.factorization.activations)
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
    }

    @Test func listsThatDoNotFitAreRefusedNamingTheOptionAndTheWeights() throws {
        func message(_ config: SeparationConfiguration) -> String {
            do {
                _ = try Separator(configuration: config).separate(Self.mixture(seconds: 0.5))
                return "accepted"
            } catch {
                return (error as? SeparationError)?.description ?? "not a SeparationError: \(error)"
            }
        }
        var config = try Self.configuration(free: 4)
        config.sourceContinuity = [0, 1]
        #expect(message(config) == "--continuity 0,1 is out of range (allowed: one weight, or 3: one per dictionary and one for the free components)")
        var fixedOnly = try Self.configuration(free: 0)
        fixedOnly.sourceContinuity = [0, 1, 1]
        #expect(message(fixedOnly) == "--continuity 0,1,1 is out of range (allowed: one weight, or 2: one per dictionary)")
        fixedOnly.sourceContinuity = []
        fixedOnly.sourceSparsity = [0.1, -1]
        #expect(message(fixedOnly) == "--sparsity 0.1,-1 is out of range (allowed: weights ≥ 0; weight 2 is -1.0)")
        fixedOnly.sourceSparsity = [0.1, 0]
        fixedOnly.divergence = .euclidean
        #expect(message(fixedOnly).hasPrefix("--sparsity 0.1,0 is out of range (allowed: 0 with --divergence euclidean"))
        var unsupervised = try SeparationConfiguration(sourceCount: 2, componentCount: 4, stft: STFTConfiguration(fftSize: 512, hopLength: 128))
        unsupervised.sourceContinuity = [0, 1]
        #expect(message(unsupervised).hasPrefix("--continuity 0,1 is out of range (allowed: one weight; a weight per source needs dictionaries"))
    }
}
