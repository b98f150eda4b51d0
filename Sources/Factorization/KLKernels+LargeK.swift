/// The λ pass for many components: W·h summed over column blocks of W.
///
/// ``KLKernels/lambdas16(w:paddedBins:components:at:h:)`` sums over every column of W for
/// each block of 16 bins, so one sweep over the bins touches all K columns at once: K
/// streams a column (~4 KiB at F = 1025, one page) apart, more than the prefetchers follow
/// and, beyond about 2000 columns, than the TLB holds. The iteration then slows far beyond its
/// share of the work: `nmf-bench --runs 3 --size 1025,4100,K,I` (both cores, I iterations,
/// medians of 3) took 2036 ms per iteration at K = 2048 (I = 2) and 6.2 s at K = 4096 (I = 1),
/// against 313–457 ms at K = 1024. Here the sum runs over blocks of ``lambdaColumnBlock``
/// columns, the partial sums of the four frames kept in the scratch `r` (4 × padded bins; a
/// group of quads, ``KLState/quadsPerGroup``, has one such scratch per quad) between blocks:
/// 1107 ms at K = 2048 and 3.0 s at K = 4096 (blocks of 8 / 16 / 32 / 64 / 128 columns: 4.0 /
/// 3.1 / 3.6 / 5.2 / 8.9 s, one run each). Each lane still adds the products w_fk·h_k in the
/// order k = 0, 1, … from 0 with the same fused multiply–adds, so λ, the ratios, the
/// divergence and the factorization are the same bits as unblocked (tests compare them; the
/// `kl_bits` of every run above agree). Alone, the blocked pass was slower at K = 1024 (by
/// 12–29 % in three paired rounds: 351–440 against 313–371 ms); with the groups of quads it is
/// faster (BENCHMARKS.md, "Many components"), hence the threshold, which both share.
extension KLKernels {
    /// The number of components from which the λ pass sums over column blocks and the
    /// iteration runs groups of quads: at K = 1024 / 1280 that took 262–321 / 345–423 ms per
    /// iteration against 341–457 / 418–497 ms one quad at a time unblocked, at K = 768 the two
    /// measured the same (`nmf-bench --runs 3 --size 1025,4100,K,2`, five alternating rounds).
    static let blockedLambdaComponents = 1024
    /// Columns of W per block: the pages one sweep over the bins touches.
    static let lambdaColumnBlock = 16

    /// λ_j = W·h_j of four frames for every padded bin, into `r` (4 × padded bins), summed over
    /// blocks of ``lambdaColumnBlock`` columns.
    /// - Parameters:
    ///   - w: W, padded bins × K, column-major (padding rows zero).
    ///   - paddedBins: F′, a multiple of 8.
    ///   - h: four pointers to K activations.
    ///   - r: scratch, 4 × padded bins; overwritten with λ.
    static func blockedLambdas(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int, h: Quad,
                               into r: UnsafeMutablePointer<Float>) {
        blockedLambdas(w: w, paddedBins: fp, components: components, quads: [h], into: r)
    }

    /// λ of several quads: quad i's four frames into `r + 4·F′·i`, each block of columns of W
    /// serving every quad before the next block is read (so W is read once for all of them).
    /// The same bits as one quad at a time.
    static func blockedLambdas(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int, quads: [Quad],
                               into r: UnsafeMutablePointer<Float>) {
        r.update(repeating: 0, count: 4 * fp * quads.count)
        var first = 0
        while first < components {
            let end = min(first + lambdaColumnBlock, components)
            for (i, h) in quads.enumerated() {
                let ri = r + 4 * fp * i
                var f = 0
                while f + 16 <= fp {
                    addLambdas16(w: w, paddedBins: fp, columns: first..<end, at: f, h: h, r: ri)
                    f += 16
                }
                if f < fp { addLambdas8(w: w, paddedBins: fp, columns: first..<end, at: f, h: h, r: ri) }
            }
            first = end
        }
    }

