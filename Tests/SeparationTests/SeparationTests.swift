import Testing
import Foundation
import NMFSeparation
import _TestSupport

@Suite struct SoftMaskTests {
    func masks(_ models: [[Float]], power: Float) -> [[Float]] {
        let bins = models[0].count
        var out = models.map { _ in [Float](repeating: -1, count: bins) }
        let inPtrs = models.map { m -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: bins); p.initialize(from: m, count: bins); return p
        }
        let outPtrs = models.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
        SoftMask.compute(models: inPtrs.map { UnsafePointer($0) }, bins: bins, power: power, into: outPtrs)
        for s in 0..<models.count { out[s] = Array(UnsafeBufferPointer(start: outPtrs[s], count: bins)) }
        (inPtrs + outPtrs).forEach { $0.deallocate() }
        return out
    }

    @Test(arguments: [Float(1), 1.5, 2])
    func masksLieInUnitIntervalAndSumToOne(power: Float) {
        let models: [[Float]] = [[0, 1, 2, 1e-30, 3e30, 0.5], [0, 3, 2, 0, 1e30, Float.leastNonzeroMagnitude], [0, 0, 2, 0, 0, 7]]
        let m = masks(models, power: power)
        for f in 0..<6 {
            let total = m.reduce(0) { $0 + $1[f] }
            #expect(abs(total - 1) < 1e-6)
            #expect(m.allSatisfy { $0[f] >= 0 && $0[f] <= 1 && $0[f].isFinite })
        }
        #expect(abs(m[0][0] - 1.0 / 3) < 1e-7)       // all-zero bin split evenly
        #expect(abs(m[0][1] - 1 / (1 + powf(3, power))) < 1e-6)
    }
}

@Suite struct SeparatorTests {
    func mix(_ a: AudioBuffer, _ b: AudioBuffer) -> AudioBuffer {
        let n = min(a.frameCount, b.frameCount)
        return AudioBuffer(channels: zip(a.channels, b.channels).map { x, y in (0..<n).map { x[$0] + y[$0] } }, sampleRate: a.sampleRate)
    }

    func configuration(sources: Int, iterations: Int = 40, seed: UInt64 = 0, threads: Int = 2) throws -> SeparationConfiguration {
        try SeparationConfiguration(sourceCount: sources, stft: STFTConfiguration(fftSize: 1024), maxIterations: iterations,
                                    seed: seed, threadCount: threads, chunkFrames: 37)
    }

