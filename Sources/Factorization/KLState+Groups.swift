import DSPCore

/// The iteration for many components: groups of quads instead of one quad at a time.
///
/// With K in the thousands W (F′ × K floats, 16 MB at K = 4000) is far larger than the caches,
/// and every pass of a quad over it (λ from the old activations, the H update, λ from the new
/// ones, the W accumulation) streams all of it from memory for four frames. A group of
/// ``quadsPerGroup`` quads makes each pass read every block of W once for all of them
/// (``KLKernels/blockedLambdas(w:paddedBins:components:quads:into:)`` and the grouped H update
/// and W accumulation). Within a group the passes run in the same order per quad (all the
/// quads' H updates before any of their W accumulations, which reads only the quad's own
/// activations), and each element gets the same operations in the same order: the same bits as
/// ``KLState/QuadStep``, which tests check.
extension KLState {
    /// Quads per group from ``KLKernels/blockedLambdaComponents`` components on (1 below: one
    /// quad at a time, ``KLState/QuadStep``).
    static let quadsPerGroup = 16

    /// Runs `body(chunk, quads, ratio scratch)` over the quads of every chunk in groups of up
    /// to `group` quads (each quad: its valid frames, frame and activation pointers), chunk by
    /// chunk in parallel; missing frames of a chunk's last quad point at a zero frame and at
    /// scratch activations, as in the quad loop.
    static func forEachGroup(_ g: Geometry, group: Int, _ vb: UnsafePointer<Float>, _ hb: UnsafeMutablePointer<Float>,
                             _ body: (Int, [(valid: Int, frames: KLKernels.Quad, acts: KLKernels.MutableQuad)],
                                      UnsafeMutablePointer<Float>) -> Void) {
        let fp = g.paddedBins, k = g.components, n = g.frames, chunks = g.chunks, step = g.frameStride * g.bins
        g.zeroFrame.withUnsafeBufferPointer { zp in
            let zero = zp.baseAddress!
            Parallel.forEachBlock(chunks, threads: g.threads) { chunk in
                let r = UnsafeMutablePointer<Float>.allocate(capacity: 4 * fp * group)
                let dummy = UnsafeMutablePointer<Float>.allocate(capacity: 4 * k)
                defer { r.deallocate(); dummy.deallocate() }
                let range = Parallel.blockRange(chunk, of: chunks, count: n)
                var quads: [(valid: Int, frames: KLKernels.Quad, acts: KLKernels.MutableQuad)] = []
                quads.reserveCapacity(group)
                var j = range.lowerBound
                while j < range.upperBound {
                    func frame(_ i: Int) -> UnsafePointer<Float> { j + i < range.upperBound ? vb + (j + i) * step : zero }
                    func act(_ i: Int) -> UnsafeMutablePointer<Float> {
                        if j + i < range.upperBound { return hb + (j + i) * k }
                        (dummy + i * k).update(repeating: 0, count: k)
                        return dummy + i * k
                    }
                    quads.append((min(4, range.upperBound - j), (frame(0), frame(1), frame(2), frame(3)), (act(0), act(1), act(2), act(3))))
                    j += 4
                    if quads.count == group || j >= range.upperBound {
                        body(chunk, quads, r)
                        quads.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
    }

    /// The work of a group of quads in ``KLState/iterate(measureDivergence:)``: what
    /// ``KLState/QuadStep`` does for one quad, each pass run for every quad of the group.
    struct GroupStep {
        /// F, F′ (F rounded up to a multiple of 8) and K.
        let bins, paddedBins, components: Int
        /// The floor of λ in the ratios v ⊘ max(λ, ε).
        let epsilon: Float
        /// The first column of W the basis update steps (the ones before are held fixed).
        let learnedFrom: Int
        /// The exponent of the H step (1: plain multiplicative update).
        let exponent: Float
        /// Whether to return the divergence terms.
        let measureDivergence: Bool

        /// Runs the step on `quads` (ratios into `r`, 4 × F′ per quad) and adds each quad's
        /// divergence terms (0 unless measured) to `divergence`, in order.
        func run(quads: [(valid: Int, frames: KLKernels.Quad, acts: KLKernels.MutableQuad)], offsets: [(Int, Int, Int, Int)],
                 w: UnsafePointer<Float>, r: UnsafeMutablePointer<Float>, penalties: ActivationPenalties.Pointers,
                 accumulator: UnsafeMutablePointer<Float>, divergence: inout Double) {
            let fp = paddedBins, k = components
            let hc = quads.map { KLKernels.readOnly($0.acts) }
            KLKernels.blockedLambdas(w: w, paddedBins: fp, components: k, quads: hc, into: r)
            for (i, q) in quads.enumerated() {
                divergence += KLKernels.ratiosFromLambdas(v: q.frames, bins: bins, paddedBins: fp, r: r + 4 * fp * i, epsilon: epsilon,
                                                          divergence: measureDivergence, valid: q.valid)
            }
            KLKernels.updateActivations(w: w, paddedBins: fp, components: k, r: r, quads: quads.map(\.acts),
                                        columnSumInverse: penalties.columnSumInverse, sparseGain: penalties.sparseGain,
                                        floor: NMF.valueFloor, continuity: penalties.continuity, offsets: offsets, exponent: exponent)
            guard learnedFrom < k else { return }
            KLKernels.blockedLambdas(w: w, paddedBins: fp, components: k, quads: hc, into: r)
            for (i, q) in quads.enumerated() {
                _ = KLKernels.ratiosFromLambdas(v: q.frames, bins: bins, paddedBins: fp, r: r + 4 * fp * i, epsilon: epsilon,
                                                divergence: false, valid: 4)
            }
            if k - learnedFrom <= 4 {
                for (i, h) in hc.enumerated() {
                    KLKernels.accumulateFew(from: 0, paddedBins: fp, components: k, first: learnedFrom, r: r + 4 * fp * i, h: h,
                                            accumulator: accumulator)
                }
            } else {
                KLKernels.accumulateBasis(paddedBins: fp, components: k, from: learnedFrom, r: r, quads: hc, accumulator: accumulator)
            }
        }
    }
}
