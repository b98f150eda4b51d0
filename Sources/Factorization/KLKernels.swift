#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of components K as the kernels take it: any `Int`, or a type whose value is a
/// constant, so that the kernels' specialisations for it have loops over k of a known trip
/// count, which the compiler unrolls (``KLState/QuadStep`` uses them for K = 2, 3, 4).
protocol ComponentCount {
    var value: Int { get }
}

extension Int: ComponentCount {
    var value: Int { self }
}

/// K = N as a compile-time constant (see ``ComponentCount``).
struct Components<let N: Int>: ComponentCount { var value: Int { N } }

/// The fused kernels of KL multiplicative updates (Lee & Seung 2001), four frames at a time.
///
/// For a quad of frames they compute λ = W·h on the fly, eight bins at a time, divide v by
/// it into a small scratch R (4 × F′, in L1 cache), then either form Wᵀr (H update) or
/// accumulate r·hᵀ (W update). Neither Λ = W·H nor V ⊘ Λ is ever stored: each pass reads
/// V once, and every load of W serves four frames.
///
/// Layout: W is F′ × K column-major with F′ = F rounded up to a multiple of 8 and zero
/// padding rows, so the inner loops have no tails; R has the same padding (zeros).
enum KLKernels {
    typealias Vec = SIMD8<Float>
    /// Pointers to the four frames of a quad (of V, or of H's activations, read only).
    typealias Quad = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
    /// Pointers to the four frames' activations of a quad, updated in place.
    typealias MutableQuad = (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)

    /// The same four pointers, read only.
    @inline(__always) static func readOnly(_ q: MutableQuad) -> Quad {
        (UnsafePointer(q.0), UnsafePointer(q.1), UnsafePointer(q.2), UnsafePointer(q.3))
    }
    /// Frames processed together.
    static let quad = 4

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    /// Lane-wise maximum; `pointwiseMax` is not inlined by the compiler and costs a call per vector.
    @inline(__always) static func maximum(_ a: Vec, _ b: Vec) -> Vec { a.replacing(with: b, where: a .< b) }
    @inline(__always) static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// λ_j = W·h_j for bins f…f+7 of four frames.
    @inline(__always)
    static func lambdas<C: ComponentCount>(w: UnsafePointer<Float>, paddedBins fp: Int, components count: C, at f: Int,
                        h: Quad) -> (Vec, Vec, Vec, Vec) {
        addProducts(w: w, paddedBins: fp, from: 0, to: count.value, at: f, h: h, onto: (Vec(), Vec(), Vec(), Vec()))
    }

    /// `sums` + Σ_{first ≤ k < end} W[f…f+7, k]·h_j[k] for four frames j, one fused multiply–add
    /// per k in increasing k: the sum of ``lambdas(w:paddedBins:components:at:h:)`` from zeros,
    /// and of the column blocks of ``blockedLambdas(w:paddedBins:components:h:into:)`` from the
    /// partial sums, so both give the same bits.
    @inline(__always)
    static func addProducts(w: UnsafePointer<Float>, paddedBins fp: Int, from first: Int, to end: Int, at f: Int,
                            h: Quad, onto sums: (Vec, Vec, Vec, Vec)) -> (Vec, Vec, Vec, Vec) {
        var (l0, l1, l2, l3) = sums
        var k = first
        while k < end {
            let wv = load(w + k * fp + f)
            l0 = l0.addingProduct(wv, h.0[k])
            l1 = l1.addingProduct(wv, h.1[k])
            l2 = l2.addingProduct(wv, h.2[k])
            l3 = l3.addingProduct(wv, h.3[k])
            k += 1
        }
        return (l0, l1, l2, l3)
    }

    /// λ_j = W·h_j for bins f…f+15 of four frames: eight independent multiply–add chains, enough
    /// to keep both FMA units busy (four chains leave half of them idle at large K). Each lane
    /// sums over k in the same order as ``lambdas(w:paddedBins:components:at:h:)``: same bits.
    @inline(__always)
    static func lambdas16<C: ComponentCount>(w: UnsafePointer<Float>, paddedBins fp: Int, components count: C, at f: Int,
                          h: Quad)
        -> ((Vec, Vec, Vec, Vec), (Vec, Vec, Vec, Vec)) {
        addProducts16(w: w, paddedBins: fp, from: 0, to: count.value, at: f, h: h,
                      onto: ((Vec(), Vec(), Vec(), Vec()), (Vec(), Vec(), Vec(), Vec())))
    }

