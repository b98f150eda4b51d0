import Foundation
import NMFSeparation

/// Finds, before a separation, an output format whose encoder refuses the input's sample rate
/// or channel count although `sf_format_check` accepts them (Vorbis above 192 kHz, FLAC above
/// 655 kHz), so that the run fails at once instead of after the separation: it writes a short
/// silent file of that format in the temporary directory and removes it. One trial per format,
/// channel count and rate per process, for encoded containers only (`AudioFormat.isEncoded`).
final class EncoderTrial: @unchecked Sendable {
    /// The trials of this process.
    static let shared = EncoderTrial()
    private let lock = NSLock()
    /// Per format/channels/rate: nil when the trial wrote, else libsndfile's reason.
    private var results: [String: String?] = [:]

    /// Why `format` cannot be written with `channels` at `sampleRate`, or nil when it can, when it
    /// is not an encoded container, or when the trial could not be made (no writable temporary
    /// directory, a system error): the write itself reports those.
    func refusal(format: AudioFormat, channels: Int, sampleRate: Int) -> String? {
        guard format.isEncoded else { return nil }
        let key = "\(format.rawValue)/\(channels)/\(sampleRate)"
        if let known = lock.withLock({ results[key] }) { return known }
        let reason = Self.trial(format: format, channels: channels, sampleRate: sampleRate)
        lock.withLock { results[key] = .some(reason) }
        return reason
    }

    /// Writes and removes 2048 silent frames (libsndfile's own messages on stderr silenced).
    private static func trial(format: AudioFormat, channels: Int, sampleRate: Int) -> String? {
        let directory = NSTemporaryDirectory()
        guard access(directory, W_OK) == 0, hasRoom(directory) else { return nil }
        let path = (directory as NSString).appendingPathComponent(
            "nmf-separate-trial-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).\(format.fileExtension)")
        SignalCleanup.shared.register([path])
        defer {
            unlink(path)
            SignalCleanup.shared.unregister([path])
        }
        let outcome: Result<Void, Error> = SoundFileReader.withStderrSilenced {
            Result {
                let writer = try SoundFileWriter(path: path, format: format, channels: channels, sampleRate: sampleRate)
                try writer.write([[Float]](repeating: [Float](repeating: 0, count: 2048), count: channels), count: 2048)
                try writer.close()
            }
        }
        guard case .failure(AudioIOError.writeFailed(_, let reason)) = outcome else { return nil }
        // A full or failing temporary directory is not the format's fault (FLAC then blamed its
        // "decoder"): a plain file of the same size must fit where the trial failed.
        unlink(path)
        guard !reason.hasPrefix("System error"), plainWriteWorks(path, bytes: 2048 * channels * 4) else { return nil }
        return reason.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the file system of `directory` has at least 1 MiB free for the trial.
    private static func hasRoom(_ directory: String) -> Bool {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return false }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize) >= 1 << 20
    }

    /// Whether `bytes` zeros can be written to `path` (removed again).
    private static func plainWriteWorks(_ path: String, bytes: Int) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd); unlink(path) }
        let zeros = [UInt8](repeating: 0, count: bytes)
        return zeros.withUnsafeBytes { writeAll(fd, $0) } == nil && fsync(fd) == 0
    }
}
