import DSPCore

/// Streaming least-squares overlap-add: accumulates windowed frames and emits finished
/// samples, `y[t] = Σₙ w[t − sₙ]·yₙ[t − sₙ] / Σₙ w²[t − sₙ]` (Griffin & Lim 1984).
///
/// Frames must be added in increasing order; samples before the start of the next frame
/// to come are final and can be drained, so memory stays proportional to one chunk of
/// frames however long the signal is.
package final class OverlapAdder {
    let configuration: STFTConfiguration
    let squaredWindow: [Float]
    /// Length of the signal being reconstructed.
    package let signalLength: Int
    /// Number of channels reconstructed together (they share the weights).
    package let channels: Int
    private var base = 0
    private var accumulators: [[Float]]
    private var weights: [Float]
    private var lastWeightedFrame = -1

    /// Creates an empty overlap-add for a signal of `signalLength` samples and `channels` channels.
    /// - Parameters:
    ///   - configuration: FFT size and hop of the frames to be added.
    ///   - window: the synthesis window, exactly `configuration.fftSize` samples.
    ///   - signalLength: length of the signal being reconstructed, in samples.
    ///   - channels: number of channels, ≥ 1.
    /// - Precondition (checked in release builds too): `window` has `fftSize` samples and `channels` ≥ 1 (a programming error
    ///   otherwise: the process stops with a message naming the value).
    package init(configuration: STFTConfiguration, window: [Float], signalLength: Int, channels: Int) {
        require(window.count == configuration.fftSize,
                "OverlapAdder window has \(window.count) samples (allowed: the fft size, \(configuration.fftSize))")
        require(channels >= 1, "OverlapAdder channels \(channels) is out of range (allowed: 1 or more)")
        self.configuration = configuration
        squaredWindow = window.map { $0 * $0 }
        self.signalLength = signalLength
        self.channels = channels
        accumulators = [[Float]](repeating: [], count: channels)
        weights = []
    }

    /// The first sample not yet drained.
    package var drainedLength: Int { base }

    private func ensureCapacity(_ count: Int) {
        if weights.count >= count { return }
        let newCount = max(count, weights.count * 2)
        weights += [Float](repeating: 0, count: newCount - weights.count)
        for c in 0..<channels { accumulators[c] += [Float](repeating: 0, count: newCount - accumulators[c].count) }
    }

    /// Adds frame `frame` of channel `channel`: `fftSize` samples already windowed and scaled
    /// (the output of `STFT.synthesize`). The squared window is counted once per frame.
    /// - Parameters:
    ///   - frame: the frame index (frames in increasing order).
    ///   - channel: the channel, `0..<channels`.
    ///   - samples: `fftSize` samples.
    /// - Precondition (checked in release builds too): `channel` is in `0..<channels` (the process stops with a message otherwise).
    package func add(frame: Int, channel: Int, samples: UnsafePointer<Float>) {
        require(channel >= 0 && channel < channels,
                "OverlapAdder channel \(channel) is out of range (allowed: 0 to \(channels - 1))")
        let n = configuration.fftSize
        let start = configuration.frameStart(frame)
        let lo = max(start, base, 0), hi = min(start + n, signalLength)
        if hi <= lo { return }
        ensureCapacity(hi - base)
        accumulators[channel].withUnsafeMutableBufferPointer { acc in
            for t in lo..<hi { acc[t - base] += samples[t - start] }
        }
        if frame > lastWeightedFrame {
            lastWeightedFrame = frame
            squaredWindow.withUnsafeBufferPointer { w2 in
                weights.withUnsafeMutableBufferPointer { wt in
                    for t in lo..<hi { wt[t - base] += w2[t - start] }
                }
            }
        }
    }

    /// Emits the finished samples `drainedLength ..< min(end, signalLength)`.
    /// - Parameters:
    ///   - end: drain up to (not including) this sample; only samples no later frame touches are final.
    ///   - output: per-channel buffers receiving the samples at `offset`.
    ///   - offset: where in `output` the first drained sample goes.
    ///   - firstChannel: the buffer of `output` that receives this adder's channel 0 (its
    ///     channel c goes to `output[firstChannel + c]`), so that one-channel adders can fill
    ///     the channels of one multichannel output.
    /// - Returns: how many samples were emitted.
    /// - Precondition (checked in release builds too): when samples are emitted, `offset` ≥ 0, `firstChannel` ≥ 0, `output` has at
    ///   least `firstChannel + channels` buffers and each of them at least `offset` + the emitted
    ///   count elements (the process stops with a message naming the values otherwise).
    @discardableResult
    package func drain(upTo end: Int, into output: inout [[Float]], offset: Int, firstChannel: Int = 0) -> Int {
        let stop = min(end, signalLength)
        let count = stop - base
        if count <= 0 { return 0 }
        require(offset >= 0, "OverlapAdder.drain offset \(offset) is out of range (allowed: 0 or more)")
        require(firstChannel >= 0 && firstChannel <= output.count - channels,
                "OverlapAdder.drain firstChannel \(firstChannel) is out of range for \(output.count) output buffers and \(channels) channel(s) (allowed: 0 to \(output.count - channels))")
        for c in 0..<channels {
            let available = output[firstChannel + c].count
            require(available - offset >= count,
                    "OverlapAdder.drain output[\(firstChannel + c)] holds \(available) samples (allowed: at least offset + drained samples, \(offset) + \(count))")
        }
        ensureCapacity(count)
        let floor = Float.leastNormalMagnitude
        for c in 0..<channels {
            accumulators[c].withUnsafeBufferPointer { acc in
                weights.withUnsafeBufferPointer { wt in
                    output[firstChannel + c].withUnsafeMutableBufferPointer { out in
                        for i in 0..<count {
                            let w = wt[i]
                            out[offset + i] = w > floor ? acc[i] / w : 0
                        }
                    }
                }
            }
            accumulators[c].removeFirst(count)
            accumulators[c] += [Float](repeating: 0, count: count)
        }
        weights.removeFirst(count)
        weights += [Float](repeating: 0, count: count)
        base = stop
        return count
    }
}
