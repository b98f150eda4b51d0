import DSPCore

/// A complex STFT of one channel: `bins × frames` complex values, stored frame by frame
/// as interleaved (re, im) pairs, i.e. element (f, n) is at `2·(n·bins + f)`.
public struct ComplexSpectrogram: Sendable, Equatable {
    /// Number of frequency bins (`fftSize/2 + 1`).
    public let bins: Int
    /// Number of frames.
    public let frames: Int
    /// Interleaved (re, im) values, frame-major: 2 · bins · frames of them (the accessors
    /// stop, and ``STFT`` refuses the spectrogram, when a change left another count).
    public var storage: [Float]

    /// Creates a zero spectrogram of the given shape.
    /// - Parameters:
    ///   - bins: number of frequency bins, ≥ 0.
    ///   - frames: number of frames, ≥ 0.
    /// - Precondition (checked in release builds too): both are ≥ 0 and `2 · bins · frames` does not overflow (the process
    ///   stops with a message naming the values otherwise).
    public init(bins: Int, frames: Int) {
        require(bins >= 0 && frames >= 0, "spectrogram shape \(bins) bins × \(frames) frames is out of range (allowed: 0 or more each)")
        require(Self.storageCount(bins: bins, frames: frames) != nil,
                "spectrogram shape \(bins) bins × \(frames) frames is too large (allowed: 2 · bins · frames up to \(Int.max))")
        self.bins = bins
        self.frames = frames
        storage = [Float](repeating: 0, count: 2 * bins * frames)
    }

    /// `2 · bins · frames`, the storage size of that shape, or `nil` when it overflows.
    static func storageCount(bins: Int, frames: Int) -> Int? {
        let (values, overflow) = bins.multipliedReportingOverflow(by: frames)
        let (count, overflow2) = values.multipliedReportingOverflow(by: 2)
        return overflow || overflow2 ? nil : count
    }

    /// The real part of bin `f` in frame `n`.
    /// - Precondition: 0 ≤ f < bins and 0 ≤ n < frames, checked in every build (the process
    ///   stops, as for an array index out of range, instead of reading another value).
    public func real(_ f: Int, _ n: Int) -> Float { checkIndex(f, n); return storage[2 * (n * bins + f)] }
    /// The imaginary part of bin `f` in frame `n`.
    /// - Precondition: as for ``real(_:_:)``.
    public func imaginary(_ f: Int, _ n: Int) -> Float { checkIndex(f, n); return storage[2 * (n * bins + f) + 1] }

    /// Stops unless (f, n) is inside the shape and `storage` (settable) still holds
    /// 2 · bins · frames values: the element's offset is computed from the shape.
    @inline(__always)
    private func checkIndex(_ f: Int, _ n: Int) {
        require(f >= 0 && f < bins && n >= 0 && n < frames,
                "spectrogram index (bin \(f), frame \(n)) is out of range (allowed: bins 0 to \(bins - 1), frames 0 to \(frames - 1))")
        require(storage.count == 2 * bins * frames,
                "spectrogram storage holds \(storage.count) values (allowed: 2 · \(bins) bins · \(frames) frames = \(2 * bins * frames))")
    }
    /// The magnitude |X(f, n)|.
    public func magnitude(_ f: Int, _ n: Int) -> Float {
        let re = real(f, n), im = imaginary(f, n)
        return (re * re + im * im).squareRoot()
    }
}
