/// Settings of the short-time Fourier transform: FFT size, hop and window.
///
/// Frames are centred: frame `n` covers samples `n·hop − fftSize/2 ..< n·hop + fftSize/2`,
/// with zeros outside the signal. A signal of `L` samples has `1 + ⌈(L − 1) / hop⌉`
/// frames, so every sample lies within `hop/2` of a frame centre and the inverse
/// reconstructs all of it.
public struct STFTConfiguration: Sendable, Equatable {
    /// Accepted FFT sizes (even values only).
    public static let fftSizeRange = 16...65_536

    /// Number of samples per frame (the FFT length), even.
    public let fftSize: Int
    /// Distance between consecutive frame centres, in samples (1 to ``maxHopLength(fftSize:)``).
    public let hopLength: Int

    /// Validates and creates a configuration.
    /// - Parameters:
    ///   - fftSize: FFT length, even, in `fftSizeRange` (default 2048).
    ///   - hopLength: hop in samples, 1 to ``maxHopLength(fftSize:)`` (3/4 of the FFT size);
    ///     `nil` means `fftSize / 4`.
    /// - Throws: `SpectralError.invalidFFTSize` or `.invalidHopLength`.
    public init(fftSize: Int = 2048, hopLength: Int? = nil) throws {
        guard Self.fftSizeRange.contains(fftSize), fftSize % 2 == 0 else { throw SpectralError.invalidFFTSize(fftSize) }
        let hop = hopLength ?? fftSize / 4
        guard hop >= 1, hop <= Self.maxHopLength(fftSize: fftSize) else { throw SpectralError.invalidHopLength(hop: hop, fftSize: fftSize) }
        self.fftSize = fftSize
        self.hopLength = hop
    }

    /// The defaults, FFT size 2048 and hop 512, without `try` (they are valid by construction).
    public static let standard = STFTConfiguration(checkedFFTSize: 2048, hopLength: 512)

    /// A configuration whose values the caller has checked.
    private init(checkedFFTSize fftSize: Int, hopLength: Int) {
        self.fftSize = fftSize
        self.hopLength = hopLength
    }

    /// The largest hop accepted for an FFT of `fftSize` samples: 3/4 of it. Beyond, the squared
    /// periodic Hann windows overlap so little that the inverse divides by sums as small as
    /// 10⁻¹¹ of their peak (at a hop of N − 1; 0 at a hop of N, which leaves each frame's first
    /// sample uncovered), and float32 rounding no longer lets the sources add up to the mixture;
    /// at 3/4 the smallest sum is 0.043 and the round trip holds to 10⁻⁵ of the peak.
    /// - Parameter fftSize: the FFT length N.
    /// - Returns: ⌊3N/4⌋.
    public static func maxHopLength(fftSize: Int) -> Int { fftSize * 3 / 4 }

    /// Number of frequency bins of the real-input transform, `fftSize / 2 + 1`.
    public var binCount: Int { fftSize / 2 + 1 }

    /// Number of centred frames for a signal of `length` samples: `1 + ⌈(length − 1) / hop⌉`.
    public func frameCount(forSignalLength length: Int) -> Int {
        length <= 1 ? 1 : 1 + (length - 1 + hopLength - 1) / hopLength
    }

    /// The first sample (possibly negative) that frame `frame` covers.
    public func frameStart(_ frame: Int) -> Int { frame * hopLength - fftSize / 2 }
}
