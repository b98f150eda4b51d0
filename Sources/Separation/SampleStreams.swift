import AudioIO

/// Random-access source of multichannel samples: what the separator reads, twice
/// (once to build the spectrogram, once to mask and resynthesise), so that a long
/// recording never needs to be resident in memory.
public protocol SampleSource: AnyObject {
    /// Frames (samples per channel).
    var frameCount: Int { get }
    /// Number of channels.
    var channelCount: Int { get }
    /// Sample rate in Hz.
    var sampleRate: Int { get }
    /// Reads `count` frames from `start` (may be negative or run past the end: zeros there)
    /// into `channels[c][0..<count]`.
    ///
    /// The separator passes `channelCount` arrays of at least `count` samples each (it sizes
    /// them before the call); an implementation may also replace them, but must leave
    /// `channelCount` arrays of at least `count` samples, else the separation throws
    /// `SeparationError.invalidInput`.
    func read(start: Int, count: Int, into channels: inout [[Float]]) throws
}

extension SampleSource {
    /// `read(start:count:into:)` with the arrays sized first and the result checked, so that a
    /// source that delivers too few channels or samples is an error, not a read past the end
    /// of an array (the separator reads the segments through pointers).
    /// - Throws: what `read` throws, or `SeparationError.invalidInput` naming the channel and
    ///   the samples delivered.
    func checkedRead(start: Int, count: Int, into channels: inout [[Float]]) throws {
        if channels.count != channelCount { channels = [[Float]](repeating: [], count: channelCount) }
        for c in channels.indices where channels[c].count < count { channels[c] = [Float](repeating: 0, count: count) }
        try read(start: start, count: count, into: &channels)
        guard channels.count == channelCount else {
            throw SeparationError.invalidInput("the SampleSource delivered \(channels.count) channels where it has \(channelCount)")
        }
        if let c = channels.indices.first(where: { channels[$0].count < count }) {
            throw SeparationError.invalidInput("the SampleSource delivered \(channels[c].count) samples of channel \(c) where \(count) were asked (frames \(start) to \(start + count - 1))")
        }
    }
}

/// Destination of one separated source, written front to back.
public protocol SampleSink: AnyObject {
    /// Appends `count` frames from `channels[c][offset ..< offset + count]`.
    func write(_ channels: [[Float]], offset: Int, count: Int) throws
}

extension SoundFileReader: SampleSource {}

extension SoundFileWriter: SampleSink {}

/// An in-memory `AudioBuffer` as a `SampleSource`.
public final class AudioBufferSource: SampleSource, Sendable {
    /// The samples.
    public let buffer: AudioBuffer
    /// Wraps `buffer`.
    public init(_ buffer: AudioBuffer) { self.buffer = buffer }
    /// Frames of the buffer.
    public var frameCount: Int { buffer.frameCount }
    /// Channels of the buffer.
    public var channelCount: Int { buffer.channelCount }
    /// Sample rate of the buffer, in Hz.
    public var sampleRate: Int { buffer.sampleRate }

    /// Copies frames `start ..< start + count` (zeros outside the buffer) into `channels`.
    /// - Throws: `AudioIOError.invalidParameter` for a buffer whose channels differ in length (as
    ///   `AudioBuffer.validate()` and `Separator.separate(_:progress:)` refuse it), for
    ///   `channels` without one array per channel, a negative `count` or a `start + count`
    ///   beyond `Int`.
    public func read(start: Int, count: Int, into channels: inout [[Float]]) throws {
        for (c, channel) in buffer.channels.enumerated() where channel.count != frameCount {
            throw AudioIOError.invalidParameter(path: nil, name: "channels[\(c)]", value: "with \(channel.count) samples",
                                                allowed: "the length of channels[0], \(frameCount)")
        }
        guard channels.count == channelCount else {
            throw AudioIOError.invalidParameter(path: nil, name: "channels", value: "with \(channels.count) buffers",
                                                allowed: "one buffer per channel, \(channelCount)")
        }
        guard count >= 0, !start.addingReportingOverflow(count).overflow else {
            throw AudioIOError.invalidParameter(path: nil, name: "count", value: "\(count) from frame \(start)",
                                                allowed: "0 or more, with start + count within Int")
        }
        for c in 0..<channelCount {
            if channels[c].count < count { channels[c] = [Float](repeating: 0, count: count) }
            let src = buffer.channels[c]
            channels[c].withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let t = start + i
                    dst[i] = (t >= 0 && t < src.count) ? src[t] : 0
                }
            }
        }
    }
}

/// Collects a separated source in memory.
public final class AudioBufferSink: SampleSink {
    /// The samples written so far, one array per channel.
    public private(set) var channels: [[Float]]
    /// Creates an empty sink for `channelCount` channels.
    public init(channelCount: Int) { channels = [[Float]](repeating: [], count: channelCount) }

    /// Appends `count` frames of every channel from `offset`.
    /// - Throws: `SeparationError.invalidParameter` when `source` has another channel count than
    ///   this sink or a channel without the frames `offset ..< offset + count`.
    public func write(_ source: [[Float]], offset: Int, count: Int) throws {
        guard source.count == channels.count else {
            throw SeparationError.invalidParameter(name: "channels written to the sink", value: "\(source.count)",
                                                   allowed: "the sink's \(channels.count) (create it with the source's channel count)")
        }
        for (c, s) in source.enumerated() where offset < 0 || count < 0 || offset > s.count - count {
            throw SeparationError.invalidParameter(name: "frames written to the sink", value: "\(offset) ..< \(offset) + \(count) of channel \(c)",
                                                   allowed: "within its \(s.count) samples")
        }
        for c in 0..<channels.count { channels[c] += source[c][offset..<(offset + count)] }
    }
}
