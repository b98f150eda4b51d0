import Foundation
import DSPCore

/// How steady a dictionary's training audio is, and the activation penalties nmf-separate
/// chooses from it when trained dictionaries model some sources and free components the rest.
extension NMFDictionary {
    /// The `.nmfdict` header key of the `levelSpread` property.
    public static let levelSpreadKey = "level_spread_db"

    /// Training audio whose `levelSpread` is above this (dB) changes from frame to frame
    /// (speech, instruments: 5.3–13.5 dB on the development recordings); below it, it is a
    /// steady background (babble, traffic, a fan, dishes: 1.2–2.9 dB).
    public static let changingLevelSpread = 4.0

    /// Frames quieter than a training file's loudest by more than this many dB are left out of
    /// its level spread.
    static let levelSpreadRangeDB = 50.0

    /// How much the training audio's level changes: the standard deviation, in dB, of the
    /// frame levels 10·log₁₀ Σ_f V[f, n]² over the frames within 50 dB of the loudest (per
    /// training file, pooled), at the dictionary's own STFT (the thresholds were measured at
    /// 2048-sample frames, hop 512).
    /// Recorded by `nmf-separate train` (the header key `level_spread_db`); nil for a
    /// dictionary trained before it was.
    public var levelSpread: Double? { notes[Self.levelSpreadKey].flatMap { Double($0) } }

    /// Whether the training audio changes from frame to frame (`levelSpread` above
    /// ``changingLevelSpread``); false when no spread was recorded.
    public var isOfChangingSource: Bool { (levelSpread ?? 0) > Self.changingLevelSpread }

    /// The level spread of training spectrograms (see the `levelSpread` property): each
    /// part's frame levels are taken relative to its own loudest frame and its own mean, and
    /// the deviations of all parts pooled, so that files recorded at different levels do not
    /// make a steady source look like a changing one.
    /// - Parameter parts: magnitudes, bins × frames each (one per training file). O(bins × frames).
    /// - Returns: the pooled standard deviation in dB; 0 without any energy.
    public static func levelSpread(of parts: [Matrix]) -> Double {
        var squares = 0.0, count = 0
        for v in parts {
            let t = levelSpreadTerms(of: v)
            squares += t.squares
            count += t.count
        }
        return count > 0 ? (squares / Double(count)).squareRoot() : 0
    }

    /// One part's share of `levelSpread(of:)`: the squared deviations of its active frames'
    /// levels (dB) from their mean, and how many frames; pooled over parts in their order as
    /// `levelSpread` pools them, so that a caller can release each part once it is counted.
    static func levelSpreadTerms(of v: Matrix) -> (squares: Double, count: Int) {
        let energies = v.columnEnergies
        let active = ActiveFrames.indices(of: energies, withinDB: levelSpreadRangeDB).map { 10 * log10(energies[$0]) }
        guard !active.isEmpty else { return (0, 0) }
        let mean = active.reduce(0, +) / Double(active.count)
        return (active.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }, active.count)
    }

    /// Per-source penalty weights for a separation with `dictionaries` and free components
    /// for `freeSources` other sources: when there is one such source and every dictionary's
    /// training audio changes (`levelSpread` above ``changingLevelSpread``), the free
    /// components model a background, so they get a temporal-continuity weight of 1 and the
    /// dictionaries a sparseness weight of 0.3 (Virtanen 2007's penalties; laid out as
    /// `SeparationConfiguration.sourceContinuity`: one weight per dictionary, then the free
    /// components'). Otherwise nil: no free components or several free sources (one smoothing
    /// weight for a second foreground was not measured), a steady dictionary (a noise
    /// dictionary: the free components then model the foreground, and smoothing them lost
    /// 4.3–4.8 dB), a dictionary without a recorded level spread, or one of another divergence
    /// than Kullback–Leibler (the penalties' only one; separations use the dictionaries').
    ///
    /// Measured with one speech or instrument dictionary and free components for the rest
    /// (QUALITY.md): 5.03 → 5.79 dB over 32 single-dictionary cases, +1–2 dB where the
    /// dictionary is the foreground, losing where the background is drums or clinking dishes.
    /// - Parameters:
    ///   - dictionaries: the separation's dictionaries, in order.
    ///   - freeSources: how many sources the free components model (the rule is for exactly
    ///     one, the background; with none or several it returns nil).
    /// - Returns: one continuity and one sparseness weight per dictionary, then the free
    ///   components' (the layout of `SeparationConfiguration.sourceContinuity`), or nil.
    public static func automaticPenalties(for dictionaries: [NMFDictionary], freeSources: Int)
        -> (continuity: [Float], sparsity: [Float])? {
        guard freeSources == 1, !dictionaries.isEmpty,
              dictionaries.allSatisfy({ $0.isOfChangingSource && $0.divergence == .kullbackLeibler }) else { return nil }
        let zeros = [Float](repeating: 0, count: dictionaries.count)
        return (zeros + [1], [Float](repeating: 0.3, count: dictionaries.count) + [0])
    }
}
