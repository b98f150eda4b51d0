/// Errors raised while reading or writing audio files or checking an audio buffer. Every
/// message names the file (or the parameter) and the offending value.
public enum AudioIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The path names a directory, not a file.
    case isDirectory(path: String)
    /// libsndfile could not open the file (not audio, unsupported, or unreadable).
    case cannotOpen(path: String, reason: String)
    /// The header describes something that cannot be audio (channels, rate or length).
    case invalidHeader(path: String, reason: String)
    /// The file holds no audio samples.
    case empty(path: String)
    /// The file ended before the number of frames its header announces.
    case truncated(path: String, expectedFrames: Int, readFrames: Int)
    /// The header announces more audio data than the file holds.
    case truncatedData(path: String, claimedBytes: Int, presentBytes: Int)
    /// A sample is NaN or infinite (the first in the file: frame, then channel, counted from 0;
    /// `doublePrecision`: the file holds 64-bit floats, where a finite value beyond float's range
    /// reads as infinite).
    case nonFiniteSample(path: String, frame: Int, channel: Int, doublePrecision: Bool)
    /// Writing failed (disk full, file-size limit, permissions).
    case writeFailed(path: String, reason: String)
    /// The requested output format cannot be written by libsndfile.
    case unsupportedOutputFormat(path: String, format: String)
    /// An argument of a call is out of range or inconsistent with the file or buffer.
    /// - Parameters:
    ///   - path: the file being read or written, `nil` for an in-memory `AudioBuffer`.
    ///   - name: the parameter, e.g. `"count"` or `"channels[1]"`.
    ///   - value: the offending value as text.
    ///   - allowed: what would have been accepted.
    case invalidParameter(path: String?, name: String, value: String, allowed: String)

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .fileNotFound(let p): return "input file '\(p)' does not exist"
        case .isDirectory(let p): return "'\(p)' is a directory, not an audio file"
        case .cannotOpen(let p, let r): return "cannot read '\(p)' as audio: \(r)"
        case .invalidHeader(let p, let r): return "'\(p)' has an invalid audio header: \(r)"
        case .empty(let p): return "'\(p)' contains no audio samples (length 0)"
        case .truncated(let p, let e, let r):
            return "'\(p)' is truncated or damaged: the header announces \(e) frames but only \(r) could be decoded"
        case .truncatedData(let p, let c, let r):
            return "'\(p)' is truncated: the header announces \(c) bytes of audio data but the file holds only \(r)"
        case .nonFiniteSample(let p, let f, let c, let double):
            // A 64-bit sample beyond float's range (about 3.4 × 10³⁸) reads as infinite.
            let what = double ? "a NaN, infinite or out-of-range sample (beyond ±3.4e38, float's range)" : "a NaN or infinite sample"
            return "'\(p)' contains \(what) at frame \(f), channel \(c + 1) (allowed: finite samples)"
        case .writeFailed(let p, let r): return "cannot write '\(p)': \(r)"
        case .unsupportedOutputFormat(let p, let f): return "cannot write '\(p)' in format \(f)"
        case .invalidParameter(let p, let n, let v, let a):
            return "\(p.map { "'\($0)': " } ?? "")\(n) \(v) is out of range (allowed: \(a))"
        }
    }
}
