/// Invalid STFT settings. Messages name the parameter, its value and the allowed range.
public enum SpectralError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The FFT size is outside the supported range or odd.
    case invalidFFTSize(Int)
    /// The hop length is outside 1 to `STFTConfiguration.maxHopLength(fftSize:)` (3/4 of the FFT size).
    case invalidHopLength(hop: Int, fftSize: Int)
    /// A complex spectrogram's shape does not match the STFT settings.
    case shapeMismatch(String)
    /// An argument of a call is out of range.
    /// - Parameters:
    ///   - name: the parameter, e.g. `"length"`.
    ///   - value: the offending value as text.
    ///   - allowed: what would have been accepted.
    case invalidParameter(name: String, value: String, allowed: String)

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .invalidFFTSize(let n):
            return "--fft-size \(n) is out of range (allowed: even sizes from \(STFTConfiguration.fftSizeRange.lowerBound) to \(STFTConfiguration.fftSizeRange.upperBound))"
        case .invalidHopLength(let h, let n):
            return "--hop \(h) is out of range (allowed: 1 to 3/4 of the fft size \(n), \(STFTConfiguration.maxHopLength(fftSize: n)))"
        case .shapeMismatch(let s):
            return "spectrogram shape mismatch: \(s)"
        case .invalidParameter(let name, let value, let allowed):
            return "\(name) \(value) is out of range (allowed: \(allowed))"
        }
    }
}
