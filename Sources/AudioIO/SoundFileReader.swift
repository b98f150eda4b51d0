import CSndFile
import DSPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What to do with NaN or infinite samples in a file.
public enum NonFinitePolicy: Sendable {
    /// Throw `AudioIOError.nonFiniteSample` naming the frame.
    case refuse
    /// Read them as 0.
    case replaceWithZero
}

/// Reads an audio file through libsndfile, by random-access ranges of frames.
///
/// Encodings libsndfile can only decode front to back (GSM 6.10, G.721/G.723, NMS and VOX
/// ADPCM, DPCM) are read the same way: a backward move reopens the file and reads up to the
/// frame, and the last range read is kept so that the next one, which overlaps it by an STFT
/// window, needs no reopening.
///
/// Any format libsndfile reads is accepted (WAV 16/24/32-bit PCM and float, FLAC,
/// OGG/Vorbis, AIFF, ...). Samples are returned as `Float` in [-1, 1] for integer
/// formats, one array per channel. Reading by ranges lets the separation stream over
/// a long file instead of holding it in memory.
public final class SoundFileReader {
    /// The sample rates read and written, in Hz: 1 to 1.536 MHz (8 × 192 kHz, beyond any
    /// recording format in use); a header outside them is taken for a damaged one.
    public static let sampleRateRange = 1...1_536_000
    /// The path the file was opened from.
    public let path: String
    /// Number of frames (samples per channel).
    public let frameCount: Int
    /// Whether `frameCount` was counted by decoding the whole file, because the header gives
    /// no length (libsndfile reports `Int64.max` frames): an Ogg stream cut off before its end
    /// (an unfinished recording or download), whose frames up to the cut are what is read, or a
    /// FLAC stream whose encoder could not go back to write its total (`flac -`, ffmpeg to a pipe).
    public var lengthWasCounted: Bool { openingInfo.frames == Int64.max }
    /// What libsndfile reported on opening, to recognise the same file when it is opened again.
    private let openingInfo: SF_INFO
    /// Number of channels.
    public let channelCount: Int
    /// Sample rate in Hz.
    public let sampleRate: Int
    /// The file's container and encoding.
    public let format: AudioFormat

    /// The largest frame count accepted (2⁴⁰, over 250 days at 48 kHz); libsndfile reports
    /// an unknown length of a damaged stream as `Int64.max`.
    public static let maximumFrameCount: Int64 = 1 << 40

    /// What reading does with NaN or infinite samples (default: refuse them).
    public var nonFinitePolicy: NonFinitePolicy = .refuse
    /// Samples read as 0 under `.replaceWithZero` so far, each counted once however often its
    /// frame is read again, as long as reads move forward through the file (each starting at or
    /// before the furthest frame read so far, as the separation's two passes do); a range that
    /// jumps ahead leaves the frames it skipped uncounted if they are read later.
    public private(set) var replacedNonFiniteSamples = 0
    /// Frames before this one have had their replacements counted.
    private var replacementsCountedThrough = 0
    private var handle: OpaquePointer
    private var position: Int = 0
    /// Set once a seek has failed: the encoding is read front to back only (GSM 6.10, G.721,
    /// G.723, NMS and VOX ADPCM, DPCM), so backward moves reopen the file or use `recent`.
    private var sequential = false
    /// In sequential mode, the frames of the last read (first frame, one buffer per channel),
    /// so that the next read, which overlaps it by an STFT window, needs no reopening.
    private var recent: (start: Int, channels: [[Float]])?
    /// Whether reading has fallen back to front to back (a seek failed).
    var isSequential: Bool { sequential }
    /// The file's device, inode, size and modification time when it was opened: a read that goes
    /// back (the separation's second pass) checks that the file it reads was not rewritten in
    /// place, so that the masks are not applied to other audio than was factorized. (A file
    /// replaced by another one under its name, as `mv` or an editor's save do, is not what
    /// libsndfile reads, except after a reopening by name, which checks it too.)
    private let openedStamp: [Int]
    /// The first frame of the last read.
    private var lastReadStart = Int.min
    /// The most frames `recent` holds per channel.
    private static let recentLimit = 1 << 16   // consecutive STFT reads overlap by fft − hop < 65 536 frames

