import DSPCore

/// The activation penalties of Virtanen (2007, "Monaural sound source separation by
/// nonnegative matrix factorization with temporal continuity and sparseness criteria",
/// IEEE TASLP 15(3)), as the extra terms of the multiplicative H update
/// h ← h · (numerator + penalty⁻) / (denominator + penalty⁺), their gradients split into
/// positive and negative parts. Both are scale-invariant per row of H; their gradients are
/// multiplied by the row mean μ_k so that a weight of 1 weighs like the KL terms whatever
/// the level of V.
struct ActivationPenalties {
    /// Per component: 1 / (Σ_f W[f, k] + sparseness⁺), the inverse denominator shared by all frames.
    var inverseDenominator: [Float]
    /// Per component: the sparseness gain g_k, adding g_k·h to the numerator (empty: none).
    var sparseGain: [Float] = []
    /// Temporal continuity, frame-major like H plus four zero frames for incomplete quads:
    /// numerator terms then denominator terms (empty: none).
    var continuityNumerator: [Float] = []
    var continuityDenominator: [Float] = []

    /// Penalties for H (K × frames) under W's column sums.
    /// - Parameters:
    ///   - columnSums: Σ_f W[f, k].
    ///   - sparsity: per component k, the weight of Σ_n h_kn / σ_k (σ_k the RMS of row k; empty: none).
    ///     Either list must be empty or hold K weights; `NMF` validates them, and any other length means none.
    ///   - continuity: per component k, the weight of (1/σ_k²) Σ_n (h_kn − h_k,n−1)² (empty: none;
    ///     components of weight 0 get zero terms).
    init(h: Matrix, columnSums: [Float], sparsity: [Float], continuity: [Float]) {
        let k = h.rows, n = h.columns
        var denominator = columnSums.map { max($0, Float.leastNormalMagnitude) }
        var sum = [Double](repeating: 0, count: k), squares = [Double](repeating: 0, count: k)
        var jumps = [Double](repeating: 0, count: k)
        let smoothing = continuity.count == k && continuity.contains { $0 > 0 }
        let sparse = sparsity.count == k && sparsity.contains { $0 > 0 }
        if sparse || smoothing {
            h.storage.withUnsafeBufferPointer { hp in
                for j in 0..<n {
                    for c in 0..<k {
                        let x = Double(hp[j * k + c])
                        sum[c] += x
                        squares[c] += x * x
                        if j > 0 { let d = x - Double(hp[(j - 1) * k + c]); jumps[c] += d * d }
                    }
                }
            }
        }
        if sparse {
            // Cost λ·Σ_n h_kn/σ_k: ∇⁺ = 1/σ_k, ∇⁻ = h_kn·μ_k/σ_k³, both × μ_k.
            sparseGain = [Float](repeating: 0, count: k)
            for c in 0..<k where sparsity[c] > 0 {
                let mu = sum[c] / Double(n), sigma = max((squares[c] / Double(n)).squareRoot(), 1e-30)
                let ratio = mu / sigma
                denominator[c] += sparsity[c] * Float(ratio)
                sparseGain[c] = sparsity[c] * Float(ratio * ratio / sigma)
            }
        }
        inverseDenominator = denominator.map { 1 / $0 }
        if smoothing && n > 1 {
            continuityNumerator = [Float](repeating: 0, count: k * (n + 4))
            continuityDenominator = [Float](repeating: 0, count: k * (n + 4))
            h.storage.withUnsafeBufferPointer { hp in
                for c in 0..<k where continuity[c] > 0 {
                    let s = max(squares[c], 1e-300), mu = sum[c] / Double(n)
                    // c_k = (N/S)·D with S = Σ h², D = Σ (h_n − h_{n−1})²:
                    // ∇⁺ = (N/S)·(2 or 4)·h_t, ∇⁻ = (N/S)·2·(neighbours) + 2N·D·h_t/S².
                    let scale = Double(continuity[c]) * mu * Double(n) / s
                    for j in 0..<n {
                        let x = Double(hp[j * k + c])
                        var neighbours = 0.0, count = 0.0
                        if j > 0 { neighbours += Double(hp[(j - 1) * k + c]); count += 1 }
                        if j < n - 1 { neighbours += Double(hp[(j + 1) * k + c]); count += 1 }
                        continuityDenominator[j * k + c] = Float(scale * 2 * count * x)
                        continuityNumerator[j * k + c] = Float(scale * (2 * neighbours + 2 * jumps[c] * x / s))
                    }
                }
            }
        }
    }

    /// The penalty terms as the kernels read them.
    struct Pointers {
        /// Per component: the inverse denominator.
        let columnSumInverse: UnsafePointer<Float>
        /// Per component: the sparseness gain (nil: none).
        let sparseGain: UnsafePointer<Float>?
        /// Continuity numerator and denominator terms, frame-major (nil: none).
        let continuity: (UnsafePointer<Float>, UnsafePointer<Float>)?
    }

    /// Calls `body` with pointers to the terms, valid during the call only.
    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        inverseDenominator.withUnsafeBufferPointer { csi in
            sparseGain.withUnsafeBufferPointer { sg in
                continuityNumerator.withUnsafeBufferPointer { cn in
                    continuityDenominator.withUnsafeBufferPointer { cd in
                        body(Pointers(columnSumInverse: csi.baseAddress!, sparseGain: sg.isEmpty ? nil : sg.baseAddress,
                                      continuity: cn.isEmpty ? nil : (cn.baseAddress!, cd.baseAddress!)))
                    }
                }
            }
        }
    }
}
