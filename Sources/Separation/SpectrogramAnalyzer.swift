import DSPCore
import Spectral
import Dispatch

/// Builds the magnitude spectrogram V (bins × frames) of a multichannel source, streaming
/// over chunks of frames: V(f, n) = (1/C) Σ_c |X_c(f, n)|, the mean of the channels'
/// magnitudes, so one model describes all channels; or, with `stacked`, every channel's
/// magnitudes one above the other, V(c·F + f, n) = |X_c(f, n)| (C·F × frames, for a spatial
/// factorization).
struct SpectrogramAnalyzer {
    let configuration: STFTConfiguration
    let chunkFrames: Int
    let threads: Int
    /// Stack the channels' magnitudes instead of averaging them.
    var stacked = false

    /// Reads `source` once and returns V (bins × frames), column-major (frame after frame).
    func magnitude(of source: SampleSource, timings: inout StageTimings,
                   progress: (Double) -> Bool) throws -> Matrix {
        let frames = configuration.frameCount(forSignalLength: source.frameCount)
        let bins = configuration.binCount
        let channels = source.channelCount
        let blocks = stacked ? channels : 1
        var v = Matrix(rows: bins * blocks, columns: frames)
        let workers = max(1, threads)
        let stfts = (0..<workers).map { _ in STFT(configuration: configuration) }
        var segment = [[Float]](repeating: [], count: source.channelCount)
        var spectra = [[Float]](repeating: [], count: source.channelCount)
        let scale = stacked ? 1 : 1 / Float(channels)
        var n0 = 0
        while n0 < frames {
            let count = min(chunkFrames, frames - n0)
            let segmentLength = (count - 1) * configuration.hopLength + configuration.fftSize
            var t0 = DispatchTime.now().uptimeNanoseconds
            try source.checkedRead(start: configuration.frameStart(n0), count: segmentLength, into: &segment)
            var t1 = DispatchTime.now().uptimeNanoseconds
            timings.read += Double(t1 - t0) * 1e-9
            t0 = t1
            for c in 0..<channels where spectra[c].count < 2 * bins * count {
                spectra[c] = [Float](repeating: 0, count: 2 * bins * chunkFrames)
            }
            v.storage.withUnsafeMutableBufferPointer { vp in
                let vBase = vp.baseAddress! + n0 * bins * blocks
                for c in 0..<channels {
                    segment[c].withUnsafeBufferPointer { seg in
                        spectra[c].withUnsafeMutableBufferPointer { spec in
                            let segBase = seg.baseAddress!, specBase = spec.baseAddress!
                            let hop = configuration.hopLength
                            Parallel.forEachBlock(workers, threads: workers) { b in
                                let r = Parallel.blockRange(b, of: workers, count: count)
                                if r.isEmpty { return }
                                stfts[b].analyze(segment: segBase + r.lowerBound * hop, frames: r.count,
                                                 into: specBase + 2 * bins * r.lowerBound)
                                for i in r {
                                    let x = specBase + 2 * bins * i
                                    let out = vBase + i * bins * blocks + (stacked ? c * bins : 0)
                                    let first = c == 0 || stacked
                                    for f in 0..<bins {
                                        let re = x[2 * f], im = x[2 * f + 1]
                                        let m = (re * re + im * im).squareRoot() * scale
                                        out[f] = first ? m : out[f] + m
                                    }
                                }
                            }
                        }
                    }
                }
            }
            t1 = DispatchTime.now().uptimeNanoseconds
            timings.stft += Double(t1 - t0) * 1e-9
            n0 += count
            if !progress(Double(n0) / Double(frames)) { throw SeparationError.cancelled }
        }
        return v
    }
}
