import Foundation
import NMFSeparation

extension SeparateCommand {
    /// The largest stacked spectrogram (2 × bins × frames float32, in bytes) for which the joint
    /// channel model is chosen without `--spatial`: 1 GiB, about 25 minutes of 44.1 kHz stereo at
    /// the default STFT. Beyond it the channels' mean is modelled, as for a 1-hour stereo file,
    /// whose mean spectrogram alone is 1.3 GB (BENCHMARKS.md, the 2 GB memory bound).
    static let automaticSpatialBytes = 1 << 30

    /// Chooses the channel model of an input when neither `--spatial` nor `--no-spatial` is given
    /// and sets `configuration.spatial` (see ``automaticSpatial(channels:divergence:stackedBytes:needBytes:availableBytes:)``).
    /// - Returns: a note for a stereo input that the limits sent to the mean model, nil otherwise.
    /// - Throws: `CLIError.usage` when `NMF_SEPARATE_MAX_MEMORY` is malformed.
    mutating func chooseSpatial(channels: Int, frames: Int, input: String) throws -> String? {
        let bins = configuration.stft.binCount
        let need = MemoryBudget.requiredBytes(frames: frames, bins: bins, hop: configuration.stft.hopLength,
                                              components: configuration.componentCount, chunkFrames: configuration.chunkFrames,
                                              channels: channels, sources: configuration.sourceCount, runs: configuration.ensembleSize,
                                              spatial: true)
        let available = try MemoryBudget.availableBytes().map { Double($0) / Double(max(parallelFiles, 1)) }
        let (joint, why) = Self.automaticSpatial(channels: channels, divergence: configuration.divergence,
                                                 stackedBytes: 4 * Double(channels) * Double(bins) * Double(frames),
                                                 needBytes: need, availableBytes: available)
        configuration.spatial = joint
        guard let why else { return nil }
        return "nmf-separate: note: '\(input)': the channels are modelled by their mean, since \(why); --spatial asks for the joint model, --no-spatial silences this"
    }

    /// The automatic choice of the channel model: the joint model (`SeparationConfiguration.spatial`)
    /// for stereo input with the Kullback–Leibler divergence whose stacked spectrograms take at
    /// most `automaticSpatialBytes` and whose separation fits in the memory available; the
    /// channels' mean otherwise. On 22 stereo mixtures the joint model gained 4.4 dB on average
    /// where the sources are panned apart and 0.2 dB where they share the centre (QUALITY.md);
    /// with more than two channels (surround layouts, whose LFE and centre channels the grouping
    /// weight was not chosen for) it was not measured, so there it needs `--spatial`.
    /// - Parameters:
    ///   - stackedBytes: the C stacked spectrograms' size, 4·C·bins·frames.
    ///   - needBytes: `MemoryBudget.requiredBytes` of the joint model.
    ///   - availableBytes: the memory this file may use (nil: unknown, no limit).
    /// - Returns: whether to use the joint model, and why not when a multichannel KL input is
    ///   modelled by its mean (a phrase for the note; nil for mono input, more than two channels
    ///   or another divergence).
    static func automaticSpatial(channels: Int, divergence: Divergence, stackedBytes: Double, needBytes: Double,
                                 availableBytes: Double?) -> (joint: Bool, whyNot: String?) {
        guard channels == 2, divergence == .kullbackLeibler else { return (false, nil) }
        let limit = Double(automaticSpatialBytes)
        if stackedBytes > limit {
            return (false, "its \(channels) channels' spectrograms would take \(MemoryBudget.size(stackedBytes)) (the joint model is chosen up to \(MemoryBudget.size(limit)))")
        }
        if let availableBytes, needBytes > availableBytes {
            return (false, "the joint model would need about \(MemoryBudget.size(needBytes)) of memory and \(MemoryBudget.size(availableBytes)) is available")
        }
        return (true, nil)
    }
}
