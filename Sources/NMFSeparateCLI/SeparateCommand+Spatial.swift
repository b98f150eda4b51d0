import Foundation
import NMFSeparation

extension SeparateCommand {
    /// The largest stacked spectrogram (2 × bins × frames float32, in bytes) for which the joint
    /// channel model is chosen without `--spatial`: 1 GiB, about 25 minutes of 44.1 kHz stereo at
    /// the default STFT. Beyond it the channels' mean is modelled, as for a 1-hour stereo file,
    /// whose mean spectrogram alone is 1.3 GB (BENCHMARKS.md, the 2 GB memory bound).
    static let automaticSpatialBytes = 1 << 30

    /// Why the automatic choice gave a stereo KL input the channels' mean model
    /// (`settings.spatial_fallback` of the JSON report).
    enum SpatialFallback: String {
        /// The stacked spectrograms would exceed `automaticSpatialBytes`.
        case size
        /// The joint model's estimated memory exceeds what this file may use.
        case memory
        /// The channels are copies of one signal (or one is silent): the joint model could not
        /// tell sources apart by place, and costs twice the time.
        case identicalChannels = "identical_channels"
    }

    /// Chooses the channel model of an input when neither `--spatial` nor `--no-spatial` is given
    /// and sets `configuration.spatial` and `spatialFallback` (see
    /// ``automaticSpatial(channels:divergence:stackedBytes:needBytes:availableBytes:)``); a
    /// stereo input that passes the limits is read once more to see whether its channels are copies.
    /// - Parameter availableBytes: `MemoryBudget.availableBytes()` (nil: no limit known); this
    ///   file may use its share under `--jobs`.
    /// - Returns: a note for a stereo KL input given the mean model, nil otherwise.
    /// - Throws: what reading the input throws.
    mutating func chooseSpatial(reader: SoundFileReader, frames: Int, input: String, availableBytes total: Int?) throws -> String? {
        let channels = reader.channelCount, bins = configuration.stft.binCount
        let stacked = 4 * Double(channels) * Double(bins) * Double(frames)
        let need = MemoryBudget.requiredBytes(frames: frames, bins: bins, hop: configuration.stft.hopLength,
                                              components: configuration.componentCount, chunkFrames: configuration.chunkFrames,
                                              channels: channels, sources: configuration.sourceCount, runs: configuration.ensembleSize,
                                              spatial: true)
        let available = total.map { Double($0) / Double(max(parallelFiles, 1)) }
        var (joint, fallback) = Self.automaticSpatial(channels: channels, divergence: configuration.divergence, stackedBytes: stacked,
                                                      needBytes: need, availableBytes: available)
        if joint, try Self.channelsAreCopies(reader) { (joint, fallback) = (false, .identicalChannels) }
        configuration.spatial = joint
        spatialFallback = fallback
        let why: String
        switch fallback {
        case nil: return nil
        case .size?:
            why = "its 2 channels' spectrograms would take \(MemoryBudget.size(stacked)), more than the "
                + "\(MemoryBudget.size(Double(Self.automaticSpatialBytes))) (1 GiB) up to which the joint model is chosen; --spatial asks for it"
        case .memory?:
            let shared = parallelFiles > 1 ? " (\(MemoryBudget.size(Double(total ?? 0))) shared by --jobs \(parallelFiles))" : ""
            why = "the joint model would need about \(MemoryBudget.size(need)) of memory and \(MemoryBudget.size(available ?? 0)) is available\(shared)"
        case .identicalChannels?:
            why = "its channels are copies of one signal (or one is silent), which the joint model cannot place"
        }
        return "nmf-separate: note: '\(input)': the channels are modelled by their mean, since \(why)"
    }

    /// The automatic choice of the channel model: the joint model (`SeparationConfiguration.spatial`)
    /// for stereo input with the Kullback–Leibler divergence whose stacked spectrograms take at
    /// most `automaticSpatialBytes` and whose separation fits in the memory available; the
    /// channels' mean otherwise. On 22 stereo mixtures the joint model gained 4.5 dB on average
    /// where the sources are panned apart and 0.2 dB where they share the centre (QUALITY.md);
    /// with more than two channels (surround layouts, whose LFE and centre channels the grouping
    /// weight was not chosen for) it was not measured, so there it needs `--spatial`.
    /// - Parameters:
    ///   - stackedBytes: the C stacked spectrograms' size, 4·C·bins·frames.
    ///   - needBytes: `MemoryBudget.requiredBytes` of the joint model.
    ///   - availableBytes: the memory this file may use (nil: unknown, no limit).
    /// - Returns: whether to use the joint model, and which limit sent a stereo KL input to the
    ///   mean model (nil for mono input, more than two channels or another divergence).
    static func automaticSpatial(channels: Int, divergence: Divergence, stackedBytes: Double, needBytes: Double,
                                 availableBytes: Double?) -> (joint: Bool, fallback: SpatialFallback?) {
        guard channels == 2, divergence == .kullbackLeibler else { return (false, nil) }
        if stackedBytes > Double(automaticSpatialBytes) { return (false, .size) }
        if let availableBytes, needBytes > availableBytes { return (false, .memory) }
        return (true, nil)
    }

    /// Whether a stereo input's channels are copies of one signal up to a gain (dual mono, a
    /// channel inverted or scaled, or one silent): their correlation is ±1 to within 1e-6, so
    /// that every component of a joint model would get the same levels. One pass over the
    /// samples in blocks of 65 536 frames, O(frames).
    static func channelsAreCopies(_ reader: SoundFileReader) throws -> Bool {
        guard reader.channelCount == 2 else { return false }
        var left = 0.0, right = 0.0, cross = 0.0
        let step = 1 << 16
        var block = [[Float]](repeating: [Float](repeating: 0, count: step), count: 2)
        var start = 0
        while start < reader.frameCount {
            let count = min(step, reader.frameCount - start)
            try reader.read(start: start, count: count, into: &block)
            guard block.count == 2, block[0].count >= count, block[1].count >= count else { return false }
            for i in 0..<count {
                let l = Double(block[0][i]), r = Double(block[1][i])
                left += l * l; right += r * r; cross += l * r
            }
            start += count
        }
        if left == 0 || right == 0 { return true }
        return cross * cross >= (1 - 1e-6) * left * right
    }
}
