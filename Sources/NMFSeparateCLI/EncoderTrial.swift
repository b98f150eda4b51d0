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

    /// Writes and removes 2048 silent frames.
    private static func trial(format: AudioFormat, channels: Int, sampleRate: Int) -> String? {
        let directory = NSTemporaryDirectory()
        guard access(directory, W_OK) == 0 else { return nil }
        let path = (directory as NSString).appendingPathComponent(
            "nmf-separate-trial-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).\(format.fileExtension)")
        SignalCleanup.shared.register([path])
        defer {
            unlink(path)
            SignalCleanup.shared.unregister([path])
        }
        do {
            let writer = try SoundFileWriter(path: path, format: format, channels: channels, sampleRate: sampleRate)
            try writer.write([[Float]](repeating: [Float](repeating: 0, count: 2048), count: channels), count: 2048)
            try writer.close()
            return nil
        } catch AudioIOError.writeFailed(_, let reason) {
            // A full or failing temporary directory is not the format's fault.
            return reason.hasPrefix("System error") ? nil : reason.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return nil
        }
    }
}
