import CPrefetch

/// The W half of the fused KL iteration: accumulating (V ⊘ WH)·Hᵀ over the quads of a chunk.
extension KLKernels {
    /// r₀h₀ + r₁h₁ + r₂h₂ + r₃h₃ as two independent fused pairs (a shorter dependency chain
    /// than four chained multiply–adds); both accumulation paths use it, so they agree bit for bit.
    @inline(__always)
    static func quadProduct(_ r0: Vec, _ r1: Vec, _ r2: Vec, _ r3: Vec, _ h0: Float, _ h1: Float, _ h2: Float, _ h3: Float) -> Vec {
        (r0 * h0).addingProduct(r1, h1) + (r2 * h2).addingProduct(r3, h3)
    }

    /// The second pass of a quad for few learned components (K − `first` ≤ 4): the ratios of
    /// ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` go straight into the W
    /// accumulators of ``accumulateBasis(paddedBins:components:from:r:h:accumulator:)``, 16 bins
    /// at a time, without the round trip through `r` (which then holds only the last partial
    /// vector). Same operations in the same order per element: same bits.
    ///
    /// While it works on this quad, it prefetches the next one: the cache line `ahead`
    /// elements past each line of each frame it reads (4 frames on, for consecutive frames).
    /// A frame is about one 4 KiB page and the hardware prefetchers stop at page boundaries,
    /// so without the hint the H pass of the next quad starts every frame with cache misses.
    /// Paired runs (both builds at once, one core each) measured it about 5 % faster at K = 3
    /// (geometric means of the per-round ratios 0.87–0.96 over four sets of 8–10 rounds); with
    /// more than 4 learned components (the two-step path; K = 8 and 32 measured) the same hint
    /// measured within noise, so only this path has it. Prefetches never fault,
    /// so the lines past the end of V are harmless.
    /// - Parameter ahead: elements from a frame to the frame to prefetch (0: the frame itself, no effect).
    @inline(__always)
    static func ratiosIntoBasis<C: ComponentCount>(v: Quad,
                                w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components count: C, from first: Int,
                                h: Quad,
                                r: UnsafeMutablePointer<Float>, epsilon: Float, accumulator: UnsafeMutablePointer<Float>,
                                ahead: Int) {
        let components = count.value
        if components >= blockedLambdaComponents {
            // (W, not the next quad, is what the cache cannot hold here.)
            _ = blockedRatios(v: v, w: w, bins: bins, paddedBins: fp, components: components, h: h, r: r,
                              epsilon: epsilon, divergence: false, valid: 4)
            accumulateFew(from: 0, paddedBins: fp, components: count, first: first, r: r, h: h, accumulator: accumulator)
            return
        }
        let eps = Vec(repeating: epsilon)
        let full = bins & ~7
        var f = 0
        while f + 16 <= full {
            let bytes = 4 * ahead
            nmf_prefetch(v.0 + f, bytes); nmf_prefetch(v.1 + f, bytes); nmf_prefetch(v.2 + f, bytes); nmf_prefetch(v.3 + f, bytes)
            let ((l0, l1, l2, l3), (m0, m1, m2, m3)) = lambdas16(w: w, paddedBins: fp, components: count, at: f, h: h)
            let r0 = load(v.0 + f) / maximum(l0, eps), r1 = load(v.1 + f) / maximum(l1, eps)
            let r2 = load(v.2 + f) / maximum(l2, eps), r3 = load(v.3 + f) / maximum(l3, eps)
            let s0 = load(v.0 + f + 8) / maximum(m0, eps), s1 = load(v.1 + f + 8) / maximum(m1, eps)
            let s2 = load(v.2 + f + 8) / maximum(m2, eps), s3 = load(v.3 + f + 8) / maximum(m3, eps)
            for k in first..<components {
                let acc = accumulator + k * fp + f
                let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
                store(load(acc) + quadProduct(r0, r1, r2, r3, h0, h1, h2, h3), acc)
                store(load(acc + 8) + quadProduct(s0, s1, s2, s3, h0, h1, h2, h3), acc + 8)
            }
            f += 16
        }
        guard f < fp else { return }
        // The rest (fewer than 16 bins, the padding included) by the two-step path.
        ratios(from: f, v: v, w: w, bins: bins, paddedBins: fp, components: count, h: h, r: r, epsilon: epsilon)
        accumulateFew(from: f, paddedBins: fp, components: count, first: first, r: r, h: h, accumulator: accumulator)
    }

    /// The W accumulation of bins `start`…padded bins for few components (K − `first` ≤ 4):
    /// one sweep, each vector of the four ratios loaded once for all components.
    @inline(__always)
    static func accumulateFew<C: ComponentCount>(from start: Int, paddedBins fp: Int, components count: C, first: Int, r: UnsafePointer<Float>,
                              h: Quad,
                              accumulator: UnsafeMutablePointer<Float>) {
        let components = count.value
        var f = start
        while f < fp {
            let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
            for k in first..<components {
                let acc = accumulator + k * fp + f
                store(load(acc) + quadProduct(r0, r1, r2, r3, h.0[k], h.1[k], h.2[k], h.3[k]), acc)
            }
            f += 8
        }
    }

    /// W-update accumulation of four frames: acc[:, k] += Σ_j r_j · h_j[k] for k ≥ `first`,
    /// from ratios already in `r` (the iteration uses it for more than 4 learned components and
    /// ``ratiosIntoBasis(v:w:bins:paddedBins:components:from:h:r:epsilon:accumulator:ahead:)`` below that; any count works)
    /// (columns before it are held fixed and need no accumulation).
    @inline(__always)
    static func accumulateBasis<C: ComponentCount>(paddedBins fp: Int, components count: C, from first: Int = 0, r: UnsafePointer<Float>,
                                h: Quad,
                                accumulator: UnsafeMutablePointer<Float>) {
        let components = count.value
        // Two components per sweep: each vector of the four ratios serves both.
        var k = first
        while k + 1 < components {
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            let g0 = h.0[k + 1], g1 = h.1[k + 1], g2 = h.2[k + 1], g3 = h.3[k + 1]
            let acc = accumulator + k * fp, bcc = accumulator + (k + 1) * fp
            var f = 0
            while f < fp {
                let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
                store(load(acc + f) + quadProduct(r0, r1, r2, r3, h0, h1, h2, h3), acc + f)
                store(load(bcc + f) + quadProduct(r0, r1, r2, r3, g0, g1, g2, g3), bcc + f)
                f += 8
            }
            k += 2
        }
        if k < components {
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            let acc = accumulator + k * fp
            var f = 0
            while f < fp {
                store(load(acc + f) + quadProduct(load(r + f), load(r + fp + f), load(r + 2 * fp + f), load(r + 3 * fp + f),
                                                  h0, h1, h2, h3), acc + f)
                f += 8
            }
        }
    }
}
