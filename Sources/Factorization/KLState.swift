import DSPCore

/// The working state of one KL factorization: V (read only), W (kept with its rows padded
/// to a multiple of 8 for the kernels), H, and scratch buffers.
struct KLState {
    let v: Matrix
    /// W, padded to a multiple of 8 rows for the kernels.
    private(set) var basis: PaddedBasis
    var h: Matrix
    let threads: Int
    let epsilon: Float
    let chunkCount: Int
    let bins: Int
    let paddedBins: Int
    /// The first `fixedColumns` columns of W are held fixed (trained dictionaries).
    let fixedColumns: Int
    /// Weight λ of the scale-invariant sparseness penalty per component (empty = none).
    var sparsity: [Float] = []
    /// Weight of the temporal-continuity penalty per component (empty = none).
    var continuity: [Float] = []
    /// Exponent ω of the multiplicative steps (1: Lee–Seung, monotone). Above 1 the steps are
    /// over-relaxed; the first measured rise of the divergence sets it back to 1 for good.
    var stepExponent: Float = 1
    /// Channels C of a multichannel factorization: V stacks C spectrograms of `bins / C` rows
    /// and W is tied across them (`ChannelTiedBasis`); 1 = an ordinary factorization.
    let channels: Int
    /// Basis updates done; with C > 1 the even ones step the spectra, the odd ones the gains.
    private var basisSteps = 0
    /// With C > 1: the spectra of the fixed columns (`bins / C` values each, normalised, in a
    /// `bins / C × K` column-major array whose other columns are unused), kept exactly as given.
    private var fixedSpectra: [Float] = []
    /// The first column of W that the basis update steps: with C > 1 the fixed columns too,
    /// whose gains are learned while their spectra stay as given.
    var steppedFrom: Int { channels > 1 ? 0 : fixedColumns }
    /// Whether the iteration runs the kernels specialised for K = 2, 3, 4 (``ComponentCount``);
    /// off, they take K as a run-time count (same bits: tests compare the two).
    var specialisesSmallCounts = true
    /// Quads run together by ``GroupStep`` (1: one at a time by ``QuadStep``): ``quadsPerGroup``
    /// from ``KLKernels/blockedLambdaComponents`` components on (same bits: tests compare the two).
    var quadGroup: Int
    /// The divergence measured last (by ``iterate(measureDivergence:)``).
    private var lastMeasuredDivergence = Double.infinity
    private var accumulators: [Float] = []
    /// A frame of zeros standing in for missing frames of an incomplete quad.
    private let zeroFrame: [Float]

    /// Every `frameStride`-th column of V is a frame of this factorization (1: all of them).
    let frameStride: Int
    /// The frames factorized: ⌈columns of V / frameStride⌉ (H has as many columns).
    let frames: Int
    var components: Int { h.rows }

    /// Shapes and scratch the quad loop needs (a value, so no access to `self` overlaps).
    struct Geometry {
        let bins, paddedBins, components, frames, frameStride, chunks, threads: Int
        let zeroFrame: [Float]
    }

    var geometry: Geometry {
        Geometry(bins: bins, paddedBins: paddedBins, components: components, frames: frames, frameStride: frameStride, chunks: chunkCount,
                 threads: threads, zeroFrame: zeroFrame)
    }

    /// W, bins × K.
    var w: Matrix { basis.matrix }

    /// - Parameters:
    ///   - frameStride: factorize only every `frameStride`-th column of V (the trial starts of
    ///     the multi-start), without copying them; H has ⌈columns / frameStride⌉ columns.
    ///   - mean: the mean of the frames factorized, when the caller has it (otherwise computed here).
    ///   - channels: C > 1 ties W across the C channel blocks of V (`ChannelTiedBasis`): every
    ///     column of `w` is replaced by its spectrum × gains projection (the identity for a
    ///     column already tied, as trained templates given through `ChannelTiedBasis.stack` are).
    init(v: Matrix, w: Matrix, h: Matrix, threads: Int, fixedColumns: Int = 0, frameStride: Int = 1, mean: Double? = nil,
         channels: Int = 1) {
        self.v = v
        self.frameStride = max(1, frameStride)
        frames = (v.columns + self.frameStride - 1) / self.frameStride
        precondition(h.columns == frames, "H must have one column per factorized frame")
        self.fixedColumns = fixedColumns
        self.h = h
        quadGroup = h.rows >= KLKernels.blockedLambdaComponents ? Self.quadsPerGroup : 1
        self.threads = threads
        bins = v.rows
        paddedBins = (v.rows + 7) & ~7
        basis = PaddedBasis(w)
        epsilon = Self.epsilon(mean: mean ?? v.meanOfColumns(strided: self.frameStride))
        chunkCount = max(1, min(NMF.maxChunks, frames / 64))
        zeroFrame = [Float](repeating: 0, count: paddedBins)
        self.channels = max(1, channels)
        if self.channels > 1 {
            let now = ChannelTiedBasis.marginals(basis, channels: self.channels, from: 0)
            ChannelTiedBasis.tie(&basis, channels: self.channels, from: 0, step: .spectra, previous: now)
            fixedSpectra = now.spectra
        }
    }

