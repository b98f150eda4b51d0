import DSPCore

/// Initial W and H for the multiplicative updates.
public enum NMFInitialization {
    /// Seeded random W (bins × K) and H (K × frames), uniform in (0, 2·√(mean(V)/K)],
    /// so that W·H has the scale of V (the scale scikit-learn's random init uses).
    ///
    /// Numbers come from `SeededGenerator` (SplitMix64), W first then H, column by column,
    /// so they are the same on every machine for the same seed.
    public static func random(for v: Matrix, components k: Int, seed: UInt64) -> (basis: Matrix, activations: Matrix) {
        var mean = 0.0
        for x in v.storage { mean += Double(x) }
        mean /= Double(max(v.storage.count, 1))
        let scale = Float(2 * (max(mean, 1e-30) / Double(k)).squareRoot())
        var rng = SeededGenerator(seed: seed)
        var w = Matrix(rows: v.rows, columns: k)
        var h = Matrix(rows: k, columns: v.columns)
        for i in 0..<w.storage.count { w.storage[i] = max(rng.nextUnitFloat(), 1e-3) * scale }
        for i in 0..<h.storage.count { h.storage[i] = max(rng.nextUnitFloat(), 1e-3) * scale }
        return (w, h)
    }
}
