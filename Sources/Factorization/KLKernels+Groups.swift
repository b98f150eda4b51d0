/// The H update and the W accumulation of several quads at once, for many components: each
/// column of W (or of the accumulator) is loaded once for all the quads of a group instead of
/// once per quad. Every element gets the same operations in the same order as with
/// ``KLKernels/updateActivations(w:paddedBins:components:r:h:columnSumInverse:sparseGain:floor:continuity:offsets:exponent:)``
/// and ``KLKernels/accumulateBasis(paddedBins:components:from:r:h:accumulator:)`` quad by quad
/// (the quads of a group are still added to the accumulator in frame order): same bits.
extension KLKernels {
    /// ``updateActivations(w:paddedBins:components:r:h:columnSumInverse:sparseGain:floor:continuity:offsets:exponent:)``
    /// for the quads `h` (quad i's ratios at `r + 4·F′·i`, its continuity offsets `offsets[i]`),
    /// the loop over the quads inside the loop over the columns.
    static func updateActivations(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int,
                                  r: UnsafePointer<Float>, quads h: [MutableQuad],
                                  columnSumInverse: UnsafePointer<Float>, sparseGain: UnsafePointer<Float>?, floor: Float,
                                  continuity: (UnsafePointer<Float>, UnsafePointer<Float>)?, offsets: [(Int, Int, Int, Int)],
                                  exponent: Float) {
        @inline(__always) func finish(_ i: Int, _ k: Int, _ a: Sums) {
            let c = columnSumInverse[k], g = sparseGain?[k] ?? 0, q = h[i], o = offsets[i]
            q.0[k] = update(q.0[k], a.0.sum(), g, c, floor, continuity, o.0 + k, exponent)
            q.1[k] = update(q.1[k], a.1.sum(), g, c, floor, continuity, o.1 + k, exponent)
            q.2[k] = update(q.2[k], a.2.sum(), g, c, floor, continuity, o.2 + k, exponent)
            q.3[k] = update(q.3[k], a.3.sum(), g, c, floor, continuity, o.3 + k, exponent)
        }
        var k = 0
        while k + 2 < components {
            for i in h.indices {
                let (a, b, c) = dotProducts(w + k * fp, w + (k + 1) * fp, w + (k + 2) * fp, paddedBins: fp, r: r + 4 * fp * i)
                finish(i, k, a); finish(i, k + 1, b); finish(i, k + 2, c)
            }
            k += 3
        }
        for i in h.indices {
            if k + 1 < components {
                let (a, b) = dotProducts(w + k * fp, w + (k + 1) * fp, paddedBins: fp, r: r + 4 * fp * i)
                finish(i, k, a); finish(i, k + 1, b)
            } else if k < components {
                finish(i, k, dotProducts(w + k * fp, paddedBins: fp, r: r + 4 * fp * i))
            }
        }
    }

    /// ``accumulateBasis(paddedBins:components:from:r:h:accumulator:)`` for the quads `h` (quad
    /// i's ratios at `r + 4·F′·i`), in their order, the loop over the quads inside the loop over
    /// the pairs of columns.
    static func accumulateBasis(paddedBins fp: Int, components: Int, from first: Int, r: UnsafePointer<Float>,
                                quads h: [Quad], accumulator: UnsafeMutablePointer<Float>) {
        var k = first
        while k + 1 < components {
            let acc = accumulator + k * fp, bcc = accumulator + (k + 1) * fp
            for (i, q) in h.enumerated() {
                let ri = r + 4 * fp * i
                let h0 = q.0[k], h1 = q.1[k], h2 = q.2[k], h3 = q.3[k]
                let g0 = q.0[k + 1], g1 = q.1[k + 1], g2 = q.2[k + 1], g3 = q.3[k + 1]
                var f = 0
                while f < fp {
                    let r0 = load(ri + f), r1 = load(ri + fp + f), r2 = load(ri + 2 * fp + f), r3 = load(ri + 3 * fp + f)
                    store(load(acc + f) + quadProduct(r0, r1, r2, r3, h0, h1, h2, h3), acc + f)
                    store(load(bcc + f) + quadProduct(r0, r1, r2, r3, g0, g1, g2, g3), bcc + f)
                    f += 8
                }
            }
            k += 2
        }
        if k < components {
            for (i, q) in h.enumerated() {
                accumulateFew(from: 0, paddedBins: fp, components: components, first: k, r: r + 4 * fp * i, h: q, accumulator: accumulator)
            }
        }
    }
}
