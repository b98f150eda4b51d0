#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DSPCore

/// What `NMF` needs of a factorization in progress, whatever the divergence.
protocol NMFState {
    /// W, bins × K.
    var w: Matrix { get }
    /// H, K × frames.
    var h: Matrix { get }
    /// The exponent ω of the next multiplicative steps (KL may fall back from the asked ω to 1).
    var stepExponent: Float { get }
    /// Scales W's columns to sum to one, H's rows by the inverse factors.
    mutating func normalizeBasis()
    /// One H update then one W update; returns the divergence before it when asked (else 0).
    mutating func iterate(measureDivergence: Bool) -> Double
    /// The current divergence.
    func divergence() -> Double
}

extension KLState: NMFState {}

/// A factorization under a β-divergence other than KL, by the majorisation–minimisation
/// multiplicative updates of Févotte & Idier (2011):
/// H ← H ⊙ [Wᵀ(V ⊙ Λ^(β−2)) ⊘ Wᵀ Λ^(β−1)]^γ, W ← W ⊙ [(V ⊙ Λ^(β−2))Hᵀ ⊘ Λ^(β−1)Hᵀ]^γ,
/// γ = γ(β), which decrease the divergence monotonically for every β.
///
/// In groups of frames (``GroupStep``), fused like the KL path (Λ is never stored), on the
/// same fixed chunks of frames with per-chunk W accumulators added in chunk order: results do
/// not depend on the thread count. V is read as V / mean(V) (H kept at that scale inside), so that the
/// powers of Λ stay far from float overflow whatever the level of the recording; a ratio
/// that is not finite leaves its entry unchanged.
struct BetaState: NMFState {
    let v: Matrix
    var basis: PaddedBasis
    /// H / mean(V).
    var scaledH: Matrix
    /// mean(V) and its inverse.
    let scale: Float, inverseScale: Float
    let threads: Int
    let epsilon: Float
    let chunkCount: Int
    let divergenceKind: Divergence
    let fixedColumns: Int
    /// Every `frameStride`-th column of V is a frame of this factorization (1: all of them).
    let frameStride: Int
    /// The frames factorized: ⌈columns of V / frameStride⌉ (H has as many columns).
    let frames: Int
    /// Always 1: the β updates have no over-relaxation.
    var stepExponent: Float { 1 }
    /// Frames run together through each pass over W (``GroupStep``); 1 runs them one at a
    /// time. Any size gives the same bits.
    var frameGroup = BetaState.framesPerGroup
    private var accumulators: [Float] = []

    var w: Matrix { basis.matrix }
    var h: Matrix { Matrix(rows: scaledH.rows, columns: scaledH.columns, columnMajor: scaledH.storage.map { $0 * scale }) }

    /// - Parameters:
    ///   - frameStride: factorize only every `frameStride`-th column of V, read in place (as
    ///     `KLState`); H has ⌈columns / frameStride⌉ columns.
    ///   - mean: the mean of the frames factorized, when the caller has it (otherwise computed here).
    init(v: Matrix, w: Matrix, h: Matrix, threads: Int, divergence: Divergence, fixedColumns: Int = 0,
         frameStride: Int = 1, mean: Double? = nil) {
        self.v = v
        self.frameStride = max(1, frameStride)
        frames = (v.columns + self.frameStride - 1) / self.frameStride
        precondition(h.columns == frames, "H must have one column per factorized frame")
        self.threads = threads
        self.fixedColumns = fixedColumns
        divergenceKind = divergence
        basis = PaddedBasis(w)
        // ε relative to the unit mean; larger for β < 0, where Λ^(β−2) grows fastest.
        let level = Float(mean ?? v.meanOfColumns(strided: self.frameStride))
        let c: Float = level.isFinite && level > 1e-30 ? level : 1
        scale = c
        inverseScale = 1 / c
        scaledH = Matrix(rows: h.rows, columns: h.columns, columnMajor: h.storage.map { $0 * (1 / c) })
        epsilon = divergence.beta < 0 ? 1e-6 : 1e-9
        chunkCount = max(1, min(NMF.maxChunks, frames / 64))
    }

    mutating func normalizeBasis() { basis.normalize(activations: &scaledH, from: fixedColumns) }

