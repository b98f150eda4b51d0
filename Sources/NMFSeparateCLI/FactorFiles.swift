import Foundation
import NMFSeparation

/// The `--save-factors` files of one separation: the factorization as NumPy arrays, and what
/// is needed to rebuild the masks from them.
enum FactorFiles {
    /// File names, in the order `write(to:…)` expects its paths: `W.npy`, `H.npy`, then
    /// `W_<r>.npy`, `H_<r>.npy` for runs r = 2…N of an ensemble, then `factors.json`.
    static func names(runs: Int) -> [String] {
        ["W.npy", "H.npy"] + (2..<max(2, runs + 1)).flatMap { ["W_\($0).npy", "H_\($0).npy"] } + ["factors.json"]
    }

    /// Writes each run's W (bins × K) and H (K × frames) as float32 `.npy` files and
    /// `factors.json` (the input, the groups, the analysis settings and the penalty weights) to `paths`.
    /// - Parameters:
    ///   - input: the separated file as the report names it (its path, or `-`), and
    ///     `lengthSamples` its length, so that the folder says what it is the factorization of.
    ///   - dictionaries: the `--dictionary` files as the report lists them (`path`, `label`, `components`).
    /// - Throws: `CLIError.runtime` naming the file that could not be written.
    static func write(to paths: [String], runs: [SeparationRun], configuration c: SeparationConfiguration,
                      input: String, lengthSamples: Int, sampleRate: Int, channels: Int, dictionaries: [JSONValue] = []) throws {
        let names = Self.names(runs: runs.count)
        let first = runs[0].factorization
        let description = JSONValue.object([
            ("input", .string(input)), ("length_samples", .integer(lengthSamples)), ("channels", .integer(channels)),
            ("W", .string("W.npy: templates, bins × components, float32, each column summing to one")),
            ("H", .string("H.npy: activations, components × frames, float32")),
            ("spectrogram", .string("W·H models V, the mean over the \(channels) channel(s) of the STFT magnitudes"
                                    + (runs[0].channelGains == nil ? ""
                                       : "; channel c's magnitudes are modelled by C · Σ_k channel_gains[c][k] · W[:, k] · H[k, :] (spatial)"))),
            ("groups", .groups(runs[0].groups)),
            // The trained templates held fixed: the first columns of W, dictionary by dictionary (source i is dictionary i's).
            ("dictionaries", .array(dictionaries)),
            ("bins", .integer(first.basis.rows)), ("components", .integer(first.basis.columns)),
            ("frames", .integer(first.activations.columns)),
            ("sample_rate", .integer(sampleRate)), ("fft_size", .integer(c.stft.fftSize)), ("hop", .integer(c.stft.hopLength)),
            ("window", .string("hann (periodic)")), ("divergence", .string(c.divergence.description)),
            ("mask_power", .setting(c.maskPower)), ("seed", .string(String(c.seed))),
            // The penalties the activations were fitted with, as in the `--json` settings.
            ("sparsity", .setting(c.sparsity)), ("source_sparsity", .array(c.sourceSparsity.map { .setting($0) })),
            ("continuity", .setting(c.continuity)), ("source_continuity", .array(c.sourceContinuity.map { .setting($0) })),
            // "steady": groups[0] is the background (components with smooth activations).
            ("background", .string(c.background.rawValue)),
            ("runs", .array(runs.enumerated().map { r, run in
                .object([("W", .string(names[2 * r])), ("H", .string(names[2 * r + 1])), ("seed", .string(String(run.seed))),
                         ("groups", .groups(run.groups)),
                         ("channel_gains", run.channelGains.map { q in
                             .array((0..<q.rows).map { c in .array((0..<q.columns).map { .number(Double(q[c, $0])) }) })
                         } ?? .null)])
            })),
            ("masks", .string((runs.count > 1 ? "the mean over the runs of each run's Λ_s^α / Σ_j Λ_j^α (groups in the same source order)"
                                              : "Λ_s^α / Σ_j Λ_j^α with Λ_s = W[:, groups[s]] · H[groups[s], :]")
                              + (runs[0].channelGains == nil ? "" : ", per channel c with H[k, :] scaled by channel_gains[c][k]"))),
        ])
        // One file encoded at a time: only one of the arrays is ever held twice.
        func write(_ path: String, _ encode: () -> [UInt8]) throws {
            do {
                try Data(encode()).write(to: URL(fileURLWithPath: path))
            } catch {
                throw CLIError.runtime("cannot write '\(path)': \(error.localizedDescription)")
            }
        }
        for (r, run) in runs.enumerated() {
            try write(paths[2 * r]) { run.factorization.basis.npyEncoded() }
            try write(paths[2 * r + 1]) { run.factorization.activations.npyEncoded() }
        }
        try write(paths[2 * runs.count]) { Array((description.text + "\n").utf8) }
    }
}
