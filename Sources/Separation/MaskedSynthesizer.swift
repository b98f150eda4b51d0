import DSPCore
import Spectral
import Dispatch

/// The second pass of the separation: re-reads the mixture chunk by chunk, masks every
/// channel's complex STFT with each source's soft mask, and resynthesises each source by
/// least-squares overlap-add, writing finished samples to the sinks as it goes.
///
/// With several runs (an ensemble) each source's mask is the mean of the runs' masks, whose
/// groups are already in the same source order. Runs with channel gains (a spatial
/// separation) give every channel its own masks, from that channel's models.
struct MaskedSynthesizer {
    let configuration: SeparationConfiguration
    let runs: [SeparationRun]
    /// The first run's groups (every run has as many sources).
    var groups: [[Int]] { runs[0].groups }

    func run(source: SampleSource, sinks: [SampleSink], timings: inout StageTimings,
             progress: (Double) -> Bool) throws {
        let stft = configuration.stft
        let bins = stft.binCount, hop = stft.hopLength
        let frames = stft.frameCount(forSignalLength: source.frameCount)
        let channels = source.channelCount
        let sources = groups.count
        let chunk = configuration.chunkFrames
        let threads = max(1, configuration.threadCount)
        let analysis = (0..<threads).map { _ in STFT(configuration: stft) }
        // One inverse transform and one overlap-add per (source, channel) pair, so that the
        // S·C resyntheses spread evenly over the threads (S alone, e.g. 3 on 2 threads, does not).
        let synthesis = (0..<(sources * channels)).map { _ in STFT(configuration: stft) }
        let window = analysis[0].window
        let adders = (0..<(sources * channels)).map { _ in
            OverlapAdder(configuration: stft, window: window, signalLength: source.frameCount, channels: 1)
        }
        var segment = [[Float]](repeating: [], count: channels)
        var spectra = [[Float]](repeating: [Float](repeating: 0, count: 2 * bins * chunk), count: channels)
        // One set of masks for all channels, or one per channel (spatial).
        let maskChannels = runs[0].channelGains == nil ? 1 : channels
        var masks = [Float](repeating: 0, count: maskChannels * sources * bins * chunk)
        var output = [[[Float]]](repeating: [[Float]](repeating: [], count: channels), count: sources)
        var written = 0
        var n0 = 0
        while n0 < frames {
            let count = min(chunk, frames - n0)
            let segmentLength = (count - 1) * hop + stft.fftSize
            var t0 = DispatchTime.now().uptimeNanoseconds
            try source.checkedRead(start: stft.frameStart(n0), count: segmentLength, into: &segment)
            var t1 = DispatchTime.now().uptimeNanoseconds
            timings.read += Double(t1 - t0) * 1e-9
            t0 = t1
            Self.analyze(segment, frames: count, into: &spectra, with: analysis, bins: bins, hop: hop)
            t1 = DispatchTime.now().uptimeNanoseconds
            timings.stft += Double(t1 - t0) * 1e-9
            t0 = t1
            for c in 0..<maskChannels {
                computeMasks(firstFrame: n0, count: count, bins: bins, stride: bins * chunk, channel: maskChannels > 1 ? c : nil,
                             threads: threads, into: &masks)
            }
            resynthesize(firstFrame: n0, count: count, bins: bins, channels: channels, spectra: spectra, masks: masks, stride: bins * chunk,
                         perChannelMasks: maskChannels > 1, synthesis: synthesis, adders: adders, threads: threads)
            let end = n0 + count < frames ? stft.frameStart(n0 + count) : source.frameCount
            let drained = Self.drain(adders, upTo: end, channels: channels, into: &output)
            t1 = DispatchTime.now().uptimeNanoseconds
            timings.masksAndInverse += Double(t1 - t0) * 1e-9
            t0 = t1
            if drained > 0 {
                try Self.write(output, count: drained, to: sinks, threads: threads)
                written += drained
            }
            t1 = DispatchTime.now().uptimeNanoseconds
            timings.write += Double(t1 - t0) * 1e-9
            n0 += count
            if !progress(Double(n0) / Double(frames)) { throw SeparationError.cancelled }
        }
        precondition(written == source.frameCount, "overlap-add emitted \(written) of \(source.frameCount) samples")
    }

    /// The complex spectra of `frames` frames of every channel of `segment` into `spectra[c]`
    /// (interleaved re/im, `bins` per frame), the frames split over the `analysis` transforms.
    static func analyze(_ segment: [[Float]], frames count: Int, into spectra: inout [[Float]], with analysis: [STFT],
                        bins: Int, hop: Int) {
        let threads = analysis.count
        for c in segment.indices {
            segment[c].withUnsafeBufferPointer { seg in
                spectra[c].withUnsafeMutableBufferPointer { spec in
                    let segBase = seg.baseAddress!, specBase = spec.baseAddress!
                    Parallel.forEachBlock(threads, threads: threads) { b in
                        let r = Parallel.blockRange(b, of: threads, count: count)
                        if r.isEmpty { return }
                        analysis[b].analyze(segment: segBase + r.lowerBound * hop, frames: r.count,
                                            into: specBase + 2 * bins * r.lowerBound)
                    }
                }
            }
        }
    }

