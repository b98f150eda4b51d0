import DSPCore

/// BSS Eval v4 image metrics window by window, as museval computes them by default (Stöter,
/// Liutkus & Ito, LVA/ICA 2018): the distortion filters are fitted once on the whole signals
/// (time-invariant, `evaluateImages`), then every window's decomposition projects that window's
/// reference samples through those filters (the convolution starts afresh in each window and its
/// L − 1 tail belongs to it), and the four ratios are computed on it.
extension BSSEval {
    /// Scores multichannel estimates window by window (museval's `bss_eval` with `window`, `hop`,
    /// `framewise_filters=False`); MUSDB18/SiSEC 2018 report the median over 1-second windows.
    /// - Parameters:
    ///   - references: J ≥ 1 sources of C channels of T samples (as `evaluateImages`).
    ///   - estimates: J sources of C channels of T samples, in any order.
    ///   - window: samples per window, ≥ 1; a window of T or more gives one window of T samples.
    ///   - hop: samples between window starts, ≥ 1. Only whole windows are scored:
    ///     ⌊(T − window + hop) / hop⌋ of them, as museval frames the signal.
    ///   - filterLength: L (default 512).
    /// - Returns: the scores per reference and window, the estimate of each reference chosen to
    ///   maximise the mean SIR over the windows that are not NaN.
    /// - Throws: `EvaluationError` as `evaluateImages`, and `.invalidWindow` for a window or hop below 1.
    /// - Complexity: `evaluateImages`' factorisation, the projection filters (2·J²·C² of L taps),
    ///   and per window J·C forward and J·C·(J + 1) inverse FFTs of N ≥ window + L − 1 points;
    ///   memory 2·J²·C² spectra of N complex doubles (3 stereo sources, 1-s windows at 44.1 kHz: 75 MB).
    public static func evaluateImagesFramewise(references: [[[Float]]], estimates: [[[Float]]], window: Int, hop: Int,
                                               filterLength: Int = defaultFilterLength) throws(EvaluationError) -> FramewiseImageScores {
        try validateImages(references: references, estimates: estimates, filterLength: filterLength, clampDB: nil)
        let j = references.count
        let (starts, width) = try frames(length: references[0][0].count, window: window, hop: hop)
        let spaces = ImageSubspaces(references: references, estimates: estimates, filterLength: filterLength)
        let convolver = WindowConvolver(spaces: spaces, width: width, filterLength: filterLength)
        // ratios[metric][i][e][w] for every pair, so that the assignment can be chosen afterwards.
        var ratios = [[[[Double]]]](repeating: [[[Double]]](repeating: [[Double]](repeating: [], count: j), count: j), count: 4)
        for start in starts {
            let window = WindowScores(references: references, estimates: estimates, start: start, width: width,
                                      filterLength: filterLength, convolver: convolver)
            for i in 0..<j {
                for e in 0..<j {
                    let r = window.ratios(reference: i, estimate: e)
                    for m in 0..<4 { ratios[m][i][e].append(r[m]) }
                }
            }
        }
        let meanSIR = ratios[2].map { row in
            row.map { w -> Double in
                let v = w.filter { !$0.isNaN }
                return v.isEmpty ? -.infinity : v.reduce(0, +) / Double(v.count)
            }
        }
        let permutation = bestBySIR(meanSIR)
        func pick(_ m: Int) -> [[Double]] { (0..<j).map { ratios[m][$0][permutation[$0]] } }
        return FramewiseImageScores(sdr: pick(0), isr: pick(1), sir: pick(2), sar: pick(3), permutation: permutation,
                                    windowStarts: starts, windowLength: width)
    }
}

extension BSSEval {
    /// The image SDR (`imageSDR`) of one multichannel estimate — typically the mixture — against
    /// each reference source, window by window, with the windows and the silence rule of
    /// `evaluateImagesFramewise` (a window is NaN when some reference source or the estimate is
    /// silent in it); no projection is needed.
    /// - Parameters:
    ///   - references: J ≥ 1 sources of C channels of T samples.
    ///   - estimate: C channels of T samples.
    ///   - window: samples per window, ≥ 1.
    ///   - hop: samples between window starts, ≥ 1.
    /// - Returns: SDR in dB per reference and window.
    /// - Throws: `EvaluationError` for mismatched shapes, empty or non-finite signals, a silent
    ///   reference, or a window or hop below 1.
    /// - Complexity: O(J·C·T·window/hop).
    public static func imageSDRFramewise(references: [[[Float]]], estimate: [[Float]], window: Int,
                                         hop: Int) throws(EvaluationError) -> [[Double]] {
        let estimates = [[[Float]]](repeating: estimate, count: references.count)
        try validateImages(references: references, estimates: estimates, filterLength: 1, clampDB: nil,
                           estimateName: { _ in "estimate" })
        let (starts, width) = try frames(length: references[0][0].count, window: window, hop: hop)
        return references.map { reference in
            starts.map { start in
                let range = start..<(start + width)
                if WindowScores.isSilent(references.map { $0.map { Array($0[range]) } }) || WindowScores.isSilent([estimate.map { Array($0[range]) }]) {
                    return .nan
                }
                var energy = 0.0, error = 0.0
                for (r, e) in zip(reference, estimate) {
                    for t in range {
                        energy += Double(r[t]) * Double(r[t])
                        error += (Double(e[t]) - Double(r[t])) * (Double(e[t]) - Double(r[t]))
                    }
                }
                return decibels(energy, error)
            }
        }
    }

    /// museval's framing: ⌊(T − window + hop) / hop⌋ whole windows from sample 0, or one window of
    /// all T samples when the window is not shorter than the signal.
    static func frames(length: Int, window: Int, hop: Int) throws(EvaluationError) -> (starts: [Int], width: Int) {
        if window < 1 || hop < 1 { throw .invalidWindow(window: window, hop: hop) }
        let count = window < length ? (length - window + hop) / hop : 1
        return ((0..<count).map { $0 * hop }, min(window, length))
    }
}
