import Foundation
import NMFSeparation

/// The output of `nmf-separate eval`: the scores as a table or as one JSON object.
extension EvalCommand {
    /// The scores of either kind as named columns, one value per reference.
    struct Metrics {
        var names: [String]
        var keys: [String]
        var values: [[Double]]
        var permutation: [Int]
        /// With `--window`: the window and hop in seconds and each metric's values per reference and window.
        var frames: (window: Double, hop: Double, skipped: Int, values: [[[Double]]])?

        init(_ s: SeparationScores) {
            names = ["SDR", "SIR", "SAR", "SI-SDR"]
            keys = ["sdr", "sir", "sar", "si_sdr"]
            values = [s.sdr, s.sir, s.sar, s.siSDR]
            permutation = s.permutation
        }

        init(_ s: ImageScores) {
            names = ["SDR", "ISR", "SIR", "SAR"]
            keys = ["sdr", "isr", "sir", "sar"]
            values = [s.sdr, s.isr, s.sir, s.sar]
            permutation = s.permutation
        }

        /// The medians of framewise image scores, keeping the values per window.
        init(_ s: FramewiseImageScores, rate: Int, hop: Int) {
            self.init(s.median)
            // A silent window is NaN for every pair; count it once.
            let skipped = s.sdr.first?.filter(\.isNaN).count ?? 0
            frames = (Double(s.windowLength) / Double(rate), Double(hop) / Double(rate), skipped, [s.sdr, s.isr, s.sir, s.sar])
        }

        /// Only the SDR (the mixture baseline of `--images`, whose other metrics are not reported).
        init(sdr: [Double]) {
            names = ["SDR"]
            keys = ["sdr"]
            values = [sdr]
            permutation = Array(sdr.indices)
        }

        var sdr: [Double] { values[0] }

        static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
    }

    func table(refs: [String], ests: [String], scores s: Metrics, mixture m: Metrics?) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "    nan" : String(format: "%7.2f", x) }   // printf gives "-nan" for some NaNs
        let name = { (p: String) in TerminalText.escaped((p as NSString).lastPathComponent) }
        let (refNames, estNames) = (refs.map(name), ests.map(name))
        let (rw, ew) = (Self.columnWidth(refNames), Self.columnWidth(estNames))
        let header = s.names.map { String(repeating: " ", count: max(0, 7 - $0.count)) + $0 }.joined(separator: " ")
        var lines = [TerminalText.padded("reference", columns: rw) + " " + TerminalText.padded("estimate", columns: ew)
                     + header + (m != nil ? "  mixSDR    SDRi" : "")]
        for r in 0..<refs.count {
            var line = TerminalText.padded(refNames[r], columns: rw) + " "
                + TerminalText.padded(estNames[s.permutation[r]], columns: ew)
                + s.values.map { f($0[r]) }.joined(separator: " ")
            if let m { line += " " + f(m.sdr[r]) + " " + f(s.sdr[r] - m.sdr[r]) }
            lines.append(line)
        }
        var last = TerminalText.padded("mean", columns: rw + 1 + ew) + s.values.map { f(Metrics.mean($0)) }.joined(separator: " ")
        if let m { last += " " + f(Metrics.mean(m.sdr)) + " " + f(Metrics.mean(s.sdr) - Metrics.mean(m.sdr)) }
        lines.append(last)
        if let w = s.frames {
            let count = w.values[0].first?.count ?? 0
            lines.append(String(format: "(medians over %d window%@ of %g s, hop %g s, %d skipped as silent; the mean is over the sources)",
                                count, count == 1 ? "" : "s", w.window, w.hop, w.skipped))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The width of a name column: 20 (or the longest name's, up to 40); wider, up to the
    /// longest name, when names cut to it would look alike (`reference…g_name.wav` twice).
    static func columnWidth(_ names: [String]) -> Int {
        let longest = names.map(TerminalText.width).max() ?? 0
        let width = max(20, min(longest, 40))
        let cut = names.map { TerminalText.fitted($0, columns: width) }
        return Set(cut).count == Set(names).count ? width : longest
    }

    func jsonText(refs: [String], ests: [String], scores s: Metrics, mixture m: Metrics?, length: Int) -> String {
        JSONValue.object(jsonFields(refs: refs, ests: ests, scores: s, mixture: m, length: length)).text + "\n"
    }

    /// The fields of one evaluation's JSON object (also one mixture's entry of a dataset's report).
    func jsonFields(refs: [String], ests: [String], scores s: Metrics, mixture m: Metrics?, length: Int) -> [(String, JSONValue)] {
        let nums = { (x: [Double]) in JSONValue.array(x.map { .number($0) }) }
        var fields: [(String, JSONValue)] = [
            ("references", .array(refs.map { .string($0) })), ("estimates", .array(ests.map { .string($0) })),
            ("samples", .integer(length)),
        ]
        if images { fields.append(("metrics", .string("images"))) }
        fields.append(("permutation", .array(s.permutation.map { .integer($0) })))
        fields += zip(s.keys, s.values).map { ($0, nums($1)) }
        fields += zip(s.keys, s.values).map { ("mean_" + $0, .number(Metrics.mean($1))) }
        if let w = s.frames {
            fields += [("window_seconds", .number(w.window)), ("hop_seconds", .number(w.hop)),
                       ("windows", .integer(w.values[0].first?.count ?? 0)), ("windows_skipped", .integer(w.skipped))]
            fields += zip(s.keys, w.values).map { ($0 + "_windows", .array($1.map(nums))) }
        }
        if let m {
            fields += [("mixture", mixture.map { .string($0) } ?? .null),
                       ("mix_sdr_per_source", nums(m.sdr)), ("mix_sdr", .number(Metrics.mean(m.sdr))),
                       ("sdr_improvement_per_source", nums(zip(s.sdr, m.sdr).map { $0 - $1 })),
                       ("sdr_improvement", .number(Metrics.mean(s.sdr) - Metrics.mean(m.sdr)))]
        }
        return fields
    }
}