    /// Opens `path` for reading.
    ///
    /// While libsndfile probes the file (and reopens one it cannot seek in), file descriptor 2
    /// points at /dev/null, because its MPEG decoder prints its own complaints there: what other
    /// threads of the process write to stderr in that moment is lost (the package's own
    /// messages wait for it; a caller's threads writing to stderr meanwhile are not held).
    /// - Throws: `AudioIOError` when the path is missing, a directory, not audio, empty,
    ///   or describes an impossible stream (0 channels, non-positive sample rate).
    public init(path: String) throws {
        self.path = path
        let st = try Self.regularFileStatus(path)
        var info = SF_INFO()
        info.format = 0
        // Some decoders behind libsndfile (libmpg123) print their own complaints on stderr while
        // probing a file that is not theirs; keep stderr for our one-line errors.
        let opened = Self.withStderrSilenced { openSoundFile(path, mode: Int32(SFM_READ), &info) }
        guard var h = opened else {
            let reason = String(cString: sf_strerror(nil))
            throw AudioIOError.cannotOpen(path: path, reason: "not a supported audio file (libsndfile: \(reason))")
        }
        if info.channels < 1 || info.channels > 1024 {
            sf_close(h)
            throw AudioIOError.invalidHeader(path: path, reason: "channel count \(info.channels) (allowed: 1 to 1024)")
        }
        if !SoundFileReader.sampleRateRange.contains(Int(info.samplerate)) {
            sf_close(h)
            throw AudioIOError.invalidHeader(path: path, reason: "sample rate \(info.samplerate) Hz (allowed: 1 to \(SoundFileReader.sampleRateRange.upperBound))")
        }
        self.openingInfo = info
        var frames = Int(clamping: info.frames)
        if info.frames == Int64.max {
            // libsndfile could not find the end (an Ogg stream cut off, a FLAC stream whose
            // encoder wrote no total, as `flac -` or ffmpeg to a pipe do): count what decodes.
            (frames, h) = try Self.countFrames(h, path: path, info: info)
        }
        if frames > Self.maximumFrameCount {
            sf_close(h)
            throw AudioIOError.invalidHeader(path: path, reason: "frame count \(frames) (absurd; allowed: up to \(Self.maximumFrameCount))")
        }
        // A header whose data was cut off entirely is truncated, not empty.
        if let (claimed, present) = Self.truncatedDataChunk(h) {
            sf_close(h)
            throw AudioIOError.truncatedData(path: path, claimedBytes: claimed, presentBytes: present)
        }
        if frames <= 0 {
            sf_close(h)
            throw AudioIOError.empty(path: path)
        }
        handle = h
        openedStamp = Self.stamp(st)
        frameCount = frames
        channelCount = Int(info.channels)
        sampleRate = Int(info.samplerate)
        format = AudioFormat(rawValue: info.format)
        sf_command(h, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
    }

    deinit { sf_close(handle) }

    /// The text fields of the file's header (title, artist, …); empty when it has none.
    public var metadata: SoundFileMetadata { SoundFileMetadata.read(from: handle) }

    /// The file's channel layout (libsndfile's `SF_CHANNEL_MAP_*` values, one per channel), when
    /// the container states one (WAVE_FORMAT_EXTENSIBLE, CAF, …); nil otherwise.
    public var channelMap: [Int32]? {
        var map = [Int32](repeating: 0, count: channelCount)
        let stated = map.withUnsafeMutableBytes {
            sf_command(handle, Int32(SFC_GET_CHANNEL_MAP_INFO), $0.baseAddress, Int32($0.count))
        }
        return stated == SF_TRUE && map.contains(where: { $0 != 0 }) ? map : nil
    }

    /// Duration in seconds.
    public var duration: Double { Double(frameCount) / Double(sampleRate) }

    /// Reads `count` frames starting at `start` into `channels` (one buffer per channel).
    ///
    /// Frames outside `0..<frameCount` read as zeros, so callers can ask for padded ranges.
    /// - Parameters:
    ///   - start: the first frame; may be negative.
    ///   - count: how many frames, from 0 to `maximumFrameCount`; when a buffer must grow to
    ///     `count`, at most what `channelCount` such buffers of `Float` fit in the physical memory.
    ///   - channels: `channelCount` buffers; those shorter than `count` are replaced by buffers of
    ///     `count` elements; overwritten.
    /// - Throws: `AudioIOError.invalidParameter` naming `channels`, `count` or `start` when there
    ///   are not `channelCount` buffers, `count` is out of range or `start + count` overflows;
    ///   `AudioIOError.truncated` when the file ends early, `AudioIOError.cannotOpen` when a read
    ///   that goes back finds the file it reads rewritten in place since it was opened (another
    ///   size or modification time on the same inode),
    ///   `AudioIOError.nonFiniteSample` when a sample is NaN or infinite.
    public func read(start: Int, count: Int, into channels: inout [[Float]]) throws {
        try checkRead(start: start, count: count, channels: channels)
        if start < lastReadStart { try checkUnchanged(reopening: false) }
        lastReadStart = start
        for c in 0..<channelCount {
            if channels[c].count < count { channels[c] = [Float](repeating: 0, count: count) }
        }
        let lo = max(start, 0)
        let hi = min(start + count, frameCount)
        for c in 0..<channelCount {
            channels[c].withUnsafeMutableBufferPointer { buf in
                for i in 0..<count where i + start < lo || i + start >= hi { buf[i] = 0 }
            }
        }
        if hi <= lo { return }
        // The start of what the file itself must still deliver.
        var first = lo
        if sequential, let r = recent, lo >= r.start, lo < position, position <= hi, position - r.start <= r.channels[0].count {
            for c in 0..<channelCount {
                for i in lo..<position { channels[c][i - start] = r.channels[c][i - r.start] }
            }
            first = position
        }
        if position != first {
            if !sequential, quietly({ sf_seek(handle, sf_count_t(first), SEEK_SET) }) >= 0 {
                position = first
            } else {
                sequential = true
                try advance(to: first)
            }
        }
        try decode(from: first, to: hi, start: start, into: &channels)
        if sequential {
            let keep = max(lo, hi - Self.recentLimit)
            recent = (keep, channels.map { Array($0[(keep - start)..<(hi - start)]) })
        }
    }

    /// Throws `AudioIOError.invalidParameter` for arguments of `read(start:count:into:)` that it
    /// cannot honour: a buffer count other than `channelCount`, a negative or absurd `count`, or
    /// a range whose end overflows.
    private func checkRead(start: Int, count: Int, channels: [[Float]]) throws {
        guard channels.count == channelCount else {
            throw AudioIOError.invalidParameter(path: path, name: "channels", value: "with \(channels.count) buffers",
                                                allowed: "one buffer per channel, \(channelCount)")
        }
        guard count >= 0, count <= Self.maximumFrameCount else {
            throw AudioIOError.invalidParameter(path: path, name: "count", value: "\(count)",
                                                allowed: "0 to \(Self.maximumFrameCount) frames")
        }
        if channels.contains(where: { $0.count < count }) {
            let limit = Int(clamping: ProcessInfo.processInfo.physicalMemory) / (MemoryLayout<Float>.size * channelCount)
            guard count <= limit else {
                throw AudioIOError.invalidParameter(path: path, name: "count", value: "\(count)",
                                                    allowed: "0 to \(limit) frames, what \(channelCount) channel buffers fit in the physical memory")
            }
        }
        guard !start.addingReportingOverflow(count).overflow else {
            throw AudioIOError.invalidParameter(path: path, name: "start", value: "\(start)",
                                                allowed: "a frame from which count \(count) frames do not overflow, up to \(Int.max - count)")
        }
    }

    /// Throws when the file opened was rewritten in place (same device and inode, another size or
    /// modification time), or, when `reopening` by name, when the name no longer leads to it.
    private func checkUnchanged(reopening: Bool) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            // Removed: what is open still reads; a reopening by name fails on its own.
            return
        }
        let now = Self.stamp(st)
        let sameFile = now.prefix(2) == openedStamp.prefix(2)
        if (sameFile || reopening) && now != openedStamp {
            throw AudioIOError.cannotOpen(path: path, reason: "it changed while being read (its size or modification time differ from when it was opened)")
        }
    }

    /// `sf_readf_float` of `n` frames into `buffer` at the present position.
    private func readFrames(_ buffer: UnsafeMutablePointer<Float>?, _ n: Int) -> sf_count_t {
        let h = handle
        return quietly { sf_readf_float(h, buffer, sf_count_t(n)) }
    }

    /// Runs a decoding call of libsndfile's, with stderr silenced for MPEG input: libmpg123
    /// prints notes on damaged frames ("Illegal Audio-MPEG-Header …, Trying to resync…") to
    /// stderr, where they broke the tool's one-line messages, even under `--quiet`.
    private func quietly<T>(_ body: () -> T) -> T {
        format.container == Int32(SF_FORMAT_MPEG) ? Self.withStderrSilenced(body) : body()
    }

    /// Moves a file that cannot seek to frame `target`: reopens it when `target` lies behind
    /// the position, then reads and discards the frames before `target`.
    /// - Throws: `AudioIOError.truncated` when the file ends first, `.cannotOpen` when it
    ///   can no longer be opened.
    private func advance(to target: Int) throws {
        if target < position || position < 0 {
            try checkUnchanged(reopening: true)
            let h = try Self.reopen(path, as: openingInfo)
            sf_close(handle)
            handle = h
            sf_command(h, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
            position = 0
        }
        var scratch = [Float](repeating: 0, count: min(65_536, max(target - position, 1)) * channelCount)
        while position < target {
            let n = min(65_536, target - position)
            let got = scratch.withUnsafeMutableBufferPointer { readFrames($0.baseAddress, n) }
            if got < n {
                let reached = position + Int(max(got, 0))
                position = -1
                throw AudioIOError.truncated(path: path, expectedFrames: frameCount, readFrames: reached)
            }
            position += n
        }
    }

    /// Reads frames `lo..<hi` from the file, which stands at `lo`, into `channels` (frame `start`
    /// at index 0), applying the non-finite policy.
    private func decode(from lo: Int, to hi: Int, start: Int, into channels: inout [[Float]]) throws {
        guard lo < hi else { return }
        let chunk = 65_536
        var interleaved = [Float](repeating: 0, count: min(chunk, hi - lo) * channelCount)
        var frame = lo
        while frame < hi {
            let n = min(chunk, hi - frame)
            let got = interleaved.withUnsafeMutableBufferPointer { readFrames($0.baseAddress, n) }
            if got < n {
                position = -1
                throw AudioIOError.truncated(path: path, expectedFrames: frameCount, readFrames: frame + Int(max(got, 0)))
            }
            let offset = frame - start
            let cc = channelCount
            // The earliest non-finite sample (frame, then channel) is the one reported; a
            // replaced one is counted the first time its frame is read (ranges overlap, and the
            // separation reads the file twice).
            if let bad = interleaved.prefix(n * cc).firstIndex(where: { !$0.isFinite }) {
                guard nonFinitePolicy == .replaceWithZero else {
                    position = -1   // the file stands somewhere in this chunk
                    throw AudioIOError.nonFiniteSample(path: path, frame: frame + bad / cc, channel: bad % cc,
                                                       doublePrecision: format.isDoublePrecision)
                }
                for j in bad..<(n * cc) where !interleaved[j].isFinite {
                    interleaved[j] = 0
                    if frame + j / cc >= replacementsCountedThrough { replacedNonFiniteSamples += 1 }
                }
            }
            replacementsCountedThrough = max(replacementsCountedThrough, frame + n)
            interleaved.withUnsafeBufferPointer { src in
                for c in 0..<cc {
                    channels[c].withUnsafeMutableBufferPointer { dst in
                        for i in 0..<n { dst[offset + i] = src[i * cc + c] }
                    }
                }
            }
            frame += n
            position = frame
        }
    }

    /// Reads the whole file.
    /// - Returns: the samples as an `AudioBuffer`.
    /// - Complexity: O(frames × channels) time and memory.
    public func readAll() throws -> AudioBuffer {
        var channels = [[Float]](repeating: [], count: channelCount)
        try read(start: 0, count: frameCount, into: &channels)
        return AudioBuffer(channels: channels, sampleRate: sampleRate)
    }
}