    /// Adds the products of `columns` to the partial λ of bins f…f+15 of four frames in `r`.
    @inline(__always)
    private static func addLambdas16(w: UnsafePointer<Float>, paddedBins fp: Int, columns: Range<Int>, at f: Int, h: Quad,
                                     r: UnsafeMutablePointer<Float>) {
        let partial = ((load(r + f), load(r + fp + f), load(r + 2 * fp + f), load(r + 3 * fp + f)),
                       (load(r + f + 8), load(r + fp + f + 8), load(r + 2 * fp + f + 8), load(r + 3 * fp + f + 8)))
        let ((l0, l1, l2, l3), (m0, m1, m2, m3)) = addProducts16(w: w, paddedBins: fp, from: columns.lowerBound, to: columns.upperBound,
                                                                 at: f, h: h, onto: partial)
        store(l0, r + f); store(l1, r + fp + f); store(l2, r + 2 * fp + f); store(l3, r + 3 * fp + f)
        store(m0, r + f + 8); store(m1, r + fp + f + 8); store(m2, r + 2 * fp + f + 8); store(m3, r + 3 * fp + f + 8)
    }

    /// Adds the products of `columns` to the partial λ of bins f…f+7 of four frames in `r`.
    @inline(__always)
    private static func addLambdas8(w: UnsafePointer<Float>, paddedBins fp: Int, columns: Range<Int>, at f: Int, h: Quad,
                                    r: UnsafeMutablePointer<Float>) {
        let partial = (load(r + f), load(r + fp + f), load(r + 2 * fp + f), load(r + 3 * fp + f))
        let (l0, l1, l2, l3) = addProducts(w: w, paddedBins: fp, from: columns.lowerBound, to: columns.upperBound, at: f, h: h, onto: partial)
        store(l0, r + f); store(l1, r + fp + f); store(l2, r + 2 * fp + f); store(l3, r + 3 * fp + f)
    }

    /// ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` for many components: λ by
    /// ``blockedLambdas(w:paddedBins:components:h:into:)``, then r = v ⊘ max(λ, ε) in place, and
    /// Σ_j D(v_j‖λ_j) over the first `valid` frames when `divergence` is set (else 0).
    static func blockedRatios(v: Quad, w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components: Int, h: Quad,
                              r: UnsafeMutablePointer<Float>, epsilon: Float, divergence: Bool, valid: Int) -> Double {
        blockedLambdas(w: w, paddedBins: fp, components: components, h: h, into: r)
        return ratiosFromLambdas(v: v, bins: bins, paddedBins: fp, r: r, epsilon: epsilon, divergence: divergence, valid: valid)
    }

    /// Turns the λ of four frames in `r` (4 × padded bins) into their ratios v ⊘ max(λ, ε) in
    /// place (zero in the padding), and returns Σ_j D(v_j‖λ_j) over the first `valid` frames
    /// when `divergence` is set (else 0): the rest of the passes of
    /// ``ratiosAndDivergence(v:w:bins:paddedBins:components:h:r:epsilon:valid:)``, same order.
    static func ratiosFromLambdas(v: Quad, bins: Int, paddedBins fp: Int, r: UnsafeMutablePointer<Float>, epsilon: Float,
                                  divergence: Bool, valid: Int) -> Double {
        let eps = Vec(repeating: epsilon)
        let full = bins & ~7
        var d0 = Vec(), d1 = Vec(), d2 = Vec(), d3 = Vec()
        var f = 0
        while f < full {
            let v0 = load(v.0 + f), v1 = load(v.1 + f), v2 = load(v.2 + f), v3 = load(v.3 + f)
            let m0 = maximum(load(r + f), eps), m1 = maximum(load(r + fp + f), eps)
            let m2 = maximum(load(r + 2 * fp + f), eps), m3 = maximum(load(r + 3 * fp + f), eps)
            let r0 = v0 / m0, r1 = v1 / m1, r2 = v2 / m2, r3 = v3 / m3
            store(r0, r + f); store(r1, r + fp + f); store(r2, r + 2 * fp + f); store(r3, r + 3 * fp + f)
            if divergence {
                d0 += divergenceTerms(v0, m0, r0)
                d1 += divergenceTerms(v1, m1, r1)
                d2 += divergenceTerms(v2, m2, r2)
                d3 += divergenceTerms(v3, m3, r3)
            }
            f += 8
        }
        var d = 0.0
        if divergence {
            d = Double(d0.sum())
            if valid > 1 { d += Double(d1.sum()) }
            if valid > 2 { d += Double(d2.sum()) }
            if valid > 3 { d += Double(d3.sum()) }
        }
        if full < fp {
            // Summed apart, then added, as in `tail`: the same bits as the unblocked pass.
            var t = finish(v.0, r, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence)
            t += finish(v.1, r + fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 1)
            t += finish(v.2, r + 2 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 2)
            t += finish(v.3, r + 3 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 3)
            d += t
        }
        return d
    }
}