    /// Scales each column of W that the basis update steps (from `steppedFrom`) to sum to one
    /// and the matching row of H by the same factor.
    mutating func normalizeBasis() { basis.normalize(activations: &h, from: steppedFrom) }

    /// The floor ε of W·H: 10⁻⁹ of V's mean, at least the smallest normal float.
    static func epsilon(for v: Matrix) -> Float { epsilon(mean: v.mean) }

    /// The floor ε for a V of the given mean.
    static func epsilon(mean: Double) -> Float { max(Float(mean * 1e-9), Float.leastNormalMagnitude) }

    /// Runs `body(chunk, valid frames, ratio scratch, frame pointers, activation pointers)` over every quad of
    /// frames, chunk by chunk in parallel; missing frames of the last quad of a chunk point
    /// at a zero frame and at scratch activations.
    private static func forEachQuad(_ g: Geometry, _ vb: UnsafePointer<Float>, _ hb: UnsafeMutablePointer<Float>,
                             _ body: (Int, Int, UnsafeMutablePointer<Float>,
                                      KLKernels.Quad,
                                      KLKernels.MutableQuad) -> Void) {
        let fp = g.paddedBins, k = g.components, n = g.frames, chunks = g.chunks, step = g.frameStride * g.bins
        g.zeroFrame.withUnsafeBufferPointer { zp in
            let zero = zp.baseAddress!
            Parallel.forEachBlock(chunks, threads: g.threads) { chunk in
                let r = UnsafeMutablePointer<Float>.allocate(capacity: 4 * fp)
                let dummy = UnsafeMutablePointer<Float>.allocate(capacity: 4 * k)
                defer { r.deallocate(); dummy.deallocate() }
                let range = Parallel.blockRange(chunk, of: chunks, count: n)
                var j = range.lowerBound
                while j < range.upperBound {
                    func frame(_ i: Int) -> UnsafePointer<Float> { j + i < range.upperBound ? vb + (j + i) * step : zero }
                    func act(_ i: Int) -> UnsafeMutablePointer<Float> {
                        if j + i < range.upperBound { return hb + (j + i) * k }
                        (dummy + i * k).update(repeating: 0, count: k)
                        return dummy + i * k
                    }
                    body(chunk, min(4, range.upperBound - j), r, (frame(0), frame(1), frame(2), frame(3)), (act(0), act(1), act(2), act(3)))
                    j += 4
                }
            }
        }
    }

