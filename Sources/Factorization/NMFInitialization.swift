import DSPCore

/// Initial W and H for the multiplicative updates.
package enum NMFInitialization {
    /// Seeded random W (bins × K) and H (K × frames), uniform in (0, 2·√(mean(V)/K)],
    /// so that W·H has the scale of V (the scale scikit-learn's random init uses).
    ///
    /// Numbers come from `SeededGenerator` (SplitMix64), W first then H, column by column,
    /// so they are the same on every machine for the same seed.
    package static func random(for v: Matrix, components k: Int, seed: UInt64) -> (basis: Matrix, activations: Matrix) {
        let scale = Float(2 * (max(v.mean, 1e-30) / Double(k)).squareRoot())
        var rng = SeededGenerator(seed: seed)
        var w = Matrix(rows: v.rows, columns: k)
        var h = Matrix(rows: k, columns: v.columns)
        for i in 0..<w.storage.count { w.storage[i] = max(rng.nextUnitFloat(), 1e-3) * scale }
        for i in 0..<h.storage.count { h.storage[i] = max(rng.nextUnitFloat(), 1e-3) * scale }
        return (w, h)
    }

    /// NNDSVDa: W and H from the K leading singular triplets of V (Boutsidis & Gallopoulos
    /// 2008, "SVD based initialization: a head start for nonnegative matrix factorization",
    /// Pattern Recognition 41(4)), each triplet replaced by the larger of its positive and
    /// negative parts, and zeros filled with 4·√(mean(V)/K) (the "a" variant, which lets the
    /// multiplicative updates move every entry; the paper fills with the mean of V, which does not
    /// scale as the SVD parts do, so the result depended on V's level).
    ///
    /// The SVD is the seeded randomized `TruncatedSVD`, so the result is the same on every
    /// machine and thread count for the same seed.
    /// - Parameter leading: columns of W (rows of H) left at the fill value, for trained
    ///   templates that will replace them; the singular triplets go to the components after them.
    /// - Complexity: O(F·N·(K + 8)·10) for the SVD.
    package static func nndsvda(for v: Matrix, components k: Int, seed: UInt64, leading: Int = 0,
                               threads: Int = Parallel.defaultThreadCount) -> (basis: Matrix, activations: Matrix) {
        let f = v.rows, n = v.columns
        // 4·√(mean/K): like the SVD parts it grows as the square root of V's level (the mean
        // itself, as in Boutsidis & Gallopoulos and scikit-learn, made the separation depend on
        // the input's level). The factor was measured: 1 / 2 / 4 / 8 gave 4.81 / 4.95 / 5.76 /
        // 4.68 dB on the development mixtures (the mean: 5.25), 1 / 4 8.08 / 8.71 on the
        // validation ones (the mean: 7.97), 1 / 2 / 4 3.40 / 3.82 / 4.19 on the backgrounds set
        // (the mean: 3.80). Where W and H are both filled, W·H starts at 16·mean.
        let fill = Float(max(4 * (v.mean / Double(max(k, 1))).squareRoot(), 1e-30))
        let first = min(max(leading, 0), k)
        var w = Matrix(rows: f, columns: k, repeating: fill)
        var h = Matrix(rows: k, columns: n, repeating: fill)
        let rank = min(k - first, f, n)
        guard rank > 0 else { return (w, h) }
        let svd = TruncatedSVD(v, rank: rank, seed: seed, threads: threads)
        for c in 0..<rank {
            let x = Array(svd.u.column(c)), y = Array(svd.v.column(c))
            let sigma = svd.singularValues[c]
            func norm(_ a: [Float], positive: Bool) -> Float {
                a.reduce(0) { $0 + (positive ? max($1, 0) : max(-$1, 0)) * (positive ? max($1, 0) : max(-$1, 0)) }.squareRoot()
            }
            let xp = norm(x, positive: true), xn = norm(x, positive: false)
            let yp = norm(y, positive: true), yn = norm(y, positive: false)
            let positive = xp * yp >= xn * yn
            let (nx, ny) = positive ? (xp, yp) : (xn, yn)
            guard nx > 0, ny > 0, sigma > 0 else { continue }
            let scale = (sigma * nx * ny).squareRoot()
            for i in 0..<f {
                let part = positive ? max(x[i], 0) : max(-x[i], 0)
                if part > 0 { w[i, first + c] = scale * part / nx }
            }
            for j in 0..<n {
                let part = positive ? max(y[j], 0) : max(-y[j], 0)
                if part > 0 { h[first + c, j] = scale * part / ny }
            }
        }
        return (w, h)
    }
}
