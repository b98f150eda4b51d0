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

    /// How much the training audio's level changes: the standard deviation, in dB, of the
    /// frame levels 10·log₁₀ Σ_f V[f, n]² over the frames within 50 dB of the loudest.
    /// Recorded by `nmf-separate train` (the header key `level_spread_db`); nil for a
    /// dictionary trained before it was.
    public var levelSpread: Double? { notes[Self.levelSpreadKey].flatMap { Double($0) } }

    /// The level spread of a magnitude spectrogram (see the `levelSpread` property), 0 without any energy.
    /// - Parameter v: magnitudes, bins × frames. O(bins × frames).
    public static func levelSpread(of v: Matrix) -> Double {
        var levels = [Double](repeating: 0, count: v.columns)
        v.storage.withUnsafeBufferPointer { p in
            for n in 0..<v.columns {
                var energy = 0.0
                for f in 0..<v.rows { let x = Double(p[n * v.rows + f]); energy += x * x }
                levels[n] = energy > 0 ? 10 * log10(energy) : -.infinity
            }
        }
        guard let loudest = levels.max(), loudest.isFinite else { return 0 }
        let active = levels.filter { $0 > loudest - 50 }
        let mean = active.reduce(0, +) / Double(active.count)
        return (active.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(active.count)).squareRoot()
    }

    /// Per-source penalty weights for a separation with `dictionaries` and, when
    /// `freeComponents`, free components for the other sources: when every dictionary's
    /// training audio changes (`levelSpread` above ``changingLevelSpread``), the free
    /// components model a background, so they get a temporal-continuity weight of 1 and the
    /// dictionaries a sparseness weight of 0.3 (Virtanen 2007's penalties; laid out as
    /// `SeparationConfiguration.sourceContinuity`: one weight per dictionary, then the free
    /// components'). Otherwise nil: no free components, a steady dictionary (a noise
    /// dictionary: the free components then model the foreground, and smoothing them loses
    /// 2–5 dB), or a dictionary without a recorded level spread.
    ///
    /// Measured with one speech or instrument dictionary and free components for the rest
    /// (QUALITY.md): 5.73 → 6.86 dB over twelve held-out mixtures, losing on drums and on
    /// clinking dishes as the background.
    public static func automaticPenalties(for dictionaries: [NMFDictionary], freeComponents: Bool)
        -> (continuity: [Float], sparsity: [Float])? {
        guard freeComponents, !dictionaries.isEmpty,
              dictionaries.allSatisfy({ ($0.levelSpread ?? 0) > changingLevelSpread }) else { return nil }
        let zeros = [Float](repeating: 0, count: dictionaries.count)
        return (zeros + [1], [Float](repeating: 0.3, count: dictionaries.count) + [0])
    }
}
