import NMFSeparation

/// A failure of the command-line tool: the message (one line) and the exit status.
public struct CLIError: Error, CustomStringConvertible {
    /// One-line message printed to stderr after `nmf-separate: `.
    public let message: String
    /// The process exit status: 64 (EX_USAGE) for usage errors, 1 for everything else.
    public let exitCode: Int32

    /// A usage error (bad or missing option, value out of range): exit status 64.
    public static func usage(_ message: String) -> CLIError { CLIError(message: message, exitCode: 64) }
    /// A runtime failure (file problems, audio problems, write errors): exit status 1.
    public static func runtime(_ message: String) -> CLIError { CLIError(message: message, exitCode: 1) }

    /// The runtime failure of an audio file shorter than one STFT frame, naming the file.
    /// - Parameter trained: the frame is trained dictionaries' (whose fft size a separation
    ///   cannot change): the advice is a longer file or dictionaries trained with a smaller one.
    static func tooShort(_ path: String, frames: Int, fftSize: Int, trained: Bool = false) -> CLIError {
        guard trained else { return runtime("'\(path)': " + SeparationError.tooShort(frames: frames, fftSize: fftSize).description) }
        return runtime("'\(path)': audio is \(frames) sample\(frames == 1 ? "" : "s") long, shorter than one frame of the dictionaries "
            + "(trained with --fft-size \(fftSize)); use a longer file, or dictionaries trained with a smaller --fft-size")
    }

    /// The message.
    public var description: String { message }
}
