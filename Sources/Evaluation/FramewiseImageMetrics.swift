import DSPCore

/// BSS Eval v4 image metrics window by window, as museval computes them by default (Stöter,
/// Liutkus & Ito, LVA/ICA 2018): the distortion filters are fitted once on the whole signals
/// (time-invariant, `evaluateImages`), then every window's decomposition projects that window's
/// reference samples through those filters (the convolution starts afresh in each window and its
/// L − 1 tail belongs to it), and the four ratios are computed on it.
extension BSSEval {
    /// The most windows `evaluateImagesFramewise` scores (a hop of a few samples on a long file
    /// would otherwise run for hours): 1 000 000.
    public static let maximumWindowCount = 1_000_000

    /// Scores multichannel estimates window by window (museval's `bss_eval` with `window`, `hop`,
    /// `framewise_filters=False`); MUSDB18/SiSEC 2018 report the median over 1-second windows.
    /// - Parameters:
    ///   - references: J ≥ 1 sources of C channels of T samples (as `evaluateImages`).
    ///   - estimates: J sources of C channels of T samples, in any order.
    ///   - window: samples per window, ≥ 1; a window of T or more gives one window of T samples
    ///     (scored by `evaluateImages`' quadratic forms, which give the same values).
    ///   - hop: samples between window starts, ≥ 1. Only whole windows are scored:
    ///     ⌊(T − window) / hop⌋ + 1 of them, as museval frames the signal.
    ///   - filterLength: L (default 512).
    ///   - progress: called with the fraction of the windows scored (0 once the filters are fitted,
    ///     then after each window, from the worker threads, in increasing order; never for one
    ///     window over the whole signals).
    ///   - fixedOrder: score estimate i against reference i, as museval's MUSDB18 evaluation
    ///     (`compute_permutation=False`) does; by default the assignment maximising the mean SIR
    ///     over the windows that are not NaN is chosen (museval's own search averages with NaN,
    ///     so one silent window makes it keep the given order).
    /// - Returns: the scores per reference and window; a window in which the channel sum of some
    ///   reference or estimate is zero throughout (silence, or channels in anti-phase) is NaN.
    /// - Throws: `EvaluationError` as `evaluateImages`, `.invalidWindow` for a window or hop below 1,
    ///   `.tooManyWindows` beyond `maximumWindowCount`.
    /// - Complexity: `evaluateImages`' factorisation, (J + 1)·J·C filter solves, 2·J²·C² filter
    ///   transforms, and per window J·C forward and (J + 1)·J·C inverse FFTs of N ≥ window + L − 1
    ///   points, windows in parallel; memory 2·J²·C² half spectra of N/2 + 1 complex doubles
    ///   (3 stereo sources, 1-s windows at 44.1 kHz: 38 MB) and 4·J²·(windows) doubles.
    public static func evaluateImagesFramewise(references: [[[Float]]], estimates: [[[Float]]], window: Int, hop: Int,
                                               filterLength: Int = defaultFilterLength, fixedOrder: Bool = false,
                                               progress: (@Sendable (Double) -> Void)? = nil) throws(EvaluationError) -> FramewiseImageScores {
        try validateImages(references: references, estimates: estimates, filterLength: filterLength, clampDB: nil)
        let j = references.count, length = references[0][0].count
        let (starts, width) = try frames(length: length, window: window, hop: hop)
        let ratios: [[[[Double]]]]   // [metric][i][e][window]
        if width == length {
            let silent = WindowScores.isSilent(references, in: 0..<length) || WindowScores.isSilent(estimates, in: 0..<length)
            let whole = imageRatios(references: references, estimates: estimates, filterLength: filterLength)
            ratios = whole.map { $0.map { $0.map { [silent ? .nan : $0] } } }
        } else {
            ratios = windowRatios(references: references, estimates: estimates, starts: starts, width: width,
                                  filterLength: filterLength, progress: progress)
        }
        let meanSIR = ratios[2].map { row in
            row.map { w -> Double in
                let v = w.filter { !$0.isNaN }
                return v.isEmpty ? -.infinity : v.reduce(0, +) / Double(v.count)
            }
        }
        let permutation = fixedOrder ? Array(0..<j) : bestBySIR(meanSIR)
        func pick(_ m: Int) -> [[Double]] { (0..<j).map { ratios[m][$0][permutation[$0]] } }
        return FramewiseImageScores(sdr: pick(0), isr: pick(1), sir: pick(2), sar: pick(3), permutation: permutation,
                                    windowStarts: starts, windowLength: width)
    }

