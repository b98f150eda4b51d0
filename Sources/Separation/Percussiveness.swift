import DSPCore

/// How percussive each NMF component sounds: the share of its model W_k·h_k that lies in the
/// percussive part of the spectrogram, by median-filtering harmonic–percussive separation
/// (Fitzgerald 2010, "Harmonic/percussive separation using median filtering").
///
/// For V (bins × frames), the harmonic enhancement is a median along time (each bin over
/// `filterLength` frames), the percussive enhancement a median along frequency (each frame over
/// `filterLength` bins), and the percussive weight P = Pm² / (Hm² + Pm²) ∈ [0, 1] (0 where both
/// vanish). A component's score is Σ_{f,n} W_fk H_kn P_fn / Σ_{f,n} W_fk H_kn: near 1 for
/// drum hits (broadband, short), near 0 for sustained notes. Timbre features alone group a
/// kick drum with a bass line and a snare with a flute (see QUALITY.md); this score tells them apart.
///
/// Medians are taken by an odd-even transposition network on eight bins at a time (clamped
/// edges); nothing of the size of V is stored. Frames are cut into fixed chunks whose partial
/// sums are added in chunk order, so the scores do not depend on the thread count.
/// - Complexity: O(F·N·(L² + K)) time for L = `filterLength`, O(F·L) memory per thread.
enum Percussiveness {
    /// Length L of both median filters, in frames and in bins (odd).
    static let filterLength = 17

    typealias Vec = SIMD8<Float>

    /// The percussiveness of each of the K components of W (bins × K) and H (K × frames) fitted to V.
    /// - Returns: K scores in [0, 1] (0 for a component with no energy).
    static func scores(v: Matrix, basis w: Matrix, activations h: Matrix, threads: Int) -> [Float] {
        let f = v.rows, n = v.columns, k = w.columns
        guard f >= 1, n >= 1, k >= 1, w.rows == f, h.rows == k, h.columns == n else { return [Float](repeating: 0, count: max(k, 0)) }
        let chunks = max(1, min(16, n / 32))
        // Σ_f W_fk, the same for every frame.
        let columnTotals = (0..<k).map { c in w.column(c).reduce(0, +) }
        var numerators = [Double](repeating: 0, count: chunks * k)
        var denominators = [Double](repeating: 0, count: chunks * k)
        numerators.withUnsafeMutableBufferPointer { np in
            denominators.withUnsafeMutableBufferPointer { dp in
                let numBase = np.baseAddress!, denBase = dp.baseAddress!
                v.storage.withUnsafeBufferPointer { vp in
                    w.storage.withUnsafeBufferPointer { wp in
                        h.storage.withUnsafeBufferPointer { hp in
                            let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!
                            Parallel.forEachBlock(chunks, threads: threads) { chunk in
                                let weights = UnsafeMutablePointer<Float>.allocate(capacity: f)
                                defer { weights.deallocate() }
                                var scratch = [Vec](repeating: Vec(), count: filterLength)
                                for frame in Parallel.blockRange(chunk, of: chunks, count: n) {
                                    percussiveWeights(v: vb, bins: f, frames: n, frame: frame, scratch: &scratch, into: weights)
                                    for c in 0..<k {
                                        let col = wb + c * f
                                        var modelled: Float = 0
                                        for i in 0..<f { modelled += col[i] * weights[i] }
                                        let a = Double(hb[frame * k + c])
                                        numBase[chunk * k + c] += a * Double(modelled)
                                        denBase[chunk * k + c] += a * Double(columnTotals[c])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<k).map { c in
            var num = 0.0, den = 0.0
            for chunk in 0..<chunks {
                num += numerators[chunk * k + c]
                den += denominators[chunk * k + c]
            }
            return den > 0 ? Float(min(max(num / den, 0), 1)) : 0
        }
    }

    /// P(:, frame) = Pm² / (Hm² + Pm²) for one frame of V (frame-major: column `frame` is contiguous);
    /// `values` is scratch of `filterLength` vectors.
    static func percussiveWeights(v: UnsafePointer<Float>, bins f: Int, frames n: Int, frame: Int,
                                  scratch values: inout [Vec], into out: UnsafeMutablePointer<Float>) {
        let half = filterLength / 2
        var f0 = 0
        while f0 < f {
            // Eight bins f0 ..< f0 + 8 (clamped to the last bin at the top edge).
            for j in 0..<filterLength {
                let t = min(max(frame + j - half, 0), n - 1)
                values[j] = gather(v + t * f, from: f0, bins: f)
            }
            let harmonic = median(&values)
            for j in 0..<filterLength { values[j] = gather(v + frame * f, from: f0 + j - half, bins: f) }
            let percussive = median(&values)
            let h2 = harmonic * harmonic, p2 = percussive * percussive
            let sum = h2 + p2
            let weight = (p2 / sum).replacing(with: 0, where: sum .<= 0)
            for lane in 0..<min(8, f - f0) { out[f0 + lane] = weight[lane] }
            f0 += 8
        }
    }

    /// Bins start ..< start + 8 of one frame, each index clamped to 0 ..< bins.
    @inline(__always)
    static func gather(_ column: UnsafePointer<Float>, from start: Int, bins: Int) -> Vec {
        if start >= 0 && start + 8 <= bins { return UnsafeRawPointer(column + start).loadUnaligned(as: Vec.self) }
        var x = Vec()
        for lane in 0..<8 { x[lane] = column[min(max(start + lane, 0), bins - 1)] }
        return x
    }

    /// Lane-wise median of `filterLength` vectors, sorting them in place by odd-even
    /// transposition (L rounds of compare–exchange sort L values).
    @inline(__always)
    static func median(_ x: inout [Vec]) -> Vec {
        let count = x.count
        x.withUnsafeMutableBufferPointer { p in
            for round in 0..<count {
                var i = round & 1
                while i + 1 < count {
                    let a = p[i], b = p[i + 1]
                    // `replacing` rather than pointwiseMin/Max, which compile to calls.
                    p[i] = a.replacing(with: b, where: b .< a)
                    p[i + 1] = b.replacing(with: a, where: b .< a)
                    i += 2
                }
            }
        }
        return x[count / 2]
    }
}
