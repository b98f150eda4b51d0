/// BSS Eval v4 image scores window by window (`BSSEval.evaluateImagesFramewise`), with their
/// medians — museval's default protocol for stereo music (1-second windows, medians over them).
///
/// `sdr[i][w]` scores reference source `i` against estimate `permutation[i]` on window `w`,
/// which spans samples `windowStarts[w] ..< windowStarts[w] + windowLength`; windows in which
/// some reference or estimate is silent are NaN, as in museval, and left out of the medians.
public struct FramewiseImageScores: Sendable, Equatable {
    /// Image SDR per reference and window, dB (see `ImageScores.sdr`).
    public var sdr: [[Double]]
    /// Image ISR per reference and window, dB.
    public var isr: [[Double]]
    /// Image SIR per reference and window, dB.
    public var sir: [[Double]]
    /// Image SAR per reference and window, dB.
    public var sar: [[Double]]
    /// For each reference `i`, the index of the estimate it was scored against.
    public var permutation: [Int]
    /// The first sample of each window.
    public var windowStarts: [Int]
    /// The samples in each window.
    public var windowLength: Int

    /// Creates scores from their parts (one row per reference, one column per window).
    /// - Parameters:
    ///   - sdr: SDR per reference and window, dB.
    ///   - isr: ISR per reference and window, dB.
    ///   - sir: SIR per reference and window, dB.
    ///   - sar: SAR per reference and window, dB.
    ///   - permutation: the estimate index matched to each reference.
    ///   - windowStarts: the first sample of each window.
    ///   - windowLength: the samples in each window.
    public init(sdr: [[Double]], isr: [[Double]], sir: [[Double]], sar: [[Double]], permutation: [Int],
                windowStarts: [Int], windowLength: Int) {
        self.sdr = sdr
        self.isr = isr
        self.sir = sir
        self.sar = sar
        self.permutation = permutation
        self.windowStarts = windowStarts
        self.windowLength = windowLength
    }

    /// Each reference's median over its non-NaN windows (NaN when every window is NaN), per metric.
    public var median: ImageScores {
        ImageScores(sdr: sdr.map(Self.median), isr: isr.map(Self.median), sir: sir.map(Self.median),
                    sar: sar.map(Self.median), permutation: permutation)
    }

    /// The median of the values that are not NaN (the mean of the middle two for an even count),
    /// like NumPy's `nanmedian`.
    /// - Parameter values: any doubles, ±∞ included.
    /// - Returns: the median, or NaN when no value is a number.
    public static func median(_ values: [Double]) -> Double {
        let v = values.filter { !$0.isNaN }.sorted()
        if v.isEmpty { return .nan }
        let m = v.count / 2
        return v.count % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2
    }
}