    /// The four ratios of every pair on every window, [metric][i][e][window], windows in parallel.
    private static func windowRatios(references: [[[Float]]], estimates: [[[Float]]], starts: [Int], width: Int,
                                     filterLength: Int, progress: (@Sendable (Double) -> Void)?) -> [[[[Double]]]] {
        let j = references.count, count = starts.count
        let spaces = ImageSubspaces(references: references, estimates: estimates, filterLength: filterLength)
        let convolver = WindowConvolver(spaces: spaces, width: width, filterLength: filterLength)
        progress?(0)
        let done = WindowCounter()
        var flat = [Double](repeating: 0, count: count * j * j * 4)   // window, i, e, metric
        flat.withUnsafeMutableBufferPointer { fp in
            let base = fp.baseAddress!
            let blocks = min(count, 64)
            Parallel.forEachBlock(blocks, threads: Parallel.defaultThreadCount) { block in
                for w in Parallel.blockRange(block, of: blocks, count: count) {
                    let scores = WindowScores(references: references, estimates: estimates, start: starts[w], width: width,
                                              filterLength: filterLength, convolver: convolver)
                    for i in 0..<j {
                        for e in 0..<j {
                            let r = scores.ratios(reference: i, estimate: e)
                            for m in 0..<4 { base[((w * j + i) * j + e) * 4 + m] = r[m] }
                        }
                    }
                    if let progress { done.increment { progress(Double($0) / Double(count)) } }
                }
            }
        }
        return (0..<4).map { m in (0..<j).map { i in (0..<j).map { e in (0..<count).map { flat[((($0 * j) + i) * j + e) * 4 + m] } } } }
    }
}

extension BSSEval {
    /// The image SDR (`imageSDR`) of one multichannel estimate — typically the mixture — against
    /// each reference source, window by window, with the windows and the silence rule of
    /// `evaluateImagesFramewise` (a window is NaN when the channel sum of some reference source or
    /// of the estimate is zero throughout it); no projection is needed.
    /// - Parameters:
    ///   - references: J ≥ 1 sources of C channels of T samples.
    ///   - estimate: C channels of T samples.
    ///   - window: samples per window, ≥ 1.
    ///   - hop: samples between window starts, ≥ 1.
    /// - Returns: SDR in dB per reference and window.
    /// - Throws: `EvaluationError` for mismatched shapes, empty or non-finite signals (the estimate
    ///   is named `mixture`), a silent reference, a window or hop below 1, or too many windows.
    /// - Complexity: O(J·C·T·window/hop).
    public static func imageSDRFramewise(references: [[[Float]]], estimate: [[Float]], window: Int,
                                         hop: Int) throws(EvaluationError) -> [[Double]] {
        let estimates = [[[Float]]](repeating: estimate, count: references.count)
        try validateImages(references: references, estimates: estimates, filterLength: 1, clampDB: nil,
                           estimateName: { _ in "mixture" })
        let (starts, width) = try frames(length: references[0][0].count, window: window, hop: hop)
        let ranges = starts.map { $0..<($0 + width) }
        let silent = ranges.map { WindowScores.isSilent(references, in: $0) || WindowScores.isSilent([estimate], in: $0) }
        return references.map { reference in
            ranges.indices.map { w in silent[w] ? .nan : imageSDR(reference, estimate, in: ranges[w]) }
        }
    }

    /// museval's framing: ⌊(T − window) / hop⌋ + 1 whole windows from sample 0, or one window of
    /// all T samples when the window is not shorter than the signal; at most `maximumWindowCount`.
    static func frames(length: Int, window: Int, hop: Int) throws(EvaluationError) -> (starts: [Int], width: Int) {
        if window < 1 || hop < 1 { throw .invalidWindow(window: window, hop: hop) }
        let count = window < length ? (length - window) / hop + 1 : 1
        if count > maximumWindowCount { throw .tooManyWindows(count: count, maximum: maximumWindowCount) }
        return ((0..<count).map { $0 * hop }, min(window, length))
    }
}

/// The windows scored so far, shared by the worker threads; reports each new count under the lock,
/// so that the fractions arrive in increasing order.
private final class WindowCounter: @unchecked Sendable {
    private let lock = PThreadLock()
    private var count = 0

    func increment(_ report: (Int) -> Void) {
        lock.withLock {
            count += 1
            report(count)
        }
    }
}
