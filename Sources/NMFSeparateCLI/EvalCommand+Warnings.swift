import Foundation
import NMFSeparation

/// The inputs `eval` scores without error but likely not as meant, and the length it scores.
extension EvalCommand {
    /// Warnings about inputs that score without error but likely not as meant: an estimate
    /// that is one of the references' files, two references or two estimates (other than the
    /// mixture) that are the same signal, a `--mixture` that is not the sum of the
    /// references (the improvement then means nothing), a `--hop` longer than `--window`
    /// (part of the files is never scored), an estimate or mixture that scores as silence.
    /// - Parameters:
    ///   - signals: the references', estimates' and mixture's channels, trimmed to one length.
    ///   - images: whether the channels are scored as images (`--images`), not downmixed.
    static func inputWarnings(refs: [String], ests: [String], mixture: String?, signals: [[[Float]]],
                              window: Double?, hop: Double?, images: Bool = false) -> [String] {
        var out: [String] = []
        // The tool names its sources source_<i>: references so named, estimates not, were swapped.
        let isSource = { (path: String) in SeparateCommand.isSourceFile((path as NSString).lastPathComponent) }
        if refs.allSatisfy(isSource), !ests.contains(where: isSource) {
            out.append("the references (\((refs[0] as NSString).lastPathComponent), …) are named as nmf-separate names its sources, the estimates are not: are --reference and --estimate swapped? (the scores are not symmetric)")
        }
        let refReal = Set(refs.map(OutputPlan.resolve))
        for e in ests where refReal.contains(OutputPlan.resolve(e)) {
            out.append("'\(e)' is given both as a reference and as an estimate")
        }
        // The references' downmixes and Gram matrix, shared by both checks.
        let mono = signals.prefix(refs.count).map { (try? BSSEval.downmix($0)) ?? [] }
        let gram = Self.gram(mono)
        // (Below one filter length every pair correlates perfectly; the scores carry their own warning then.)
        if (mono.first?.count ?? 0) >= BSSEval.defaultFilterLength {
            out += alikeReferences(refs, gram: gram)
            let estimates = signals.dropFirst(refs.count).prefix(ests.count).map { (try? BSSEval.downmix($0)) ?? [] }
            out += alikeEstimates(ests, mono: Array(estimates), references: mono)
        }
        var scored = Array(zip(ests, signals.dropFirst(refs.count)))   // (zip stops after the estimates)
        if let mixture, signals.count == 2 * refs.count + 1 { scored.append((mixture, signals[2 * refs.count])) }
        for (i, (name, channels)) in scored.enumerated() {
            // Images are scored channel by channel: only a file silent in every channel is.
            out += images ? imageSilence(of: name, channels: channels, isMixture: i == ests.count)
                          : silence(of: name, channels: channels, isMixture: i == ests.count)
        }
        if let mixture, let mix = signals.last, signals.count == 2 * refs.count + 1,
           let fit = mixtureFit(of: mix, references: mono, gram: gram) {
            if fit.unexplained > 0.1 {
                out.append(String(format: "'%@' is not a mixture of the references: a least-squares weighting of them leaves %.1f dB of it unexplained (a true mixture, at any gains, leaves less than −10 dB); its SDR and the improvement then mean little", mixture, 10 * log10(fit.unexplained)))
            } else if let k = fit.shares.indices.min(by: { fit.shares[$0] < fit.shares[$1] }), fit.shares[k] < 0.001 {
                out.append(String(format: "'%@' holds almost nothing of '%@' (%.1f dB of the mixture): is it the right mixture?", mixture, refs[k], 10 * log10(max(fit.shares[k], 1e-30))))
            }
        }
        if let window, let hop, hop > window {
            out.append(String(format: "--hop %g s is longer than --window %g s: %.0f %% of the files lie between windows and are not scored", hop, window, 100 * (1 - window / hop)))
        }
        return out
    }

    /// The warning for an estimate or mixture whose downmix (the channels averaged, as BSS Eval
    /// scores them) is silent: its SDR is −∞ (a mixture's improvement then +∞), which says
    /// nothing of the separation; a stereo pair in opposite phase cancels so. Empty otherwise.
    static func silence(of name: String, channels: [[Float]], isMixture: Bool) -> [String] {
        guard let mono = try? BSSEval.downmix(channels), mono.allSatisfy({ $0 == 0 }) else { return [] }
        let why = cancels(channels, downmix: mono) ? "its channels cancel when averaged (opposite phase?)" : "it is silent over the scored length"
        let what = isMixture ? "its SDR is −∞ and every improvement +∞ (nan for an estimate that is silent too)" : "its SDR is −∞"
        return ["'\(name)' scores as silence: \(why), so \(what)"]
    }

