/// The decomposition of every estimate against every reference on one window.
struct WindowScores {
    private let references: [[[Double]]], estimates: [[[Double]]]
    /// P_t ŝ_{e,c}: projected[t][e][c], window + L − 1 samples.
    private let projected: [[[[Double]]]]
    private let silent: Bool

    /// Cuts the window `start ..< start + width` out of every signal (zero-padded by L − 1) and,
    /// unless it is silent, projects every estimate channel onto every target span.
    init(references: [[[Float]]], estimates: [[[Float]]], start: Int, width: Int, filterLength l: Int,
         convolver: WindowConvolver) {
        let range = start..<(start + width)
        silent = WindowScores.isSilent(references, in: range) || WindowScores.isSilent(estimates, in: range)
        if silent {
            (self.references, self.estimates, projected) = ([], [], [])
            return
        }
        let span = width + l - 1
        func cut(_ x: [Float]) -> [Double] { x[range].map(Double.init) + [Double](repeating: 0, count: l - 1) }
        let r = references.map { $0.map(cut) }, e = estimates.map { $0.map(cut) }
        self.references = r
        self.estimates = e
        let j = references.count, c = references[0].count
        let spectra = r.flatMap { $0 }.map { WindowConvolver.transform($0[0..<width], fft: convolver.fft) }
        projected = (0...j).map { t in
            (0..<j).map { est in
                (0..<c).map { ch in convolver.project(target: t, estimate: est, channel: ch, referenceSpectra: spectra, count: span) }
            }
        }
    }

    /// museval's rule: a window is skipped when the channel sum of some source is zero throughout it
    /// (silence, or channels in exact anti-phase), summed in `Double` as museval's float64 arrays are.
    /// - Parameters:
    ///   - sources: sources × channels × samples.
    ///   - range: the window's samples.
    static func isSilent(_ sources: [[[Float]]], in range: Range<Int>) -> Bool {
        sources.contains { channels in
            range.allSatisfy { t in channels.reduce(0.0) { $0 + Double($1[t]) } == 0 }
        }
    }

    /// SDR, ISR, SIR, SAR (dB) of estimate `e` against reference `i` on this window; NaN when it is silent.
    func ratios(reference i: Int, estimate e: Int) -> [Double] {
        if silent { return [.nan, .nan, .nan, .nan] }
        let all = projected.count - 1
        var s = 0.0, sdr = 0.0, isr = 0.0, pj = 0.0, interf = 0.0, pall = 0.0, artif = 0.0
        for c in 0..<references[i].count {
            let ref = references[i][c], est = estimates[e][c], own = projected[i][e][c], every = projected[all][e][c]
            for t in 0..<ref.count {
                s += ref[t] * ref[t]
                sdr += (est[t] - ref[t]) * (est[t] - ref[t])
                isr += (own[t] - ref[t]) * (own[t] - ref[t])
                pj += own[t] * own[t]
                interf += (every[t] - own[t]) * (every[t] - own[t])
                pall += every[t] * every[t]
                artif += (est[t] - every[t]) * (est[t] - every[t])
            }
        }
        return [BSSEval.decibels(s, sdr), BSSEval.decibels(s, isr), BSSEval.decibels(pj, interf), BSSEval.decibels(pall, artif)]
    }
}
