import DSPCore
import Separation

/// Paper-quality PNG figures of an NMF separation: the mixture spectrogram, the templates
/// W, the activations H and the soft mask of each source.
///
/// Inputs of any size are reduced to the image resolution before colouring (max-pooling
/// for magnitudes, one frame per pixel column for masks), so memory grows with the image,
/// not with the spectrogram. NaN, infinite and negative entries are shown as 0.
public struct SeparationPlots: Sendable {
    /// The mixture magnitude spectrogram V, bins × frames.
    let spectrogram: Matrix
    /// The templates W, bins × K.
    let basis: Matrix
    /// The activations H, K × frames.
    let activations: Matrix
    /// The components of each source, a partition of 0..<K.
    let groups: [[Int]]
    /// The mask exponent α.
    let maskPower: Float
    /// Further factorizations of an ensemble, whose masks are averaged with the first's.
    let additionalRuns: [SeparationRun]
    /// The first factorization's channel gains (channels × K) of a spatial separation, or `nil`.
    let channelGains: Matrix?
    /// Samples per second.
    let sampleRate: Int
    /// Samples between frames.
    let hop: Int
    /// FFT length (bins = fftSize/2 + 1 for a full spectrogram).
    let fftSize: Int

    /// Validates and stores a separation for plotting.
    /// - Parameters:
    ///   - spectrogram: V, the mixture magnitude spectrogram, bins × frames, bins ≤ fftSize/2 + 1.
    ///   - basis: W, bins × K (same bins as V).
    ///   - activations: H, K × frames (same frames as V).
    ///   - groups: S arrays of component indices, a partition of 0..<K into non-empty groups.
    ///   - maskPower: α of the soft masks Λ_s^α / Σ_j Λ_j^α, finite and > 0.
    ///   - sampleRate: samples per second, > 0.
    ///   - hop: samples between frame centres, > 0.
    ///   - fftSize: FFT length in samples, > 0.
    ///   - additionalRuns: the other factorizations of an ensemble (same shapes of V, groups in
    ///     the same source order); the mask figures show the mean of all runs' masks, as the
    ///     separation applies it. The templates and activations figures show the first run.
    ///   - channelGains: the first run's channel gains of a spatial separation (channels × K,
    ///     `SeparationRun.channelGains`; further runs bring their own): each channel then has
    ///     its own masks, and the mask figures show their mean over the channels.
    /// - Throws: `PlotError.invalidParameter` naming the parameter, its value and what is allowed.
    public init(spectrogram: Matrix, basis: Matrix, activations: Matrix, groups: [[Int]], maskPower: Float,
                sampleRate: Int, hop: Int, fftSize: Int, additionalRuns: [SeparationRun] = [],
                channelGains: Matrix? = nil) throws {
        try Self.validateScalars(maskPower: maskPower, sampleRate: sampleRate, hop: hop, fftSize: fftSize)
        try Self.validateShapes(spectrogram: spectrogram, basis: basis, activations: activations, fftSize: fftSize)
        try Self.validateGroups(groups, components: basis.columns)
        for run in additionalRuns {
            try Self.validateShapes(spectrogram: spectrogram, basis: run.factorization.basis, activations: run.factorization.activations,
                                    fftSize: fftSize)
            try Self.validateGroups(run.groups, components: run.factorization.basis.columns)
            guard run.groups.count == groups.count else {
                throw PlotError.invalidParameter(name: "additionalRuns.groups", value: "\(run.groups.count) sources",
                                                 allowed: "as many as groups, \(groups.count)")
            }
        }
        for q in [channelGains] + additionalRuns.map(\.channelGains) {
            guard let q else { continue }
            guard q.rows >= 1, q.columns == basis.columns, q.storage.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw PlotError.invalidParameter(name: "channelGains", value: "\(q.rows) × \(q.columns)",
                                                 allowed: "channels × \(basis.columns), finite and ≥ 0")
            }
        }
        self.additionalRuns = additionalRuns
        self.channelGains = channelGains
        self.spectrogram = spectrogram
        self.basis = basis
        self.activations = activations
        self.groups = groups
        self.maskPower = maskPower
        self.sampleRate = sampleRate
        self.hop = hop
        self.fftSize = fftSize
    }

    /// Writes the mixture spectrogram in dB (20·log10, 80 dB below the maximum): time in
    /// seconds on x, frequency on y (low at the bottom), with a dB colour bar.
    /// - Parameter path: the PNG file to write (exactly this name).
    /// - Throws: `PlotError.writeFailed` with the path and libpng's message.
    public func writeSpectrogram(to path: String) throws {
        try PNGFile.write(render(spectrogramSpec()).image, to: path)
    }

    /// Writes the templates W, each normalised to its maximum, in dB: components on x,
    /// grouped by source under a coloured band, frequency on y.
    /// - Parameter path: the PNG file to write (exactly this name).
    /// - Throws: `PlotError.writeFailed` with the path and libpng's message.
    public func writeTemplates(to path: String) throws {
        try PNGFile.write(render(templatesSpec()).image, to: path)
    }

    /// Writes the activations H in dB (60 dB below the maximum): one row per component,
    /// ordered by source with a coloured band at the left, time in seconds on x.
    /// - Parameter path: the PNG file to write (exactly this name).
    /// - Throws: `PlotError.writeFailed` with the path and libpng's message.
    public func writeActivations(to path: String) throws {
        try PNGFile.write(render(activationsSpec()).image, to: path)
    }

    /// Writes the soft mask M_s = Λ_s^α / Σ_j Λ_j^α (Λ_j = W[:, g_j]·H[g_j, :]) of one
    /// source, values 0...1: time on x, frequency on y, with a 0–1 colour bar.
    /// - Parameters:
    ///   - s: the source, zero-based (`0..<groups.count`); the figure calls it "source s+1".
    ///   - path: the PNG file to write (exactly this name).
    /// - Throws: `PlotError.invalidParameter` for a bad source index, `.writeFailed` otherwise.
    public func writeMask(source s: Int, to path: String) throws {
        try PNGFile.write(render(maskSpec(source: s)).image, to: path)
    }

    /// Renders a figure specification with the standard colour map.
    func render(_ spec: HeatmapSpec) throws -> (image: RGBImage, layout: HeatmapLayout) {
        try HeatmapRenderer().render(spec)
    }

    private static func validateScalars(maskPower: Float, sampleRate: Int, hop: Int, fftSize: Int) throws {
        guard maskPower.isFinite, maskPower > 0 else {
            throw PlotError.invalidParameter(name: "maskPower", value: "\(maskPower)", allowed: "finite and > 0")
        }
        guard sampleRate > 0 else {
            throw PlotError.invalidParameter(name: "sampleRate", value: "\(sampleRate)", allowed: "> 0 Hz")
        }
        guard hop > 0 else { throw PlotError.invalidParameter(name: "hop", value: "\(hop)", allowed: "> 0 samples") }
        guard fftSize > 0 else {
            throw PlotError.invalidParameter(name: "fftSize", value: "\(fftSize)", allowed: "> 0 samples")
        }
    }

    private static func validateShapes(spectrogram v: Matrix, basis w: Matrix, activations h: Matrix,
                                       fftSize: Int) throws {
        guard v.rows <= fftSize / 2 + 1 else {
            throw PlotError.invalidParameter(name: "spectrogram.rows", value: "\(v.rows)",
                                             allowed: "at most fftSize/2 + 1 = \(fftSize / 2 + 1) bins")
        }
        guard w.rows == v.rows else {
            throw PlotError.invalidParameter(name: "basis.rows", value: "\(w.rows)",
                                             allowed: "\(v.rows) (spectrogram.rows, the bins)")
        }
        guard h.rows == w.columns else {
            throw PlotError.invalidParameter(name: "activations.rows", value: "\(h.rows)",
                                             allowed: "\(w.columns) (basis.columns, the components K)")
        }
        guard h.columns == v.columns else {
            throw PlotError.invalidParameter(name: "activations.columns", value: "\(h.columns)",
                                             allowed: "\(v.columns) (spectrogram.columns, the frames)")
        }
    }

    private static func validateGroups(_ groups: [[Int]], components k: Int) throws {
        var seen = [Bool](repeating: false, count: k)
        for (s, group) in groups.enumerated() {
            guard !group.isEmpty else {
                throw PlotError.invalidParameter(name: "groups[\(s)]", value: "[]",
                                                 allowed: "a non-empty list of component indices")
            }
            for c in group {
                guard c >= 0, c < k else {
                    throw PlotError.invalidParameter(name: "groups[\(s)]", value: "component \(c)",
                                                     allowed: "indices in 0..<\(k)")
                }
                guard !seen[c] else {
                    throw PlotError.invalidParameter(name: "groups[\(s)]", value: "component \(c) again",
                                                     allowed: "each component in exactly one group")
                }
                seen[c] = true
            }
        }
        if let missing = seen.firstIndex(of: false) {
            throw PlotError.invalidParameter(name: "groups", value: "no group has component \(missing)",
                                             allowed: "a partition of 0..<\(k)")
        }
    }
}