    /// The warning for an estimate or mixture scored as images (`--images`) that is silent in
    /// every channel: its image SDR is reported as 0 dB (museval's convention for a silent
    /// estimate), not −∞, which says nothing of the separation. Empty otherwise.
    static func imageSilence(of name: String, channels: [[Float]], isMixture: Bool) -> [String] {
        guard channels.allSatisfy({ $0.allSatisfy { $0 == 0 } }) else { return [] }
        let what = isMixture ? "the mixture's SDR is 0 dB and every improvement is the estimate's own SDR"
                             : "its SDR is reported as 0 dB (museval's convention for a silent estimate), not a score of a separation"
        return ["'\(name)' scores as silence: it is silent in every channel over the scored length, so \(what)"]
    }

    /// Whether `channels` hold sound that `mono`, their average (the downmix BSS Eval scores),
    /// cancels: a stereo pair in opposite phase.
    static func cancels(_ channels: [[Float]], downmix mono: [Float]) -> Bool {
        channels.count > 1 && mono.allSatisfy { $0 == 0 } && channels.contains { $0.contains { $0 != 0 } }
    }

    /// The inner products of the downmixed references (Double sums of Float samples, over
    /// their common length): G = RᵀR.
    static func gram(_ mono: [[Float]]) -> [[Double]] {
        func dot(_ a: [Float], _ b: [Float]) -> Double {
            var s = 0.0
            for i in 0..<min(a.count, b.count) { s += Double(a[i]) * Double(b[i]) }
            return s
        }
        var g = [[Double]](repeating: [Double](repeating: 0, count: mono.count), count: mono.count)
        for p in mono.indices { for q in p..<mono.count { g[p][q] = dot(mono[p], mono[q]); g[q][p] = g[p][q] } }
        return g
    }

    /// Pairs of references (channels averaged) whose normalised correlation is above 0.999: BSS
    /// Eval cannot tell interference between them from the target (SIR comes out infinite or
    /// arbitrary), whether the same file was named twice or two files hold the same signal.
    /// - Parameter gram: the references' `gram`.
    static func alikeReferences(_ refs: [String], gram: [[Double]]) -> [String] {
        alikePairs(gram).map { p, q, c in
            String(format: "the references '%@' and '%@' are the same signal (correlation %.4f): interference between them cannot be told from the target, so their SIR and the permutation mean nothing", refs[p], refs[q], c)
        }
    }

    /// The normalised correlation of signals p and q from their `gram` (nil when either is silent).
    static func correlation(_ gram: [[Double]], _ p: Int, _ q: Int) -> Double? {
        gram[p][p] > 0 && gram[q][q] > 0 ? gram[p][q] / (gram[p][p].squareRoot() * gram[q][q].squareRoot()) : nil
    }

    /// The pairs p < q of signals whose normalised correlation (from their `gram`) exceeds 0.999
    /// in magnitude, with that correlation: the same signal, up to a gain.
    static func alikePairs(_ gram: [[Double]]) -> [(p: Int, q: Int, c: Double)] {
        gram.indices.flatMap { p in
            ((p + 1)..<gram.count).compactMap { q in correlation(gram, p, q).flatMap { abs($0) > 0.999 ? (p, q, $0) : nil } }
        }
    }

    /// Pairs of estimates (channels averaged) whose normalised correlation is above 0.999, unless
    /// the signal is the references' sum up to a gain (correlation above 0.99: the mixture as
    /// every source's estimate is the usual baseline): two references are then scored against
    /// one separation, most likely because one estimate was named twice and another left out.
    /// - Parameters:
    ///   - mono: the estimates' downmixes; `references`: the references' downmixes.
    static func alikeEstimates(_ ests: [String], mono: [[Float]], references: [[Float]]) -> [String] {
        let g = gram(mono)
        // The references' sum, made only when a pair is alike (rarely).
        var sum: [Float]?
        func referenceSum() -> [Float] {
            if let sum { return sum }
            let length = references.map(\.count).min() ?? 0
            let s: [Float] = (0..<length).map { t in references.reduce(0) { $0 + $1[t] } }
            sum = s
            return s
        }
        return alikePairs(g).compactMap { p, q, c in
            if let m = correlation(gram([mono[p], referenceSum()]), 0, 1), m > 0.99 { return nil }   // a baseline
            return String(format: "the estimates '%@' and '%@' are the same signal (correlation %.4f) and not the references' sum: two references are scored against one separation (is an estimate named twice?)", ests[p], ests[q], c)
        }
    }

