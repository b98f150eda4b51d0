import CFFTW3
import DSPCore

/// Short-time Fourier transform and its least-squares inverse, with FFTW (float32).
///
/// Forward: frame `n` is `x[n·hop − N/2 ..< n·hop + N/2]` (zeros outside the signal)
/// times the window, transformed by an unnormalised real FFT. Inverse: weighted
/// overlap-add normalised by the sum of squared windows (Griffin & Lim 1984), which is
/// the least-squares signal for any hop at which the squared windows cover every sample
/// (every hop < N; for hop ≤ N/2 the round trip is exact to float precision).
///
/// One `STFT` owns work buffers and is not meant to be shared between threads; create
/// one per thread (the FFTW plan itself is shared and reused).
public final class STFT {
    /// The transform settings.
    public let configuration: STFTConfiguration
    /// The analysis and synthesis window (`fftSize` samples).
    public let window: [Float]
    let plan: FFTPlan
    let buffers: FFTBuffers

    /// Creates an STFT for the given settings.
    /// - Parameters:
    ///   - configuration: FFT size and hop.
    ///   - window: the window shape (periodic Hann by default).
    public init(configuration: STFTConfiguration, window: Window = .hann) {
        self.configuration = configuration
        self.window = window.samples(size: configuration.fftSize)
        plan = FFTPlanCache.shared.plan(size: configuration.fftSize)
        buffers = FFTBuffers(size: configuration.fftSize)
    }

    /// Transforms consecutive frames of a segment of samples.
    ///
    /// - Parameters:
    ///   - segment: samples where frame `i` starts at `segment[i · hop]`; must hold
    ///     `(frames − 1)·hop + fftSize` samples.
    ///   - frames: how many frames to compute.
    ///   - output: receives `frames × bins` interleaved complex values, frame by frame.
    /// - Complexity: O(frames · N log N).
    package func analyze(segment: UnsafePointer<Float>, frames: Int, into output: UnsafeMutablePointer<Float>) {
        let n = configuration.fftSize, hop = configuration.hopLength, bins = configuration.binCount
        let real = buffers.real, cplx = buffers.complexFloats
        window.withUnsafeBufferPointer { w in
            for i in 0..<frames {
                let src = segment + i * hop
                for j in 0..<n { real[j] = src[j] * w[j] }
                plan.forward(buffers)
                (output + 2 * bins * i).update(from: cplx, count: 2 * bins)
            }
        }
    }

    /// Inverse-transforms one frame, windows it and scales it by 1/N, ready for overlap-add.
    /// - Parameters:
    ///   - frame: `bins` interleaved complex values.
    ///   - output: receives `fftSize` samples.
    package func synthesize(frame: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        let n = configuration.fftSize, bins = configuration.binCount
        buffers.complexFloats.update(from: frame, count: 2 * bins)
        plan.inverse(buffers)
        let scale = 1 / Float(n)
        let real = buffers.real
        window.withUnsafeBufferPointer { w in
            for j in 0..<n { output[j] = real[j] * w[j] * scale }
        }
    }

    /// The STFT of a whole signal.
    /// - Parameter signal: the samples (at least one).
    /// - Returns: `bins × frames` complex values with `frames = configuration.frameCount(forSignalLength:)`.
    public func forward(_ signal: [Float]) -> ComplexSpectrogram {
        let frames = configuration.frameCount(forSignalLength: signal.count)
        var spec = ComplexSpectrogram(bins: configuration.binCount, frames: frames)
        let padded = paddedSegment(signal, firstFrame: 0, frames: frames)
        padded.withUnsafeBufferPointer { seg in
            spec.storage.withUnsafeMutableBufferPointer { analyze(segment: seg.baseAddress!, frames: frames, into: $0.baseAddress!) }
        }
        return spec
    }

    /// The least-squares inverse STFT, `length` samples long.
    /// - Parameters:
    ///   - spectrogram: `bins × frames` complex values.
    ///   - length: the length of the signal to return (the original signal's length), from 0 to
    ///     the end of the last frame, `frameStart(frames − 1) + fftSize` (0 without frames).
    /// - Throws: `SpectralError.shapeMismatch` when the bins differ from the settings' or the
    ///   storage does not hold `2 · bins · frames` values, `.invalidParameter` naming `length`
    ///   when it is out of range.
    public func inverse(_ spectrogram: ComplexSpectrogram, length: Int) throws -> [Float] {
        guard spectrogram.bins == configuration.binCount else {
            throw SpectralError.shapeMismatch("\(spectrogram.bins) bins, expected \(configuration.binCount)")
        }
        let expected = ComplexSpectrogram.storageCount(bins: spectrogram.bins, frames: spectrogram.frames)
        guard spectrogram.storage.count == expected else {
            throw SpectralError.shapeMismatch("storage holds \(spectrogram.storage.count) values, expected 2 × \(spectrogram.bins) bins × \(spectrogram.frames) frames")
        }
        let covered = spectrogram.frames > 0 ? configuration.frameStart(spectrogram.frames - 1) + configuration.fftSize : 0
        guard length >= 0, length <= covered else {
            throw SpectralError.invalidParameter(name: "length", value: "\(length)",
                                                allowed: "0 to \(covered), the end of the spectrogram's last frame")
        }
        let adder = OverlapAdder(configuration: configuration, window: window, signalLength: length, channels: 1)
        var frameSamples = [Float](repeating: 0, count: configuration.fftSize)
        spectrogram.storage.withUnsafeBufferPointer { s in
            for n in 0..<spectrogram.frames {
                frameSamples.withUnsafeMutableBufferPointer { synthesize(frame: s.baseAddress! + 2 * n * spectrogram.bins, into: $0.baseAddress!) }
                frameSamples.withUnsafeBufferPointer { adder.add(frame: n, channel: 0, samples: $0.baseAddress!) }
            }
        }
        var out = [[Float]](repeating: [Float](repeating: 0, count: length), count: 1)
        _ = adder.drain(upTo: length, into: &out, offset: 0)
        return out[0]
    }

    /// The samples frames `firstFrame ..< firstFrame + frames` need, with zeros outside the signal.
    func paddedSegment(_ signal: [Float], firstFrame: Int, frames: Int) -> [Float] {
        let start = configuration.frameStart(firstFrame)
        let count = (frames - 1) * configuration.hopLength + configuration.fftSize
        var seg = [Float](repeating: 0, count: count)
        let lo = max(0, start), hi = min(signal.count, start + count)
        if hi > lo { for t in lo..<hi { seg[t - start] = signal[t] } }
        return seg
    }
}

/// Shares one `FFTPlan` per transform size across the process.
final class FFTPlanCache: @unchecked Sendable {
    static let shared = FFTPlanCache()
    private var plans: [Int: FFTPlan] = [:]
    private let lock = PThreadLock()

    func plan(size: Int) -> FFTPlan {
        lock.withLock {
            if let p = plans[size] { return p }
            let p = FFTPlan(size: size)
            plans[size] = p
            return p
        }
    }
}
