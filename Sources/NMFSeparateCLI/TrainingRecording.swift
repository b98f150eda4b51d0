import AudioIO
import Separation

/// A training file that holds its file open only while it is being read: `train` may be given
/// more recordings (a directory of thousands of takes) than the process may have files open
/// (`ulimit -n`, often 1024), and the trainer reads them one after another.
///
/// It is opened once to learn its length, channels and rate (and to fail by name before the
/// training when it is not audio), closed, and opened again for the reading; the reader is
/// released once a read reaches the end of the file (the trainer reads each file front to
/// back), and opened again should a later read come.
final class TrainingRecording: SampleSource {
    /// The path, as given.
    let path: String
    /// Frames (samples per channel), as the first opening found.
    let frameCount: Int
    /// Number of channels.
    let channelCount: Int
    /// Sample rate in Hz.
    let sampleRate: Int
    /// The open reader while a reading is under way.
    private var reader: SoundFileReader?
    /// Whether the file is open now.
    var isOpen: Bool { reader != nil }

    /// Opens `path` to learn its shape, then closes it.
    /// - Throws: `AudioIOError` naming the file when it cannot be opened as audio.
    init(path: String) throws {
        let probe = try SoundFileReader(path: path)
        self.path = path
        frameCount = probe.frameCount
        channelCount = probe.channelCount
        sampleRate = probe.sampleRate
    }

    /// Reads `count` frames from `start` (zeros outside the file), opening the file if it is
    /// not open and closing it when the read reaches the file's end.
    /// - Throws: `AudioIOError` from the reading, or `.cannotOpen` when the file opened again
    ///   no longer has the shape it had (it was replaced since).
    func read(start: Int, count: Int, into channels: inout [[Float]]) throws {
        let r: SoundFileReader
        if let reader { r = reader } else {
            r = try SoundFileReader(path: path)
            guard r.frameCount == frameCount, r.channelCount == channelCount, r.sampleRate == sampleRate else {
                throw AudioIOError.cannotOpen(path: path, reason: "the file changed while training (it had \(frameCount) frames, "
                    + "\(channelCount) channels at \(sampleRate) Hz, now \(r.frameCount), \(r.channelCount) at \(r.sampleRate) Hz)")
            }
            reader = r
        }
        try r.read(start: start, count: count, into: &channels)
        if start + count >= frameCount { reader = nil }
    }
}
