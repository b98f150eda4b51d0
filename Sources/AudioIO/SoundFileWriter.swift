import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an audio file through libsndfile, a block of frames at a time.
///
/// Float samples are converted to the file's encoding by libsndfile. In an encoding that
/// cannot go beyond full scale (`AudioFormat.clipsAtFullScale`) they are first clamped to
/// [−1, 1 − 2⁻²³], since several of libsndfile's encoders wrap round instead of saturating;
/// for integer PCM they are also rounded to the nearest step here, since libsndfile ≤ 1.2.2
/// truncates 8- and 16-bit samples in its clipping conversion (a −½-step offset in every
/// sample).
public final class SoundFileWriter {
    /// The path being written.
    public let path: String
    /// Number of channels.
    public let channelCount: Int
    /// Whether the encoding stores NaN and infinities (float and double); the others refuse them.
    private let storesNonFinite: Bool
    /// Whether samples are clamped to full scale before encoding (`AudioFormat.clipsAtFullScale`).
    private let clamps: Bool
    /// For integer PCM, steps per unit: samples are rounded to the nearest step before encoding.
    private let steps: Float?
    /// The largest sample passed to a clamping encoder: below 1, which DWVW-16 wraps to −1.
    static let fullScale: Float = 1 - 1.0 / 8_388_608
    /// Whether the container is Ogg, whose pages get a serial number computed from their content on closing.
    private let isOgg: Bool
    /// Frames written so far (the position of the next block in the file).
    private var framesWritten = 0
    private var handle: OpaquePointer?
    private var interleaved: [Float] = []

