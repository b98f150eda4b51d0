import Foundation
import NMFSeparation

/// The `--save-factors` files of one separation: the factorization as NumPy arrays, and what
/// is needed to rebuild the masks from them.
enum FactorFiles {
    /// File names, in the order `write(to:…)` expects its paths.
    static let names = ["W.npy", "H.npy", "factors.json"]

    /// Writes W (bins × K), H (K × frames) as float32 `.npy` files and `factors.json` (the groups
    /// and the analysis settings) to `paths`.
    /// - Throws: `CLIError.runtime` naming the file that could not be written.
    static func write(to paths: [String], result: NMFResult, groups: [[Int]], configuration c: SeparationConfiguration,
                      sampleRate: Int, channels: Int) throws {
        let description = JSONValue.object([
            ("W", .string("W.npy: templates, bins × components, float32, each column summing to one")),
            ("H", .string("H.npy: activations, components × frames, float32")),
            ("spectrogram", .string("W·H models V, the mean over the \(channels) channel(s) of the STFT magnitudes")),
            ("groups", .array(groups.map { .array($0.map { .integer($0) }) })),
            ("bins", .integer(result.basis.rows)), ("components", .integer(result.basis.columns)),
            ("frames", .integer(result.activations.columns)),
            ("sample_rate", .integer(sampleRate)), ("fft_size", .integer(c.stft.fftSize)), ("hop", .integer(c.stft.hopLength)),
            ("window", .string("hann (periodic)")), ("divergence", .string(c.divergence.description)),
            ("mask_power", .number(Double(c.maskPower))), ("seed", .string(String(c.seed))),
        ])
        let contents: [(String, Data)] = [
            (paths[0], Data(result.basis.npyEncoded())),
            (paths[1], Data(result.activations.npyEncoded())),
            (paths[2], Data((description.text + "\n").utf8)),
        ]
        for (path, data) in contents {
            do {
                try data.write(to: URL(fileURLWithPath: path))
            } catch {
                throw CLIError.runtime("cannot write '\(path)': \(error.localizedDescription)")
            }
        }
    }
}