    /// One full iteration (H update, then W update and normalisation) in a single pass over V.
    ///
    /// Each quad of frames first gets its H update from λ = W·h_old, then, while the frames are
    /// still in cache, its W-update contribution from λ = W·h_new (``QuadStep``). This is exactly the
    /// alternating Lee–Seung iteration (the H update of a frame depends on no other frame, and
    /// W is only changed after the pass), with V read once instead of twice.
    /// - Returns: D(V‖WH) before the iteration when `measureDivergence`, else 0.
    mutating func iterate(measureDivergence: Bool) -> Double {
        let fp = paddedBins, k = components, chunks = chunkCount
        var columnSums = [Float](repeating: 0, count: k)
        for c in 0..<k { for i in 0..<bins { columnSums[c] += basis.storage[c * fp + i] } }
        let penalties = ActivationPenalties(h: h, columnSums: columnSums, sparsity: sparsity, continuity: continuity)
        if accumulators.count != chunks * fp * k { accumulators = [Float](repeating: 0, count: chunks * fp * k) }
        var partial = [Double](repeating: 0, count: chunks)
        let w = basis.storage, geometry = self.geometry, n = frames
        let step = QuadStep(bins: bins, paddedBins: fp, components: k, epsilon: epsilon, learnedFrom: steppedFrom,
                            exponent: stepExponent, measureDivergence: measureDivergence, specialised: specialisesSmallCounts,
                            ahead: 4 * frameStride * bins)
        let group = quadGroup > 1 ? GroupStep(bins: bins, paddedBins: fp, components: k, epsilon: epsilon, learnedFrom: steppedFrom,
                                              exponent: stepExponent, measureDivergence: measureDivergence) : nil
        v.storage.withUnsafeBufferPointer { vp in
            w.withUnsafeBufferPointer { wp in
                h.storage.withUnsafeMutableBufferPointer { hp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        accumulators.withUnsafeMutableBufferPointer { ap in
                            penalties.withPointers { terms in
                                let wb = wp.baseAddress!, hb = hp.baseAddress!, pb = pp.baseAddress!, ab = ap.baseAddress!
                                ab.update(repeating: 0, count: chunks * fp * k)
                                // Continuity terms are frame-major like H; missing frames of a quad read the zero tail.
                                func offsets(_ acts: KLKernels.MutableQuad) -> (Int, Int, Int, Int) {
                                    func offset(_ p: UnsafeMutablePointer<Float>) -> Int {
                                        let d = p - hb
                                        return d >= 0 && d < n * k ? d : n * k
                                    }
                                    return terms.continuity == nil ? (0, 0, 0, 0)
                                        : (offset(acts.0), offset(acts.1), offset(acts.2), offset(acts.3))
                                }
                                if let group {
                                    Self.forEachGroup(geometry, group: quadGroup, vp.baseAddress!, hb) { chunk, quads, r in
                                        group.run(quads: quads, offsets: quads.map { offsets($0.acts) }, w: wb, r: r, penalties: terms,
                                                  accumulator: ab + chunk * fp * k, divergence: &pb[chunk])
                                    }
                                    return
                                }
                                Self.forEachQuad(geometry, vp.baseAddress!, hb) { chunk, valid, r, frames, acts in
                                    pb[chunk] += step.run(frames: frames, valid: valid, w: wb, h: acts, r: r, penalties: terms,
                                                          offsets: offsets(acts), accumulator: ab + chunk * fp * k)
                                }
                            }
                        }
                    }
                }
            }
        }
        finishBasisUpdate()
        let divergence = partial.reduce(0, +)
        if measureDivergence {
            // Over-relaxed steps are not guaranteed to descend: at the first rise (or NaN), monotone steps from here on.
            if !(divergence <= lastMeasuredDivergence) { stepExponent = 1 }
            lastMeasuredDivergence = divergence
        }
        return divergence
    }

    /// The work of one quad of frames in ``iterate(measureDivergence:)``: the ratios from
    /// λ = W·h_old (and the divergence terms when measured), the H update, then the ratios
    /// from λ = W·h_new accumulated into the W update of the learned columns.
    struct QuadStep {
        let bins, paddedBins, components: Int
        let epsilon: Float
        /// The first column of W the basis update steps (the ones before are held fixed).
        let learnedFrom: Int
        let exponent: Float
        let measureDivergence: Bool
        /// Run K = 2, 3, 4 in the kernels' specialisations for those constants.
        let specialised: Bool
        /// Elements from a frame to the same frame of the next quad (prefetched during the W pass).
        let ahead: Int

        /// Runs the step on four frames (`valid` of them real) and returns their divergence
        /// terms (0 unless measured).
        ///
        /// For 2, 3 or 4 components the kernels run in their specialisations for that constant
        /// (``ComponentCount``): the same operations in the same order, with the loops over the
        /// components unrolled.
        @inline(__always)
        func run(frames: KLKernels.Quad, valid: Int,
                 w: UnsafePointer<Float>,
                 h: KLKernels.MutableQuad,
                 r: UnsafeMutablePointer<Float>, penalties: ActivationPenalties.Pointers, offsets: (Int, Int, Int, Int),
                 accumulator: UnsafeMutablePointer<Float>) -> Double {
            switch specialised ? components : 0 {
            case 2: return run(Components<2>(), frames, valid, w, h, r, penalties, offsets, accumulator)
            case 3: return run(Components<3>(), frames, valid, w, h, r, penalties, offsets, accumulator)
            case 4: return run(Components<4>(), frames, valid, w, h, r, penalties, offsets, accumulator)
            default: return run(components, frames, valid, w, h, r, penalties, offsets, accumulator)
            }
        }

        @inline(__always)
        private func run<C: ComponentCount>(
            _ count: C, _ frames: KLKernels.Quad,
            _ valid: Int, _ w: UnsafePointer<Float>,
            _ h: KLKernels.MutableQuad,
            _ r: UnsafeMutablePointer<Float>, _ penalties: ActivationPenalties.Pointers, _ offsets: (Int, Int, Int, Int),
            _ accumulator: UnsafeMutablePointer<Float>
        ) -> Double {
            let f = bins, fp = paddedBins, k = count.value, eps = epsilon
            let hc = KLKernels.readOnly(h)
            var divergence = 0.0
            if measureDivergence {
                divergence = KLKernels.ratiosAndDivergence(v: frames, w: w, bins: f, paddedBins: fp, components: count,
                                                           h: hc, r: r, epsilon: eps, valid: valid)
            } else {
                KLKernels.ratios(v: frames, w: w, bins: f, paddedBins: fp, components: count, h: hc, r: r, epsilon: eps)
            }
            KLKernels.updateActivations(w: w, paddedBins: fp, components: count, r: r, h: h,
                                        columnSumInverse: penalties.columnSumInverse, sparseGain: penalties.sparseGain,
                                        floor: NMF.valueFloor, continuity: penalties.continuity, offsets: offsets, exponent: exponent)
            // With every template fixed (trained dictionaries only, one channel) there is no W update.
            guard learnedFrom < k else { return divergence }
            if k - learnedFrom <= 4 {
                KLKernels.ratiosIntoBasis(v: frames, w: w, bins: f, paddedBins: fp, components: count, from: learnedFrom, h: hc,
                                          r: r, epsilon: eps, accumulator: accumulator, ahead: ahead)
            } else {
                KLKernels.ratios(v: frames, w: w, bins: f, paddedBins: fp, components: count, h: hc, r: r, epsilon: eps)
                KLKernels.accumulateBasis(paddedBins: fp, components: count, from: learnedFrom, r: r, h: hc, accumulator: accumulator)
            }
            return divergence
        }
    }

    /// W ← W ⊙ ([Σ_chunks acc] ⊘ (1Hᵀ))^ω, chunk accumulators added in chunk order, then normalisation.
    private mutating func finishBasisUpdate() {
        let f = bins, fp = paddedBins, k = components, n = frames, chunks = chunkCount, exponent = stepExponent
        let first = steppedFrom
        let before = channels > 1 ? ChannelTiedBasis.marginals(basis, channels: channels, from: 0) : nil
        var rowSum = [Float](repeating: 0, count: k)
        h.storage.withUnsafeBufferPointer { hp in
            for j in 0..<n { for c in 0..<k { rowSum[c] += hp[j * k + c] } }
        }
        accumulators.withUnsafeBufferPointer { ap in
            basis.storage.withUnsafeMutableBufferPointer { wp in
                for c in first..<k {
                    let inv = 1 / max(rowSum[c], Float.leastNormalMagnitude)
                    for i in 0..<f {
                        var s: Float = 0
                        for chunk in 0..<chunks { s += ap[chunk * fp * k + c * fp + i] }
                        wp[c * fp + i] = exponent == 1 ? max(wp[c * fp + i] * s * inv, NMF.valueFloor)
                            : max(wp[c * fp + i] * KLKernels.relaxed(s * inv, exponent), NMF.valueFloor)
                    }
                }
            }
        }
        if let before {
            // Trained templates keep their spectra and learn their gains at every step.
            if fixedColumns > 0 {
                ChannelTiedBasis.tie(&basis, channels: channels, from: 0, to: fixedColumns, step: .gains,
                                     previous: (fixedSpectra, before.gains))
            }
            ChannelTiedBasis.tie(&basis, channels: channels, from: fixedColumns, step: basisSteps % 2 == 0 ? .spectra : .gains,
                                 previous: before)
        }
        basisSteps += 1
        normalizeBasis()
    }

    /// D(V‖WH) without changing anything.
    func divergence() -> Double {
        let f = bins, fp = paddedBins, k = components, chunks = chunkCount, eps = epsilon
        var partial = [Double](repeating: 0, count: chunks)
        var hCopy = h.storage
        let geometry = self.geometry
        v.storage.withUnsafeBufferPointer { vp in
            basis.storage.withUnsafeBufferPointer { wp in
                hCopy.withUnsafeMutableBufferPointer { hp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        let wb = wp.baseAddress!, pb = pp.baseAddress!
                        Self.forEachQuad(geometry, vp.baseAddress!, hp.baseAddress!) { chunk, valid, r, frames, acts in
                            let hc = KLKernels.readOnly(acts)
                            pb[chunk] += KLKernels.ratiosAndDivergence(v: frames, w: wb, bins: f, paddedBins: fp, components: k,
                                                                       h: hc, r: r, epsilon: eps, valid: valid)
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }
}