    /// Creates (or truncates) `path` for writing.
    /// - Parameters:
    ///   - path: the file to write.
    ///   - format: container and encoding.
    ///   - channels: number of channels, ≥ 1.
    ///   - sampleRate: sample rate in Hz.
    ///   - channelMap: the channels' layout (`SoundFileReader.channelMap`, one `SF_CHANNEL_MAP_*`
    ///     value per channel), stated in the header where the container holds one
    ///     (WAVE_FORMAT_EXTENSIBLE, CAF, …; a plain WAV, AIFF or FLAC header has no place for it:
    ///     see `AudioFormat.keepingLayout(_:)`); nil for libsndfile's default.
    ///   - metadata: text fields (title, artist, …) to store in the header, those the container
    ///     has a place for (see `SoundFileMetadata`); none by default.
    /// - Throws: `AudioIOError.invalidParameter` for a channel count outside 1…1024, a sample rate
    ///   outside `SoundFileReader.sampleRateRange` (1 to 1 536 000 Hz), a channel
    ///   map of another length or with a value that is no `SF_CHANNEL_MAP_*` value;
    ///   `.unsupportedOutputFormat` or `.writeFailed`.
    public init(path: String, format: AudioFormat, channels: Int, sampleRate: Int, channelMap: [Int32]? = nil,
                metadata: SoundFileMetadata = SoundFileMetadata()) throws {
        self.path = path
        self.channelCount = channels
        guard (1...1024).contains(channels) else {
            throw AudioIOError.invalidParameter(path: path, name: "channels", value: "\(channels)", allowed: "1 to 1024")
        }
        guard SoundFileReader.sampleRateRange.contains(sampleRate) else {
            // (libsndfile would take any Int32, and write files that no reader here opens.)
            throw AudioIOError.invalidParameter(path: path, name: "sampleRate", value: "\(sampleRate) Hz",
                                                allowed: "1 to \(SoundFileReader.sampleRateRange.upperBound) Hz")
        }
        if let map = channelMap, map.count != channels {
            throw AudioIOError.invalidParameter(path: path, name: "channelMap", value: "with \(map.count) entries",
                                                allowed: "one per channel, \(channels)")
        }
        if let bad = channelMap?.first(where: { !(0..<Int32(SF_CHANNEL_MAP_MAX)).contains($0) }) {
            // (libsndfile would write a header whose speaker mask no reader can place.)
            throw AudioIOError.invalidParameter(path: path, name: "channelMap", value: "an entry \(bad)",
                                                allowed: "SF_CHANNEL_MAP_* values, 0 (invalid, as readers report an unknown position) to \(SF_CHANNEL_MAP_MAX - 1)")
        }
        self.isOgg = format.isOgg
        self.storesNonFinite = format.isFloatingPoint
        self.clamps = format.clipsAtFullScale
        self.steps = format.pcmStepsPerUnit
        var info = SF_INFO()
        info.format = format.rawValue
        info.channels = Int32(clamping: channels)
        info.samplerate = Int32(clamping: sampleRate)
        if sf_format_check(&info) == 0 {
            throw AudioIOError.unsupportedOutputFormat(path: path, format: format.description)
        }
        guard let h = openSoundFile(path, mode: Int32(SFM_WRITE), &info) else {
            throw AudioIOError.writeFailed(path: path, reason: String(cString: sf_strerror(nil)))
        }
        handle = h
        sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        // No PEAK chunk: it carries a timestamp, and the same input and seed must give identical
        // bytes (an Ogg stream's random serial number is replaced in close()).
        sf_command(h, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        sf_command(h, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        if var map = channelMap {
            // Containers without a layout ignore it (the call fails, nothing changes).
            _ = map.withUnsafeMutableBytes { sf_command(h, Int32(SFC_SET_CHANNEL_MAP_INFO), $0.baseAddress, Int32($0.count)) }
        }
        metadata.write(to: h)
    }

    deinit { if let h = handle { sf_close(h) } }

    /// Appends `count` frames taken from `channels[c][offset ..< offset + count]`.
    /// - Parameters:
    ///   - channels: at least `channelCount` buffers (extra ones are ignored), each holding at
    ///     least `offset + count` samples when `count` > 0.
    ///   - offset: the first sample of each buffer to write, ≥ 0.
    ///   - count: how many frames, ≥ 0 (0 writes nothing).
    /// - Throws: `AudioIOError.invalidParameter` naming `offset`, `count` or `channels` when they
    ///   are negative, too few or too short, or when a sample is NaN or infinite and the encoding
    ///   is not float or double (nothing of the block is written then); `AudioIOError.writeFailed` when fewer frames than asked were written.
    public func write(_ channels: [[Float]], offset: Int = 0, count: Int) throws {
        guard let h = handle else { throw AudioIOError.writeFailed(path: path, reason: "file already closed") }
        guard offset >= 0 else {
            throw AudioIOError.invalidParameter(path: path, name: "offset", value: "\(offset)", allowed: "0 or more")
        }
        guard count >= 0 else {
            throw AudioIOError.invalidParameter(path: path, name: "count", value: "\(count)", allowed: "0 or more")
        }
        if count == 0 { return }
        guard channels.count >= channelCount else {
            throw AudioIOError.invalidParameter(path: path, name: "channels", value: "with \(channels.count) buffers",
                                                allowed: "one buffer per channel, at least \(channelCount)")
        }
        for c in 0..<channelCount where channels[c].count - offset < count {
            throw AudioIOError.invalidParameter(path: path, name: "channels[\(c)]", value: "with \(channels[c].count) samples",
                                                allowed: "at least offset + count, \(offset) + \(count)")
        }
        let cc = channelCount
        if interleaved.count < count * cc { interleaved = [Float](repeating: 0, count: count * cc) }
        let firstNonFinite = interleaved.withUnsafeMutableBufferPointer { dst -> Int? in
            for c in 0..<cc {
                channels[c].withUnsafeBufferPointer { src in
                    for i in 0..<count { dst[i * cc + c] = src[offset + i] }
                }
            }
            if storesNonFinite { return nil }
            let block = UnsafeMutableBufferPointer(rebasing: dst[0..<(count * cc)])
            if let bad = block.firstIndex(where: { !$0.isFinite }) { return bad }
            if clamps { Self.clampAndRound(block, steps: steps) }
            return nil
        }
        if let i = firstNonFinite {
            // An integer or codec encoding has no NaN: libsndfile would write it as full scale.
            throw AudioIOError.invalidParameter(path: path, name: "channels[\(i % cc)]",
                                                value: "with a NaN or infinite sample at frame \(framesWritten + i / cc) of the file (index \(offset + i / cc) in the buffers)",
                                                allowed: "finite samples in an integer or compressed encoding")
        }
        let written = interleaved.withUnsafeBufferPointer { sf_writef_float(h, $0.baseAddress, sf_count_t(count)) }
        if written != sf_count_t(count) {
            throw AudioIOError.writeFailed(path: path, reason: Self.withSpaceNote(String(cString: sf_strerror(h)), path: path))
        }
        framesWritten += count
    }

    /// Clamps `samples` to [−1, `fullScale`] and, with `steps`, rounds them to the nearest of
    /// `steps` steps per unit (ties to even, as a correct float-to-integer conversion does).
    /// Exact in float: `x · steps` is a power-of-two scaling.
    static func clampAndRound(_ samples: UnsafeMutableBufferPointer<Float>, steps: Float?) {
        guard let p = samples.baseAddress else { return }
        let n = samples.count, top = fullScale
        if let steps, steps <= 32768 {
            // 8 and 16 bits: adding and subtracting 1.5·2²³ rounds |x| < 2²² to an integer, ties to
            // even, as `rounded(.toNearestOrEven)` does, but without a libm call per sample.
            let unit = 1 / steps, magic: Float = 12_582_912   // (1/steps, a power of two: exact)
            for i in 0..<n { p[i] = ((min(max(p[i], -1), top) * steps + magic) - magic) * unit }
        } else if let steps {
            let unit = 1 / steps
            for i in 0..<n { p[i] = (min(max(p[i], -1), top) * steps).rounded(.toNearestOrEven) * unit }
        } else {
            for i in 0..<n { p[i] = min(max(p[i], -1), top) }
        }
    }

    /// Flushes and closes the file; an Ogg file then gets a stream serial number computed from
    /// its pages' content on every page (`OggSerialNumber`), so that the same samples give the
    /// same bytes.
    /// - Throws: `AudioIOError.writeFailed` when the final flush fails, or an Ogg file's pages
    ///   cannot be read back.
    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        sf_write_sync(h)
        let err = sf_error(h)
        let message = String(cString: sf_strerror(h))
        // FLAC and Vorbis encoders write their last blocks inside sf_close: its result counts too.
        let closed = sf_close(h)
        if err != 0 { throw AudioIOError.writeFailed(path: path, reason: Self.withSpaceNote(message, path: path)) }
        if closed != 0 {
            throw AudioIOError.writeFailed(path: path, reason: Self.withSpaceNote("closing failed: \(String(cString: sf_error_number(closed)))", path: path))
        }
        // libsndfile draws an Ogg stream's serial number at random: replace it, so that the same
        // samples give the same bytes.
        if isOgg && !OggSerialNumber.normalize(path: path) {
            throw AudioIOError.writeFailed(path: path, reason: Self.withSpaceNote("its Ogg pages could not be read back to fix their serial number", path: path))
        }
    }

    /// `reason`, with a note when the file system holding `path` is (nearly) full: the FLAC and
    /// Vorbis encoders report a full disk as "Unspecified internal error" or not at all.
    static func withSpaceNote(_ reason: String, path: String) -> String {
        guard !reason.contains("No space left") else { return reason }
        var fs = statvfs()
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        guard statvfs(directory.isEmpty ? "/" : directory, &fs) == 0 else { return reason }
        let left = Double(fs.f_bavail) * Double(fs.f_frsize)
        guard left < 1_048_576 else { return reason }
        return reason + " (the file system holding it has \(Int(left / 1000)) kB left: it is probably full)"
    }
}

extension AudioBuffer {
    /// Writes the whole buffer to a new audio file (the file is removed again if writing fails).
    /// - Parameters:
    ///   - path: the file to create (replaced if it exists).
    ///   - format: container and sample encoding, e.g. `.wavFloat`.
    /// - Throws: `AudioIOError` when the format cannot hold the buffer or writing fails.
    public func write(to path: String, format: AudioFormat) throws {
        let writer = try SoundFileWriter(path: path, format: format, channels: channelCount, sampleRate: sampleRate)
        do {
            try writer.write(channels, count: frameCount)
            try writer.close()
        } catch {
            try? writer.close()
            _ = path.withCString { unlink($0) }
            throw error
        }
    }
}
