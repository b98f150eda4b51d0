/// Audio samples held in memory, one array per channel, all of equal length.
public struct AudioBuffer: Sendable, Equatable {
    /// The samples, `channels[c][i]` is frame `i` of channel `c`.
    public var channels: [[Float]]
    /// Sample rate in Hz.
    public var sampleRate: Int

    /// Creates a buffer; every channel must have the same length (the process stops otherwise:
    /// use `init(validating:sampleRate:)` for untrusted input).
    public init(channels: [[Float]], sampleRate: Int) {
        precondition(!channels.isEmpty, "an audio buffer needs at least one channel")
        precondition(channels.allSatisfy { $0.count == channels[0].count }, "channels must have equal lengths")
        self.channels = channels
        self.sampleRate = sampleRate
    }

    /// Creates a buffer from untrusted input: what `init(channels:sampleRate:)` requires, and a
    /// sample rate of 1 Hz to 1.536 MHz, checked with an error instead of stopping the process.
    /// - Parameters:
    ///   - channels: one array per channel, all of the same length (at least one channel).
    ///   - sampleRate: in Hz, within `SoundFileReader.sampleRateRange` (1 to 1 536 000).
    /// - Throws: `AudioIOError.invalidParameter` as `validate()` does.
    public init(validating channels: [[Float]], sampleRate: Int) throws {
        self.channels = channels
        self.sampleRate = sampleRate
        try validate()
    }

    /// Checks what `init(channels:sampleRate:)` requires, and a sample rate of 1 Hz to 1.536 MHz,
    /// without stopping the process: for buffers built from untrusted input (the properties are
    /// mutable, so a buffer can be changed after its creation).
    /// - Throws: `AudioIOError.invalidParameter` naming `channels` when there are none,
    ///   `channels[c]` when its length differs from that of `channels[0]`, or `sampleRate`
    ///   when it is outside `SoundFileReader.sampleRateRange` (1 to 1 536 000 Hz).
    public func validate() throws {
        guard let first = channels.first else {
            throw AudioIOError.invalidParameter(path: nil, name: "channels", value: "with 0 buffers", allowed: "1 or more")
        }
        for (c, channel) in channels.enumerated() where channel.count != first.count {
            throw AudioIOError.invalidParameter(path: nil, name: "channels[\(c)]", value: "with \(channel.count) samples",
                                                allowed: "the length of channels[0], \(first.count)")
        }
        guard SoundFileReader.sampleRateRange.contains(sampleRate) else {
            throw AudioIOError.invalidParameter(path: nil, name: "sampleRate", value: "\(sampleRate)",
                                                allowed: "1 to \(SoundFileReader.sampleRateRange.upperBound) Hz")
        }
    }

    /// Number of frames (samples per channel; those of channel 0, and 0 without channels).
    public var frameCount: Int { channels.first?.count ?? 0 }
    /// Number of channels.
    public var channelCount: Int { channels.count }
}