    /// ``addProducts(w:paddedBins:from:to:at:h:onto:)`` for bins f…f+15 (the first tuple bins
    /// f…f+7, the second f+8…f+15), as eight independent chains.
    @inline(__always)
    static func addProducts16(w: UnsafePointer<Float>, paddedBins fp: Int, from first: Int, to end: Int, at f: Int,
                              h: Quad, onto sums: ((Vec, Vec, Vec, Vec), (Vec, Vec, Vec, Vec)))
        -> ((Vec, Vec, Vec, Vec), (Vec, Vec, Vec, Vec)) {
        var ((l0, l1, l2, l3), (m0, m1, m2, m3)) = sums
        var k = first
        while k < end {
            let wv = load(w + k * fp + f), wu = load(w + k * fp + f + 8)
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            l0 = l0.addingProduct(wv, h0); m0 = m0.addingProduct(wu, h0)
            l1 = l1.addingProduct(wv, h1); m1 = m1.addingProduct(wu, h1)
            l2 = l2.addingProduct(wv, h2); m2 = m2.addingProduct(wu, h2)
            l3 = l3.addingProduct(wv, h3); m3 = m3.addingProduct(wu, h3)
            k += 1
        }
        return ((l0, l1, l2, l3), (m0, m1, m2, m3))
    }

    /// Ratios r_j = v_j ⊘ max(W·h_j, ε) of four frames into `r` (4 × padded bins).
    ///
    /// The pass of every iteration; ``ratiosAndDivergence(v:w:bins:paddedBins:components:h:r:epsilon:valid:)``
    /// is the same pass that also adds up D(v‖λ). They are separate functions because a
    /// run-time flag made the compiler split this loop into half-width vectors with spills.
    /// - Parameters:
    ///   - v: four frame pointers, F values each (unpadded; a zero frame may stand in for a missing one).
    ///   - w: W, padded bins × K, column-major.
    ///   - h: four pointers to K activations.
    ///   - r: scratch, 4 × padded bins; rows are padded with zeros.
    @inline(__always)
    static func ratios<C: ComponentCount>(v: Quad,
                       w: UnsafePointer<Float>, bins: Int, paddedBins: Int, components count: C,
                       h: Quad,
                       r: UnsafeMutablePointer<Float>, epsilon: Float) {
        if count.value >= blockedLambdaComponents {
            _ = blockedRatios(v: v, w: w, bins: bins, paddedBins: paddedBins, components: count.value, h: h, r: r,
                              epsilon: epsilon, divergence: false, valid: 4)
            return
        }
        let eps = Vec(repeating: epsilon)
        let fp = paddedBins
        let full = bins & ~7
        var f = 0
        while f + 16 <= full {
            let ((l0, l1, l2, l3), (m0, m1, m2, m3)) = lambdas16(w: w, paddedBins: fp, components: count, at: f, h: h)
            store(load(v.0 + f) / maximum(l0, eps), r + f)
            store(load(v.1 + f) / maximum(l1, eps), r + fp + f)
            store(load(v.2 + f) / maximum(l2, eps), r + 2 * fp + f)
            store(load(v.3 + f) / maximum(l3, eps), r + 3 * fp + f)
            store(load(v.0 + f + 8) / maximum(m0, eps), r + f + 8)
            store(load(v.1 + f + 8) / maximum(m1, eps), r + fp + f + 8)
            store(load(v.2 + f + 8) / maximum(m2, eps), r + 2 * fp + f + 8)
            store(load(v.3 + f + 8) / maximum(m3, eps), r + 3 * fp + f + 8)
            f += 16
        }
        ratios(from: f, v: v, w: w, bins: bins, paddedBins: fp, components: count, h: h, r: r, epsilon: epsilon)
    }

