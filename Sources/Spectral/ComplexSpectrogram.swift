/// A complex STFT of one channel: `bins × frames` complex values, stored frame by frame
/// as interleaved (re, im) pairs, i.e. element (f, n) is at `2·(n·bins + f)`.
public struct ComplexSpectrogram: Sendable, Equatable {
    /// Number of frequency bins (`fftSize/2 + 1`).
    public let bins: Int
    /// Number of frames.
    public let frames: Int
    /// Interleaved (re, im) values, frame-major.
    public var storage: [Float]

    /// Creates a zero spectrogram of the given shape.
    public init(bins: Int, frames: Int) {
        self.bins = bins
        self.frames = frames
        storage = [Float](repeating: 0, count: 2 * bins * frames)
    }

    /// The real part of bin `f` in frame `n`.
    public func real(_ f: Int, _ n: Int) -> Float { storage[2 * (n * bins + f)] }
    /// The imaginary part of bin `f` in frame `n`.
    public func imaginary(_ f: Int, _ n: Int) -> Float { storage[2 * (n * bins + f) + 1] }
    /// The magnitude |X(f, n)|.
    public func magnitude(_ f: Int, _ n: Int) -> Float {
        let re = real(f, n), im = imaginary(f, n)
        return (re * re + im * im).squareRoot()
    }
}