    @Test func sourcesSumBackToTheMixtureAndKeepItsLength() throws {
        let a = try TestSupport.excerpt("speech_sms_male.wav", frames: 100_003)
        let b = try TestSupport.excerpt("piano_sms.wav", frames: 100_003)
        let m = mix(a, b)
        let (sources, report) = try Separator(configuration: configuration(sources: 3)).separate(m)
        #expect(sources.count == 3)
        #expect(report.groups.map(\.count) == [1, 1, 1] && report.groups.flatMap { $0 }.sorted() == [0, 1, 2])
        for s in sources { #expect(s.frameCount == m.frameCount && s.channelCount == 1 && s.sampleRate == m.sampleRate) }
        let peak = TestSupport.peak(m.channels[0])
        let err = (0..<m.frameCount).map { t in abs(sources.reduce(0) { $0 + $1.channels[0][t] } - m.channels[0][t]) }.max()!
        #expect(err < 1e-4 * peak)
    }

    /// Chunks are a memory matter only: the sources are the same bits whatever their size, so
    /// the default may shrink them for long hops (512 frames of hop 16384 held 190 s of audio a
    /// chunk in every one of six buffers per source and channel).
    @Test func chunkSizeLeavesTheSourcesBitForBit() throws {
        let m = mix(try TestSupport.excerpt("speech_sms_male.wav", frames: 60_000), try TestSupport.excerpt("piano_sms.wav", frames: 60_000))
        let stft = try STFTConfiguration(fftSize: 1024)
        var outputs: [[[Float]]] = []
        for chunk in [nil, 37, 1] as [Int?] {
            let c = try SeparationConfiguration(sourceCount: 2, componentCount: 4, stft: stft, maxIterations: 20, chunkFrames: chunk)
            outputs.append(try Separator(configuration: c).separate(m).0.map { $0.channels[0] })
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
        #expect(SeparationConfiguration.defaultChunkFrames(hop: 512) == 512 && SeparationConfiguration.defaultChunkFrames(hop: 16384) == 64
                && SeparationConfiguration.defaultChunkFrames(hop: 49152) == 21 && SeparationConfiguration.defaultChunkFrames(hop: 1 << 20) == 16)
        var later = try SeparationConfiguration(sourceCount: 2, stft: STFTConfiguration(fftSize: 2048))
        #expect(later.chunkFrames == 512)
        later.stft = try STFTConfiguration(fftSize: 65536)   // the default follows the hop set afterwards
        #expect(later.chunkFrames == 64)
        later.chunkFrames = 100
        later.stft = try STFTConfiguration(fftSize: 1024)
        #expect(later.chunkFrames == 100)
    }

    @Test func stereoStaysStereoAndSumsBack() throws {
        let g = try TestSupport.read(TestSupport.audio("guitar_sonicpi_e_fifths.wav"))
        let left = Array(g.channels[0].prefix(80_000))
        let right = Array(try TestSupport.excerpt("drums_sonicpi_safari.wav", frames: 80_000).channels[0])
        let m = AudioBuffer(channels: [left, zip(left, right).map { 0.3 * $0 + $1 }], sampleRate: g.sampleRate)
        let (sources, _) = try Separator(configuration: configuration(sources: 2)).separate(m)
        for s in sources { #expect(s.channelCount == 2 && s.frameCount == 80_000) }
        let peak = max(TestSupport.peak(m.channels[0]), TestSupport.peak(m.channels[1]))
        for c in 0..<2 {
            let err = (0..<80_000).map { abs(sources[0].channels[c][$0] + sources[1].channels[c][$0] - m.channels[c][$0]) }.max()!
            #expect(err < 1e-4 * peak)
        }
        // Channels differ, so the sources must too (masks applied per channel, not a mono downmix).
        #expect(sources[0].channels[0] != sources[0].channels[1])
    }

    @Test func sameSeedGivesIdenticalOutputWhateverTheThreads() throws {
        let m = try TestSupport.excerpt("sax_sms_phrase.wav", frames: 60_000)
        let a = try Separator(configuration: configuration(sources: 2, seed: 11, threads: 1)).separate(m).sources
        let b = try Separator(configuration: configuration(sources: 2, seed: 11, threads: 2)).separate(m).sources
        let c = try Separator(configuration: configuration(sources: 2, seed: 12, threads: 2)).separate(m).sources
        #expect(a == b)
        #expect(a != c)
    }

    @Test func silentInputGivesSilentSources() throws {
        let m = AudioBuffer(channels: [[Float](repeating: 0, count: 20_000)], sampleRate: 16000)
        let (sources, _) = try Separator(configuration: configuration(sources: 2)).separate(m)
        for s in sources { #expect(s.channels[0].allSatisfy { $0 == 0 }) }
    }

    @Test func tooShortInputIsRefused() throws {
        let m = AudioBuffer(channels: [[Float](repeating: 0.1, count: 1000)], sampleRate: 16000)
        #expect(throws: SeparationError.tooShort(frames: 1000, fftSize: 1024)) {
            try Separator(configuration: configuration(sources: 2)).separate(m)
        }
    }

    @Test func separatesTwoDifferentSoundsBetterThanTheMixture() throws {
        // Two tones with different pitches and on/off times: one component each is enough.
        let sr = 16000
        var a = TestSupport.tone(frequency: 440, sampleRate: sr, seconds: 2)
        var b = TestSupport.tone(frequency: 1250, sampleRate: sr, seconds: 2)
        for t in 0..<a.count where (t / 4000) % 2 == 0 { a[t] = 0 }
        for t in 0..<b.count where (t / 6000) % 2 == 1 { b[t] = 0 }
        let m = AudioBuffer(channels: [zip(a, b).map(+)], sampleRate: sr)
        let (sources, _) = try Separator(configuration: configuration(sources: 2, iterations: 100)).separate(m)
        func snr(_ ref: [Float], _ est: [Float]) -> Double {
            let s = ref.reduce(0.0) { $0 + Double($1 * $1) }
            let e = zip(ref, est).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            return 10 * log10(s / e)
        }
        let direct = snr(a, sources[0].channels[0]) + snr(b, sources[1].channels[0])
        let swapped = snr(a, sources[1].channels[0]) + snr(b, sources[0].channels[0])
        #expect(max(direct, swapped) / 2 > 15)
    }
}
