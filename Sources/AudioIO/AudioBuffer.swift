/// Audio samples held in memory, one array per channel, all of equal length.
public struct AudioBuffer: Sendable, Equatable {
    /// The samples, `channels[c][i]` is frame `i` of channel `c`.
    public var channels: [[Float]]
    /// Sample rate in Hz.
    public var sampleRate: Int

    /// Creates a buffer; every channel must have the same length.
    public init(channels: [[Float]], sampleRate: Int) {
        precondition(!channels.isEmpty, "an audio buffer needs at least one channel")
        precondition(channels.allSatisfy { $0.count == channels[0].count }, "channels must have equal lengths")
        self.channels = channels
        self.sampleRate = sampleRate
    }

    /// Number of frames (samples per channel).
    public var frameCount: Int { channels[0].count }
    /// Number of channels.
    public var channelCount: Int { channels.count }
}