    mutating func iterate(measureDivergence: Bool) -> Double {
        let fp = basis.paddedBins, k = scaledH.rows, n = frames, chunks = chunkCount, frameStep = frameStride * v.rows
        let group = max(1, frameGroup), threads = self.threads
        let step = groupStep(measureDivergence: measureDivergence)
        if accumulators.count != chunks * 2 * fp * k { accumulators = [Float](repeating: 0, count: chunks * 2 * fp * k) }
        var partial = [Double](repeating: 0, count: chunks)
        let w = basis.storage
        v.storage.withUnsafeBufferPointer { vp in
            w.withUnsafeBufferPointer { wp in
                scaledH.storage.withUnsafeMutableBufferPointer { hp in
                    accumulators.withUnsafeMutableBufferPointer { ap in
                        partial.withUnsafeMutableBufferPointer { pp in
                            let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!, ab = ap.baseAddress!, pb = pp.baseAddress!
                            Parallel.forEachBlock(chunks, threads: threads) { chunk in
                                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * fp * group + group)
                                defer { scratch.deallocate() }
                                let accA = ab + chunk * 2 * fp * k, accB = accA + fp * k
                                accA.update(repeating: 0, count: 2 * fp * k)
                                let range = Parallel.blockRange(chunk, of: chunks, count: n)
                                for first in stride(from: range.lowerBound, to: range.upperBound, by: group) {
                                    step.run(wb, v: vb + first * frameStep, frameStep: frameStep, h: hb + first * k,
                                             count: min(group, range.upperBound - first), scratch: scratch, accA: accA, accB: accB,
                                             divergence: &pb[chunk])
                                }
                            }
                        }
                    }
                }
            }
        }
        finishBasisUpdate(gamma: divergenceKind.updateExponent)
        return partial.reduce(0, +) * Self.divergenceScale(scale, beta: divergenceKind.beta)
    }

    /// W ← W ⊙ [Σ_chunks A·Hᵀ ⊘ Σ_chunks B·Hᵀ]^γ (chunk order fixed), then normalisation.
    private mutating func finishBasisUpdate(gamma: Float) {
        let f = v.rows, fp = basis.paddedBins, k = scaledH.rows, chunks = chunkCount
        accumulators.withUnsafeBufferPointer { ap in
            basis.storage.withUnsafeMutableBufferPointer { wp in
                for c in fixedColumns..<k {
                    for i in 0..<f {
                        var num: Float = 0, den: Float = 0
                        for chunk in 0..<chunks {
                            num += ap[chunk * 2 * fp * k + c * fp + i]
                            den += ap[chunk * 2 * fp * k + fp * k + c * fp + i]
                        }
                        let ratio = num / max(den, Float.leastNormalMagnitude)
                        if ratio.isFinite { wp[c * fp + i] = max(wp[c * fp + i] * (gamma == 1 ? ratio : powf(ratio, gamma)), NMF.valueFloor) }
                    }
                }
            }
        }
        normalizeBasis()
    }

    func divergence() -> Double {
        let fp = basis.paddedBins, k = scaledH.rows, n = frames, chunks = chunkCount, frameStep = frameStride * v.rows
        let group = max(1, frameGroup), threads = self.threads
        let step = groupStep(measureDivergence: true)
        var partial = [Double](repeating: 0, count: chunks)
        v.storage.withUnsafeBufferPointer { vp in
            basis.storage.withUnsafeBufferPointer { wp in
                scaledH.storage.withUnsafeBufferPointer { hp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        let vb = vp.baseAddress!, wb = wp.baseAddress!, hb = hp.baseAddress!, pb = pp.baseAddress!
                        Parallel.forEachBlock(chunks, threads: threads) { chunk in
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * fp * group)
                            defer { scratch.deallocate() }
                            let range = Parallel.blockRange(chunk, of: chunks, count: n)
                            for first in stride(from: range.lowerBound, to: range.upperBound, by: group) {
                                let count = min(group, range.upperBound - first)
                                step.models(wb, h: hb + first * k, count: count, scratch: scratch)
                                for i in 0..<count {
                                    pb[chunk] += BetaKernels.divergence(v: vb + (first + i) * frameStep, scale: step.inverseScale,
                                                                        lambda: scratch + 2 * fp * i, bins: step.bins, epsilon: step.epsilon,
                                                                        divergence: step.kind)
                                }
                            }
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +) * Self.divergenceScale(scale, beta: divergenceKind.beta)
    }

    /// d_β(cx‖cy) = c^β·d_β(x‖y): the factor back from the scaled V (for β = 0 it is 1).
    static func divergenceScale(_ c: Float, beta: Float) -> Double { pow(Double(c), Double(beta)) }
}