    /// Moves the finished samples (up to `end`) of every (source, channel) overlap-add into
    /// `output[s][c]`, growing it as needed; returns how many samples each now holds.
    static func drain(_ adders: [OverlapAdder], upTo end: Int, channels: Int, into output: inout [[[Float]]]) -> Int {
        var drained = 0
        for s in output.indices {
            for c in 0..<channels {
                let adder = adders[s * channels + c]
                let need = max(0, end - adder.drainedLength)
                if output[s][c].count < need { output[s][c] = [Float](repeating: 0, count: need) }
                drained = adder.drain(upTo: end, into: &output[s], offset: 0, firstChannel: c)
            }
        }
        return drained
    }

    /// Masks of the frames `firstFrame ..< firstFrame + count`: `masks[(c·S + s)·stride + i·bins + f]`,
    /// the mean over the runs (in run order) when there are several; `channel` c selects the
    /// runs' gains of that channel (`nil`: no gains, c = 0).
    func computeMasks(firstFrame: Int, count: Int, bins: Int, stride: Int, channel: Int?, threads: Int, into masks: inout [Float]) {
        let sources = groups.count, power = configuration.maskPower, runs = self.runs
        let scale = 1 / Float(runs.count)
        let offset = (channel ?? 0) * sources * stride
        // Each run's gains of this channel, K values.
        let gains: [[Float]]? = channel.map { c in
            runs.map { run in
                guard let q = run.channelGains else { return [] }
                return (0..<q.columns).map { q[c, $0] }
            }
        }
        masks.withUnsafeMutableBufferPointer { mp in
            let maskBase = mp.baseAddress!
            Parallel.forEachBlock(threads, threads: threads) { b in
                let r = Parallel.blockRange(b, of: threads, count: count)
                if r.isEmpty { return }
                let models = (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
                let scratch = runs.count > 1 ? (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) } : []
                defer { (models + scratch).forEach { $0.deallocate() } }
                for i in r {
                    let target = (0..<sources).map { maskBase + offset + $0 * stride + i * bins }
                    for (index, run) in runs.enumerated() {
                        let k = run.factorization.activations.rows
                        run.factorization.basis.storage.withUnsafeBufferPointer { wp in
                            run.factorization.activations.storage.withUnsafeBufferPointer { hp in
                                let h = hp.baseAddress! + (firstFrame + i) * k
                                if let g = gains?[index], !g.isEmpty {
                                    g.withUnsafeBufferPointer {
                                        SoftMask.models(basis: wp.baseAddress!, bins: bins, activations: h, groups: run.groups,
                                                        gains: $0.baseAddress!, into: models)
                                    }
                                } else {
                                    SoftMask.models(basis: wp.baseAddress!, bins: bins, activations: h, groups: run.groups, into: models)
                                }
                            }
                        }
                        // The first run's masks go straight to the output; later runs' are added to them.
                        SoftMask.compute(models: models.map { UnsafePointer($0) }, bins: bins, power: power,
                                         into: index == 0 ? target : scratch)
                        if index > 0 { for s in 0..<sources { for f in 0..<bins { target[s][f] += scratch[s][f] } } }
                    }
                    if runs.count > 1 { for s in 0..<sources { for f in 0..<bins { target[s][f] *= scale } } }
                }
            }
        }
    }

    /// Writes `count` samples of every source, the sinks (distinct files) in parallel.
    static func write(_ output: [[[Float]]], count: Int, to sinks: [SampleSink], threads: Int) throws {
        var failures = [(any Error)?](repeating: nil, count: sinks.count)
        failures.withUnsafeMutableBufferPointer { fp in
            let failed = fp.baseAddress!
            Parallel.forEachBlock(sinks.count, threads: threads) { s in
                do { try sinks[s].write(output[s], offset: 0, count: count) } catch { failed[s] = error }
            }
        }
        if let first = failures.compactMap({ $0 }).first { throw first }
    }

    /// Applies each source's masks to every channel's spectrum and overlap-adds the frames;
    /// `synthesis` and `adders` hold one entry per (source, channel) pair, source-major;
    /// `perChannelMasks`: channel c uses the c-th set of masks, otherwise all use the first.
    func resynthesize(firstFrame: Int, count: Int, bins: Int, channels: Int, spectra: [[Float]], masks: [Float], stride: Int,
                      perChannelMasks: Bool, synthesis: [STFT], adders: [OverlapAdder], threads: Int) {
        let sources = groups.count
        let fftSize = configuration.stft.fftSize
        Parallel.forEachBlock(groups.count * channels, threads: threads) { pair in
            let s = pair / channels, c = pair % channels
            var masked = [Float](repeating: 0, count: 2 * bins)
            var frame = [Float](repeating: 0, count: fftSize)
            masks.withUnsafeBufferPointer { allMasks in
                let set = (perChannelMasks ? c * sources : 0) + s
                let mp = UnsafeBufferPointer(rebasing: allMasks[(set * stride)..<((set + 1) * stride)])
                for i in 0..<count {
                    spectra[c].withUnsafeBufferPointer { xp in
                        let x = xp.baseAddress! + 2 * bins * i, m = mp.baseAddress! + bins * i
                        for f in 0..<bins {
                            masked[2 * f] = x[2 * f] * m[f]
                            masked[2 * f + 1] = x[2 * f + 1] * m[f]
                        }
                    }
                    masked.withUnsafeBufferPointer { mk in
                        frame.withUnsafeMutableBufferPointer { synthesis[pair].synthesize(frame: mk.baseAddress!, into: $0.baseAddress!) }
                    }
                    frame.withUnsafeBufferPointer { adders[pair].add(frame: firstFrame + i, channel: 0, samples: $0.baseAddress!) }
                }
            }
        }
    }
}
