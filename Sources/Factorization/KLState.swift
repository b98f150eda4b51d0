import DSPCore

/// The working state of one KL factorization: V (read only), W, H and scratch buffers.
struct KLState {
    let v: Matrix
    var w: Matrix
    var h: Matrix
    let threads: Int
    let epsilon: Float
    let chunkCount: Int
    private var accumulators: [Float]

    var bins: Int { v.rows }
    var frames: Int { v.columns }
    var components: Int { w.columns }

    init(v: Matrix, w: Matrix, h: Matrix, threads: Int) {
        self.v = v
        self.w = w
        self.h = h
        self.threads = threads
        var sum = 0.0
        v.storage.withUnsafeBufferPointer { for x in $0 { sum += Double(x) } }
        let mean = sum / Double(max(v.storage.count, 1))
        epsilon = max(Float(mean * 1e-9), Float.leastNormalMagnitude)
        chunkCount = max(1, min(NMF.maxChunks, v.columns / 64))
        accumulators = []
    }

    /// Scales each column of W to sum to one and the matching row of H by the same factor.
    mutating func normalizeBasis() {
        let f = bins, k = components, n = frames
        var scales = [Float](repeating: 1, count: k)
        w.storage.withUnsafeMutableBufferPointer { wp in
            for c in 0..<k {
                var s: Float = 0
                for i in 0..<f { s += wp[c * f + i] }
                if s > 0 && s.isFinite {
                    scales[c] = s
                    let inv = 1 / s
                    for i in 0..<f { wp[c * f + i] = max(wp[c * f + i] * inv, NMF.valueFloor) }
                }
            }
        }
        h.storage.withUnsafeMutableBufferPointer { hp in
            for j in 0..<n {
                for c in 0..<k { hp[j * k + c] = max(hp[j * k + c] * scales[c], NMF.valueFloor) }
            }
        }
    }

    /// One H update over all frames; returns D(V‖WH) before the update when `measureDivergence`.
    mutating func updateActivations(measureDivergence: Bool) -> Double {
        let f = bins, k = components, n = frames, chunks = chunkCount, eps = epsilon
        var columnSumInverse = [Float](repeating: 0, count: k)
        w.storage.withUnsafeBufferPointer { wp in
            for c in 0..<k {
                var s: Float = 0
                for i in 0..<f { s += wp[c * f + i] }
                columnSumInverse[c] = 1 / max(s, Float.leastNormalMagnitude)
            }
        }
        var partial = [Double](repeating: 0, count: chunks)
        v.storage.withUnsafeBufferPointer { vp in
            w.storage.withUnsafeBufferPointer { wp in
                h.storage.withUnsafeMutableBufferPointer { hp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        columnSumInverse.withUnsafeBufferPointer { csi in
                            let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!
                            let pb = pp.baseAddress!, cb = csi.baseAddress!
                            Parallel.forEachBlock(chunks, threads: threads) { chunk in
                                let numerator = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: k)
                                defer { numerator.deallocate() }
                                var d = 0.0
                                for j in Parallel.blockRange(chunk, of: chunks, count: n) {
                                    d += KLKernels.updateActivations(
                                        v: vb + j * f, w: wb, bins: f, components: k, h: hb + j * k,
                                        columnSumInverse: cb, numerator: numerator, epsilon: eps,
                                        floor: NMF.valueFloor, divergence: measureDivergence)
                                }
                                pb[chunk] = d
                            }
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// One W update from the current H, followed by the column normalisation.
    mutating func updateBasis() {
        let f = bins, k = components, n = frames, chunks = chunkCount, eps = epsilon
        if accumulators.count != chunks * f * k { accumulators = [Float](repeating: 0, count: chunks * f * k) }
        v.storage.withUnsafeBufferPointer { vp in
            w.storage.withUnsafeBufferPointer { wp in
                h.storage.withUnsafeBufferPointer { hp in
                    accumulators.withUnsafeMutableBufferPointer { ap in
                        let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!, ab = ap.baseAddress!
                        Parallel.forEachBlock(chunks, threads: threads) { chunk in
                            let acc = ab + chunk * f * k
                            acc.update(repeating: 0, count: f * k)
                            for j in Parallel.blockRange(chunk, of: chunks, count: n) {
                                KLKernels.accumulateBasis(v: vb + j * f, w: wb, bins: f, components: k,
                                                          h: hb + j * k, accumulator: acc, epsilon: eps)
                            }
                        }
                    }
                }
            }
        }
        // Row sums of H (1Hᵀ), in frame order.
        var rowSum = [Float](repeating: 0, count: k)
        h.storage.withUnsafeBufferPointer { hp in
            for j in 0..<n { for c in 0..<k { rowSum[c] += hp[j * k + c] } }
        }
        accumulators.withUnsafeBufferPointer { ap in
            w.storage.withUnsafeMutableBufferPointer { wp in
                for c in 0..<k {
                    let inv = 1 / max(rowSum[c], Float.leastNormalMagnitude)
                    for i in 0..<f {
                        var s: Float = 0
                        for chunk in 0..<chunks { s += ap[chunk * f * k + c * f + i] }
                        wp[c * f + i] = max(wp[c * f + i] * s * inv, NMF.valueFloor)
                    }
                }
            }
        }
        normalizeBasis()
    }

    /// D(V‖WH) without changing anything.
    func divergence() -> Double {
        let f = bins, k = components, n = frames, chunks = chunkCount, eps = epsilon
        var partial = [Double](repeating: 0, count: chunks)
        v.storage.withUnsafeBufferPointer { vp in
            w.storage.withUnsafeBufferPointer { wp in
                h.storage.withUnsafeBufferPointer { hp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!, pb = pp.baseAddress!
                        Parallel.forEachBlock(chunks, threads: threads) { chunk in
                            var d = 0.0
                            for j in Parallel.blockRange(chunk, of: chunks, count: n) {
                                d += KLKernels.frameDivergence(v: vb + j * f, w: wb, bins: f, components: k,
                                                               h: hb + j * k, epsilon: eps)
                            }
                            pb[chunk] = d
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }
}