    /// The ratios of the bins from `start` (a multiple of 8) on, eight at a time, then the last
    /// partial vector: the end of ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` after
    /// its 16-bin steps.
    @inline(__always)
    static func ratios<C: ComponentCount>(from start: Int, v: Quad,
                       w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components count: C,
                       h: Quad,
                       r: UnsafeMutablePointer<Float>, epsilon: Float) {
        let eps = Vec(repeating: epsilon)
        let full = bins & ~7
        var f = start
        while f < full {
            let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: count, at: f, h: h)
            store(load(v.0 + f) / maximum(l0, eps), r + f)
            store(load(v.1 + f) / maximum(l1, eps), r + fp + f)
            store(load(v.2 + f) / maximum(l2, eps), r + 2 * fp + f)
            store(load(v.3 + f) / maximum(l3, eps), r + 3 * fp + f)
            f += 8
        }
        if full < fp { _ = tail(v: v, w: w, bins: bins, paddedBins: fp, components: count, h: h, r: r, epsilon: epsilon, divergence: false, valid: 4) }
    }

    /// The ratios of ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` plus Σ_j D(v_j‖λ_j)
    /// over the first `valid` frames (the others are padding of an incomplete quad).
    static func ratiosAndDivergence<C: ComponentCount>(v: Quad,
                                    w: UnsafePointer<Float>, bins: Int, paddedBins: Int, components count: C,
                                    h: Quad,
                                    r: UnsafeMutablePointer<Float>, epsilon: Float, valid: Int) -> Double {
        if count.value >= blockedLambdaComponents {
            return blockedRatios(v: v, w: w, bins: bins, paddedBins: paddedBins, components: count.value, h: h, r: r,
                                 epsilon: epsilon, divergence: true, valid: valid)
        }
        let eps = Vec(repeating: epsilon)
        let fp = paddedBins
        // Terms are non-negative, so per-lane float sums over one frame (F/8 terms each) lose
        // about 1e-6 relatively; frames are then added in double precision.
        var d0 = Vec(), d1 = Vec(), d2 = Vec(), d3 = Vec()
        let full = bins & ~7
        var f = 0
        while f < full {
            let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: count, at: f, h: h)
            let v0 = load(v.0 + f), v1 = load(v.1 + f), v2 = load(v.2 + f), v3 = load(v.3 + f)
            let m0 = maximum(l0, eps), m1 = maximum(l1, eps), m2 = maximum(l2, eps), m3 = maximum(l3, eps)
            let r0 = v0 / m0, r1 = v1 / m1, r2 = v2 / m2, r3 = v3 / m3
            store(r0, r + f); store(r1, r + fp + f); store(r2, r + 2 * fp + f); store(r3, r + 3 * fp + f)
            d0 += divergenceTerms(v0, m0, r0)
            d1 += divergenceTerms(v1, m1, r1)
            d2 += divergenceTerms(v2, m2, r2)
            d3 += divergenceTerms(v3, m3, r3)
            f += 8
        }
        var d = Double(d0.sum())
        if valid > 1 { d += Double(d1.sum()) }
        if valid > 2 { d += Double(d2.sum()) }
        if valid > 3 { d += Double(d3.sum()) }
        if full < fp { d += tail(v: v, w: w, bins: bins, paddedBins: fp, components: count, h: h, r: r, epsilon: epsilon, divergence: true, valid: valid) }
        return d
    }

    /// The last, partial vector of bins (from `bins & ~7`): λ stored, then finished element by element.
    static func tail<C: ComponentCount>(v: Quad,
                     w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components count: C,
                     h: Quad,
                     r: UnsafeMutablePointer<Float>, epsilon: Float, divergence: Bool, valid: Int) -> Double {
        let full = bins & ~7
        let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: count, at: full, h: h)
        store(l0, r + full); store(l1, r + fp + full); store(l2, r + 2 * fp + full); store(l3, r + 3 * fp + full)
        var d = finish(v.0, r, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence)
        d += finish(v.1, r + fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 1)
        d += finish(v.2, r + 2 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 2)
        d += finish(v.3, r + 3 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 3)
        return d
    }

    /// Lane-wise KL terms v·log(v/λ) − v + λ (λ where v = 0), given the ratio r = v/λ.
    @inline(__always)
    static func divergenceTerms(_ v: Vec, _ lambda: Vec, _ ratio: Vec) -> Vec {
        let positive = v .> Vec(repeating: 0)
        let logRatio = log(maximum(ratio, Vec(repeating: 1e-30)))
        return Vec(repeating: 0).replacing(with: v * logRatio - v, where: positive) + lambda
    }

    /// Int32 lanes with |x| < 2²² to Float, exactly, without the library call the generic
    /// conversion compiles to: the bits of 1.5·2²³ plus x are the float 1.5·2²³ + x.
    @inline(__always)
    static func float(_ x: SIMD8<Int32>) -> Vec { unsafeBitCast(x &+ 0x4B40_0000, to: Vec.self) - 12_582_912 }

    /// Integral float lanes with |x| < 2²² to Int32, exactly (the inverse of ``float(_:)``).
    @inline(__always)
    static func integer(_ x: Vec) -> SIMD8<Int32> { unsafeBitCast(x + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000 }

    /// Natural logarithm of eight normal positive floats, to about 2 ulp: x = m·2^e with
    /// m in [√½, √2), log x = e·ln 2 + 2·atanh((m − 1)/(m + 1)), the series to t⁹ (|t| ≤ 0.172).
    @inline(__always)
    static func log(_ x: Vec) -> Vec {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        // Exponent relative to √½: shift the mantissa range to [√½, √2).
        let adjusted = bits &- 0x3F35_04F3
        let e = adjusted &>> 23
        let mBits = (adjusted & 0x007F_FFFF) &+ 0x3F35_04F3
        let m = unsafeBitCast(mBits, to: Vec.self)
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var p = Vec(repeating: 2.0 / 9.0)
        p = Vec(repeating: 2.0 / 7.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0 / 5.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0 / 3.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0).addingProduct(p, t2)
        return (p * t).addingProduct(float(e), 0.693_147_18)
    }

    /// Turns stored λ into ratios v/λ from bin `start` on (zero in the padding), adding up
    /// D(v‖λ) = Σ v·log(v/λ) − v + λ when asked (entries with v = 0 contribute λ).
    @inline(__always)
    static func finish(_ v: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>, bins: Int, paddedBins: Int,
                       from start: Int, epsilon: Float, divergence: Bool) -> Double {
        var d = 0.0
        for i in start..<paddedBins {
            if i >= bins { r[i] = 0; continue }
            let lam = max(r[i], epsilon), x = v[i]
            if divergence { d += x > 0 ? Double(x * logf(x / lam) - x + lam) : Double(lam) }
            r[i] = x / lam
        }
        return d
    }
}