    /// How the mixture (channels averaged) is made of the references at the least-squares gains
    /// g (normal equations, J ≤ 8): the share of its energy they leave unexplained,
    /// ‖m − Σ g_j r_j‖² / ‖m‖², and each weighted reference's energy ‖g_j r_j‖² / ‖m‖²; nil for a
    /// silent mixture. BSS Eval is blind to the references' gains, so gains (a normalised
    /// mixture, a panned downmix) must not count as a mismatch.
    /// - Parameters:
    ///   - references: the references' downmixes, as long as the mixture.
    ///   - gram: their `gram`.
    static func mixtureFit(of mixture: [[Float]], references r: [[Float]], gram: [[Double]]) -> (unexplained: Double, shares: [Double])? {
        let downmix: [Float] = (try? BSSEval.downmix(mixture)) ?? []
        let m: [Double] = downmix.map { Double($0) }
        let j = r.count
        let energy = m.reduce(0) { $0 + $1 * $1 }
        guard energy > 0, j > 0, r.allSatisfy({ $0.count == m.count }) else { return nil }
        // [G | b], G = RᵀR (with a ridge of 10⁻⁹ of its trace against identical references), b = Rᵀm.
        var a: [[Double]] = (0..<j).map { p in
            var b = 0.0
            for t in m.indices { b += Double(r[p][t]) * m[t] }
            return gram[p] + [b]
        }
        let ridge = 1e-9 * (0..<j).reduce(0) { $0 + a[$1][$1] } + Double.leastNormalMagnitude
        for p in 0..<j { a[p][p] += ridge }
        for p in 0..<j {   // Gaussian elimination with partial pivoting
            let pivot = (p..<j).max { abs(a[$0][p]) < abs(a[$1][p]) }!
            a.swapAt(p, pivot)
            for q in (p + 1)..<max(j, p + 1) {
                let f = a[q][p] / a[p][p]
                for c in p...j { a[q][c] -= f * a[p][c] }
            }
        }
        var g = [Double](repeating: 0, count: j)
        for p in stride(from: j - 1, through: 0, by: -1) {
            g[p] = (a[p][j] - ((p + 1)..<j).reduce(0) { $0 + a[p][$1] * g[$1] }) / a[p][p]
        }
        var residual = 0.0
        for t in 0..<m.count {
            var model = 0.0
            for p in 0..<j { model += g[p] * Double(r[p][t]) }
            let d = m[t] - model
            residual += d * d
        }
        let shares = (0..<j).map { p in g[p] * g[p] * gram[p][p] / energy }
        return (residual / energy, shares)
    }

    /// The samples scored, and the index of the file whose length that is: the shortest file's,
    /// as the reference scorers truncate; with `--images` the shortest reference's, as museval
    /// scores (estimates and mixture are cut to it or zero-padded, so that a truncated estimate
    /// loses what it lacks instead of being scored over what it holds).
    /// - Parameters:
    ///   - lengths: every file's length in samples, the `references` first.
    ///   - references: how many of `lengths` are references (at least one).
    static func scoredLength(_ lengths: [Int], references: Int, images: Bool) -> (length: Int, file: Int) {
        let pool = images ? Array(lengths.prefix(references)) : lengths
        let length = pool.min()!
        return (length, pool.firstIndex(of: length)!)
    }

    /// The note on stderr when the files differ in length (nil when they do not): the lengths
    /// and the file whose length was scored (``scoredLength(_:references:images:)``).
    static func lengthNote(_ lengths: [Int], scored length: Int, file: String, images: Bool) -> String? {
        guard let shortest = lengths.min(), let longest = lengths.max(), shortest != longest else { return nil }
        guard images else {
            return "the files differ in length (\(shortest) to \(longest) samples); scored the first \(length), the length of '\(file)'"
        }
        let padded = lengths.contains { $0 < length }, cut = lengths.contains { $0 > length }   // (only estimates or a mixture are shorter)
        let what = [padded ? "zero-padded" : nil, cut ? "cut" : nil].compactMap { $0 }.joined(separator: " or ")
        let fitted = what.isEmpty ? "" : ", the other files " + what + " to it, as museval scores images"
        return "the files differ in length (\(shortest) to \(longest) samples); scored the first \(length), the length of '\(file)', "
            + "the shortest reference" + fitted
    }
}
