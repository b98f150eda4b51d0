import Spectral

/// Invalid separation settings or input; messages name the parameter, its value and the allowed range.
public enum SeparationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of range. `name` is the command-line option for most settings the command
    /// line has, since most messages reach its users (e.g. `--components` for
    /// `SeparationConfiguration.componentCount`, `--ensemble` for `ensembleSize`, `--mask-power`
    /// for `maskPower`), else a property or quantity (`sourceCount` from
    /// `recommended(sourceCount:stft:seed:)`, `threadCount`, `chunkFrames`, …).
    case invalidParameter(name: String, value: String, allowed: String)
    /// The audio is too short for the analysis settings.
    case tooShort(frames: Int, fftSize: Int)
    /// Every training recording is silent: there are no templates to learn.
    case silentTraining(files: [String])
    /// The mixture cannot be separated as given: its samples, shape or size (the message says which).
    case invalidInput(String)
    /// The progress callback asked to stop.
    case cancelled

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .invalidParameter(let n, let v, let a): return "\(n) \(v) is out of range (allowed: \(a))"
        case .tooShort(let frames, let n):
            let advice = n > STFTConfiguration.fftSizeRange.lowerBound ? "use a smaller --fft-size or a longer file" : "use a longer file (\(n) is the smallest --fft-size)"
            return "audio is \(frames) sample\(frames == 1 ? "" : "s") long, shorter than one frame (--fft-size \(n)); \(advice)"
        case .silentTraining(let files):
            let named = files.isEmpty ? "the training audio is" : files.map { "'\($0)'" }.joined(separator: ", ") + (files.count == 1 ? " is" : " are")
            return "\(named) silent (its spectrum is all zero: every sample is zero, or so faint, below about 1e-25, that float32 spectra lose it): there are no templates to learn"
        case .invalidInput(let s): return s
        case .cancelled: return "separation cancelled"
        }
    }
}
